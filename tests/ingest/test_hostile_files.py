"""One build over a folder of hostile files: each one is indexed or skipped with its reason, the
batch always finishes, and the good files are published.

Every kind below stopped, hung, crashed or silently lost something on an earlier version: nested
HTML that took hours to clean, a zip bomb unpacked before its size was checked, a file name that is
not UTF-8 crashing the publish, the same file name in two folders losing one of them.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_service.core.config import Settings
from qa_service.retrieval.store import load_index
from qa_service.services.indexing import build_index
from tests.fakes import HashingEmbedder
from tests.ingest.test_loaders import _blank_pdf_bytes, _docx_bytes, _encrypted_pdf_bytes, _pdf_bytes

POLICY = "测试市关于印发《测试措施》的通知\n测政规〔2025〕1号 各单位: 现印发。\n一、支持企业\n(一)技术改造。最高补助400万元。\n(二)数字化转型。最高补助300万元。\n"
PAGE = (
    "<html><head><meta charset='utf-8'><title>测试市关于印发《测试措施》的通知</title></head><body>"
    "<h1>测试市关于印发《测试措施》的通知</h1><p>测政规〔2025〕1号</p>{body}</body></html>"
)
CLAUSES = "<p>第一条 为了规范补助资金管理，制定本措施。</p><p>第二条 技术改造最高补助400万元。</p>"
MAX_FILE_BYTES = 4 * 1024 * 1024  # lowered so a "huge" file need not be gigabytes
MAX_UNPACKED_MB = 20
BUILD_BOUND_S = 120.0
INDEXED = "indexed"


class DeadlineExceeded(BaseException):
    """Not an Exception, so no per-file `except Exception` in the build can swallow it."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fails the test instead of hanging it when the build does not finish in time."""

    def expire(signum: int, frame: object) -> None:
        raise DeadlineExceeded(f"the build did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _shown(name: str) -> str:
    """How a report shows a name: control and bidi characters as escapes."""
    return name.translate({0x1B: "\\x1b", 0x07: "\\x07", 0x0A: "\\x0a", 0x202E: "\\u202e"})


def _put(root: Path, relative: str | bytes, data: str | bytes) -> None:
    """Writes through bytes paths, so names that are not valid UTF-8 are written exactly."""
    path = os.path.join(os.fsencode(root), os.fsencode(relative))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def _zip(members: dict[str, bytes | int]) -> bytes:
    """A zip whose int members are that many zero bytes, streamed so the test never holds them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                block = bytes(1024 * 1024)
                for _ in range(content // len(block)):
                    member.write(block)
    return buffer.getvalue()


def _docx_plus(extra: dict[str, bytes | int]) -> bytes:
    """A valid .docx with extra members."""
    with zipfile.ZipFile(io.BytesIO(_docx_bytes())) as source:
        members: dict[str, bytes | int] = {name: source.read(name) for name in source.namelist()}
    return _zip({**members, **extra})


def _hostile_corpus(root: Path) -> dict[str, str]:
    """Writes the corpus; returns each file's expected outcome: INDEXED or a reason pattern."""
    rng = random.Random(7)
    expected: dict[str, str] = {}

    def put(relative: str | bytes, data: str | bytes, outcome: str) -> None:
        _put(root, relative, data)
        shown = relative if isinstance(relative, str) else relative.decode("utf-8", "backslashreplace")
        expected[shown] = outcome

    # good files, one per format
    put("good/policy.txt", POLICY, INDEXED)
    put("good/page.html", PAGE.format(body=CLAUSES), INDEXED)
    put("good/policy.docx", _docx_bytes(), INDEXED)
    put("good/law.md", "# 中华人民共和国测试法\n\n<!-- INFO END -->\n第一条 为了测试，制定本法。\n", INDEXED)
    put("good/policy.pdf", _pdf_bytes(["Measures for Testing", "Article 1 applies to every test."]), INDEXED)
    # the same name in two folders, and the same stem twice in one folder: all of them are indexed
    put("a/same.html", PAGE.format(body=CLAUSES), INDEXED)
    put("b/same.html", PAGE.format(body=CLAUSES), INDEXED)
    put("a/same.txt", POLICY, INDEXED)
    # encodings
    put("enc/gbk.txt", POLICY.replace("测试市", "朱镕基市").encode("gbk"), INDEXED)
    put("enc/utf16.txt", POLICY.encode("utf-16"), INDEXED)
    put("enc/utf16-no-bom.txt", POLICY.encode("utf-16-le"), "binary data")
    put(
        "enc/big5.html",
        "<html><head><meta charset='big5'></head><body><h1>測試市關於印發《測試措施》的通知</h1>"
        "<p>第一條 為了規範補助資金管理，制定本措施。</p></body></html>".encode("big5"),
        INDEXED,
    )
    put("enc/control-chars.txt", POLICY.replace("现印发", "现\x1b[31m印\x07发\x0c"), INDEXED)
    # names: not UTF-8, control characters, a bidi override, a folder that is not UTF-8 either
    put(b"names/bad-\xff\xfe-name.txt", POLICY, INDEXED)
    put(b"names/\xc0\xaf-garbage.txt", b"\x00\x01\x02binary", "binary data")
    put(b"names/bad-\xe9-folder/inner.txt", POLICY, INDEXED)
    put("names/ctrl-\x1b[31m-\x07-name.txt", POLICY, INDEXED)
    put("names/new\nline.txt", POLICY, INDEXED)
    put("names/bidi-\u202etxt.exe.txt", POLICY, INDEXED)
    # HTML built to be slow: deep nesting, many siblings, one enormous line
    nested = "<div>" * 100_000 + "<p>第一条 深层嵌套的条款。</p>" + "</div>" * 100_000
    put("html/nested-100k.html", PAGE.format(body=CLAUSES + nested), INDEXED)
    put("html/nested-100k-unclosed.html", PAGE.format(body="<span><b>" * 50_000 + "第一条 未闭合。"), INDEXED)
    put("html/comments-50k.html", PAGE.format(body=CLAUSES + "<!-- x -->y" * 50_000), INDEXED)
    put("html/scripts-20k.html", PAGE.format(body=CLAUSES + "<script>x()</script>" * 20_000), INDEXED)
    put(
        "html/one-line-1mb.html",
        PAGE.format(body=CLAUSES + f"<img src='data:image/png;base64,{'A' * 1024 * 1024}'>" + CLAUSES),
        INDEXED,
    )
    put("html/spaces-200k.html", PAGE.format(body="<p>第一条 空格" + " " * 200_000 + "之后。</p>"), INDEXED)
    put(
        "html/only-chrome.html",
        "<html><body><nav>首页</nav><script>x()</script></body></html>",
        "no text found",
    )
    put("html/binary.html", bytes(rng.getrandbits(8) for _ in range(4096)) + b"\x00", "binary data")
    # docx: zip bombs, not a zip, an old .doc, a zip of something else, truncated
    put(
        "docx/bomb-total.docx",
        _docx_plus({"word/media/bomb.bin": (MAX_UNPACKED_MB + 10) * 1024 * 1024}),
        "unpacks to .* a zip bomb",
    )
    put(
        "docx/bomb-ratio.docx",
        _docx_plus({"word/media/bomb.bin": 8 * 1024 * 1024}),
        r"unpacks \d+:1 .* a zip bomb",
    )
    put("docx/not-a-zip.docx", b"PK\x03\x04 but then nothing", "not a valid .docx")
    put("docx/old-format.docx", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504), r"old-format \(.doc\)")
    put("docx/zip-of-text.docx", _zip({"notes.txt": b"not a word document"}), "not a valid .docx")
    put("docx/truncated.docx", _docx_bytes()[:1000], "not a valid .docx")
    # PDFs: truncated, encrypted, empty, scanned, header only
    put("pdf/truncated.pdf", _pdf_bytes(["Some text"])[:40], "not a valid PDF")
    put("pdf/encrypted.pdf", _encrypted_pdf_bytes("secret"), "^encrypted PDF$")
    put("pdf/empty.pdf", b"", "^empty file$")
    put("pdf/scanned.pdf", _blank_pdf_bytes(), "no extractable text")
    put("pdf/header-only.pdf", b"%PDF-1.7\n", "not a valid PDF")
    # text that is not text, and files that are not there to read
    put("text/empty.txt", b"", "^empty file$")
    put("text/blank.md", " \n\n\t\n", "^no text found$")
    put("text/garbage.txt", bytes(rng.getrandbits(8) for _ in range(8192)), "binary data|cannot decode")
    put("text/title-only.txt", "测试市关于印发《测试措施》的通知\n", "no body text")
    put(
        "text/huge.txt",
        POLICY * (2 * MAX_FILE_BYTES // len(POLICY.encode())),
        r"file too large \(8\.0 MB; limit 4\.0 MB\)",
    )
    put("text/data.xyz", "?", r"unsupported file type \.xyz")
    put("text/README", "?", r"unsupported file type \(no extension\)")
    # a folder named like a file is a folder: its files are indexed, it is not reported itself
    put("dir.html/inside.txt", POLICY, INDEXED)
    os.mkdir(root / "empty-dir.pdf")
    # links: a loop, a dangling one, one to a folder (not followed), one to a good file
    links = root / "links"
    links.mkdir()
    (links / "loop.txt").symlink_to("loop.txt")
    (links / "dangling.txt").symlink_to("nowhere.txt")
    (links / "folder.txt").symlink_to(root / "good")
    (links / "to-policy.txt").symlink_to(root / "good" / "policy.txt")
    expected.update({
        "links/loop.txt": "cannot access file .*symbolic links",
        "links/dangling.txt": "^file not found$",
        "links/folder.txt": "link to a folder",
        "links/to-policy.txt": INDEXED,
    })  # fmt: skip
    os.mkfifo(root / "text" / "pipe.txt")  # reading it would block forever
    expected["text/pipe.txt"] = "^not a regular file$"
    return expected


def _relative(root: Path, shown: str) -> str:
    prefix = os.fsencode(root).decode("utf-8", "backslashreplace") + "/"
    assert shown.startswith(prefix), shown
    return shown[len(prefix) :]


@pytest.fixture
def hostile_settings(tmp_path: Path) -> Settings:
    return Settings(
        index_dir=tmp_path / "index" / "default",
        max_file_bytes=MAX_FILE_BYTES,
        ingest_max_unpacked_mb=MAX_UNPACKED_MB,
    )


def test_every_hostile_file_is_indexed_or_skipped_with_its_reason(
    tmp_path: Path, hostile_settings: Settings
) -> None:
    root = tmp_path / "hostile"
    expected = _hostile_corpus(root)
    assert len(expected) >= 40

    with _deadline(BUILD_BOUND_S):
        report = build_index([root], hostile_settings, HashingEmbedder(), report_to=tmp_path / "report.json")

    outcomes = {_relative(root, outcome.path): outcome for outcome in report.outcomes}
    escaped = "names/\\xc0\\xaf-garbage.txt"  # each name is shown printable, even when not UTF-8
    assert escaped in outcomes and all(name.isprintable() for name in outcomes)
    assert sorted(outcomes) == sorted(_shown(name) for name in expected)
    wrong = {}
    for name, want in expected.items():
        got = outcomes[_shown(name)]
        if want == INDEXED:
            if got.status != "indexed" or not got.doc_ids or not got.chunks:
                wrong[name] = (got.status, got.reason)
        elif got.status != "skipped" or not re.search(want, got.reason or ""):
            wrong[name] = (got.status, got.reason)
    assert not wrong

    # published: every indexed file's documents, each under its own id
    bundle = load_index(hostile_settings.index_dir)
    indexed_ids = {doc_id for outcome in report.outcomes for doc_id in outcome.doc_ids}
    assert set(bundle.documents) == indexed_ids
    assert len(indexed_ids) == sum(len(outcome.doc_ids) for outcome in report.outcomes)
    sources = {meta.source for meta in bundle.documents.values()}
    assert {"a/same.html", "b/same.html", "a/same.txt", "names/bad-\\xff\\xfe-name.txt"} <= sources
    assert all(doc_id.isprintable() and "/" not in doc_id for doc_id in bundle.documents)

    # the JSON report holds every file, the skipped ones with their reasons, counts and timings
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written["counts"] == {
        "files": len(expected),
        "indexed": sum(want == INDEXED for want in expected.values()),
        "skipped": sum(want != INDEXED for want in expected.values()),
        "documents": len(bundle.documents),
        "chunks": len(bundle.chunks),
    }
    assert len(written["files"]) == len(expected)
    assert {_relative(root, item["path"]) for item in written["skipped"]} == {
        name for name, outcome in outcomes.items() if outcome.status == "skipped"
    }
    assert all(item["reason"] for item in written["skipped"])
    assert written["seconds"]["total"] >= written["seconds"]["parse"] > 0
    assert written["published"] == str(report.location)


def test_a_file_that_takes_too_long_is_stopped_and_the_batch_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    _put(root, "policy.txt", POLICY)
    # ~1.5 million elements: a minute or more of parsing, far beyond the limit set here
    _put(root, "slow.html", PAGE.format(body="<p>第一条</p>" * 1_500_000))
    _put(root, "policy-after.txt", POLICY)
    settings = Settings(index_dir=tmp_path / "index" / "default", ingest_file_timeout_s=2, ingest_workers=1)

    with _deadline(60):
        report = build_index([root], settings, HashingEmbedder())

    by_name = {Path(outcome.path).name: outcome for outcome in report.outcomes}
    assert by_name["slow.html"].status == "skipped"
    assert "took longer than 2 s" in (by_name["slow.html"].reason or "")
    # the worker that was killed is replaced: the file after it is still parsed
    assert by_name["policy.txt"].status == by_name["policy-after.txt"].status == "indexed"


def test_a_file_that_needs_too_much_memory_is_stopped_and_the_batch_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    _put(root, "a-policy.txt", POLICY)
    # a million and a half elements: over a gigabyte as a parsed tree, far more than allowed here
    _put(root, "b-hog.html", PAGE.format(body="<b>x</b>" * 1_500_000))
    # the same worker then parses a page that needs half the allowance: the hog's memory is back
    _put(root, "c-medium.html", PAGE.format(body=CLAUSES + "<b>x</b>" * 60_000))
    _put(root, "d-policy.txt", POLICY)
    settings = Settings(
        index_dir=tmp_path / "index" / "default",
        ingest_worker_memory_mb=400,
        ingest_file_timeout_s=120,
        ingest_workers=1,
    )

    with _deadline(120):
        report = build_index([root], settings, HashingEmbedder())

    by_name = {Path(outcome.path).name: outcome for outcome in report.outcomes}
    assert by_name["b-hog.html"].status == "skipped"
    assert re.search("out of memory|killed|crashed", by_name["b-hog.html"].reason or "")
    assert [by_name[name].status for name in ("a-policy.txt", "c-medium.html", "d-policy.txt")] == [
        "indexed"
    ] * 3


def test_the_cli_writes_a_json_report_of_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa_service import bootstrap
    from qa_service.cli import app
    from qa_service.core.config import get_settings

    root = tmp_path / "corpus"
    _put(root, "a/policy.txt", POLICY)
    _put(root, "b/policy.txt", POLICY)
    _put(root, b"bad-\xff.docx", b"not a zip")
    monkeypatch.setattr(bootstrap, "build_embedder", lambda settings: HashingEmbedder())
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index" / "default"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index", "build", str(root), "--report", str(tmp_path / "r.json")])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "bad-\\xff.docx" in result.output and "2 file(s)" in result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["counts"]["files"] == 3 and report["counts"]["indexed"] == 2
    assert [Path(item["path"]).name for item in report["skipped"]] == ["bad-\\xff.docx"]
    assert "not a valid .docx" in report["skipped"][0]["reason"]
    assert {tuple(item["doc_ids"]) for item in report["files"] if item["status"] == "indexed"} == {
        ("a__policy-01",),
        ("b__policy-01",),
    }
