import io
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError

from qa_service.ingest.loaders import (
    SUPPORTED_SUFFIXES,
    LoaderError,
    iter_files,
    load_file,
    load_paths,
)
from qa_service.ingest.models import LoadedFile, LoadError

MAX = 1024 * 1024
POLICY_ZH = "第一条 为了规范财政补助资金管理，制定本办法。"

NOISY_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于印发测试办法的通知_政策文件_测试市人民政府</title>
<style>p { color: red }</style><script>var tracker = "脚本内容";</script></head>
<body>
<header><h1>测试市人民政府</h1><nav><a href="/">首页</a> <a href="/zw">政务公开</a></nav></header>
<div class="crumb">当前位置：首页 &gt; 政策文件</div>
<form action="/search"><input name="q" value="请输入关键词"><button>搜索</button></form>
<article>
<h1>关于印发测试办法的通知</h1>
<p>第一条　为了规范财政补助资金
管理，制定本办法。</p>
<p>第二条　本办法适用于本市。<br>第三条　补助标准见下表。</p>
<table><tr><th>项目</th><th>金额</th></tr><tr><td>技术改造</td><td>500万元</td></tr></table>
<ul><li>一、支持<b>科技</b>创新</li><li>二、支持技术改造</li></ul>
</article>
<aside>相关链接 热点新闻</aside>
<footer>版权所有 测试市人民政府办公室</footer>
<script>document.write("广告");</script><noscript>请启用脚本</noscript><iframe src="x"></iframe>
</body></html>
"""


def _pdf_bytes(pages: list[str]) -> bytes:
    """A minimal valid PDF (Helvetica, one text line per page) with a correct xref table."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * index} 0 R" for index in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * index} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _encrypted_pdf_bytes(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(["Secret policy text"]))))
    # RC4 needs no optional crypto package; AES would need `cryptography`.
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _blank_pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("测试市财政补助资金管理办法")
    document.add_paragraph(POLICY_ZH)
    document.add_paragraph("")  # empty paragraphs carry no text and are dropped
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "补助标准"
    table.cell(0, 2).text = "备注"
    for column, text in enumerate(("项目", "金额", "说明")):
        table.cell(1, column).text = text
    for column, text in enumerate(("技术改造", "500万元", "一次性")):
        table.cell(2, column).text = text
    document.add_paragraph("第二条 本办法自发布之日起施行。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _reason(path: Path) -> str:
    with pytest.raises(LoaderError) as caught:
        load_file(path, max_bytes=MAX)
    assert isinstance(caught.value, ValueError)
    return caught.value.reason


# --- text and markdown ---------------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}) == SUPPORTED_SUFFIXES


def test_utf8_text_with_bom_and_crlf_is_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path / "policy.txt", "\ufeff标题\r\n" + POLICY_ZH + "\r第二条\n")
    loaded = load_file(path, max_bytes=MAX)
    assert loaded == LoadedFile(str(path), f"标题\n{POLICY_ZH}\n第二条\n", "txt")


def test_gb18030_text_falls_back(tmp_path: Path) -> None:
    data = ("关于朱镕基同志讲话的通知\n" + POLICY_ZH).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    loaded = load_file(_write(tmp_path / "gbk.txt", data), max_bytes=MAX)
    assert loaded.text == "关于朱镕基同志讲话的通知\n" + POLICY_ZH


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "notepad.txt", POLICY_ZH.encode("utf-16")), max_bytes=MAX)
    assert loaded.text == POLICY_ZH


def test_undecodable_and_binary_text_are_refused(tmp_path: Path) -> None:
    assert "cannot decode" in _reason(_write(tmp_path / "bad.txt", b"\x81\x30\xff\xfe\x80 text"))
    assert "binary" in _reason(_write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))


def test_markdown_is_read_as_is(tmp_path: Path) -> None:
    text = "# 中华人民共和国测试法\n\n通过日期\n<!-- INFO END -->\n## 第一章 总则\n第一条 为了测试。\n"
    loaded = load_file(_write(tmp_path / "law.markdown", text), max_bytes=MAX)
    assert loaded == LoadedFile(str(tmp_path / "law.markdown"), text, "md")


# --- HTML ----------------------------------------------------------------------------------------


def test_html_drops_page_chrome_and_keeps_one_block_per_line(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "page.html", NOISY_HTML), max_bytes=MAX)
    assert loaded.format == "html"
    lines = loaded.text.split("\n")
    assert lines[0] == "关于印发测试办法的通知"  # the <h1> leads even though the breadcrumb came first
    assert "第一条　为了规范财政补助资金管理，制定本办法。" in lines  # source line break inside CJK removed
    assert "第二条　本办法适用于本市。" in lines and "第三条　补助标准见下表。" in lines
    assert "项目 金额" in lines and "技术改造 500万元" in lines
    assert "一、支持科技创新" in lines and "二、支持技术改造" in lines
    assert "" not in lines
    noise = ("脚本", "广告", "首页 政务公开", "搜索", "请输入", "相关链接", "版权所有", "请启用", "color")
    assert not [word for word in noise if word in loaded.text]
    assert "测试市人民政府" not in lines  # the site banner <h1> lived in the page <header>


def test_html_title_becomes_first_line_without_h1(tmp_path: Path) -> None:
    html = "<html><head><title>测试通知</title></head><body><div>正文第一段。</div><div>正文第二段。</div>"
    loaded = load_file(_write(tmp_path / "page.htm", html), max_bytes=MAX)
    assert loaded.text == "测试通知\n正文第一段。\n正文第二段。"
    starts_with_title = "<title>测试通知</title><body><p>测试通知</p><p>正文。</p></body>"
    assert load_file(_write(tmp_path / "b.htm", starts_with_title), max_bytes=MAX).text == "测试通知\n正文。"


def test_html_keeps_content_wrapped_in_a_page_wide_form_and_article_header(tmp_path: Path) -> None:
    html = (
        '<body><form id="aspnetForm"><article><header><h1>关于测试的通知</h1></header>'
        "<p>正文内容。</p><footer>测试市人民政府 2024年1月2日</footer></article></form></body>"
    )
    loaded = load_file(_write(tmp_path / "aspx.html", html), max_bytes=MAX)
    assert loaded.text == "关于测试的通知\n正文内容。\n测试市人民政府 2024年1月2日"


@pytest.mark.parametrize(
    ("declared", "encoding", "text"),
    [("gb2312", "gb18030", "朱镕基签发的通知"), ("big5", "big5", "中華民國政府公告")],
)
def test_html_encodings(tmp_path: Path, declared: str, encoding: str, text: str) -> None:
    html = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={declared}"></head>'
    data = (html + f"<body><p>{text}</p></body></html>").encode(encoding)
    assert load_file(_write(tmp_path / "page.html", data), max_bytes=MAX).text == text


def test_html_with_only_chrome_has_no_text(tmp_path: Path) -> None:
    html = "<html><head><title>标题</title></head><body><nav>首页</nav><script>x()</script></body></html>"
    assert _reason(_write(tmp_path / "empty.html", html)) == "no text found"


# --- DOCX ----------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "policy.docx", _docx_bytes()), max_bytes=MAX)
    assert loaded.format == "docx"
    assert loaded.text.split("\n") == [
        "测试市财政补助资金管理办法",
        POLICY_ZH,
        "补助标准 备注",  # the merged cell appears once
        "项目 金额 说明",
        "技术改造 500万元 一次性",
        "第二条 本办法自发布之日起施行。",
    ]


def test_broken_docx_is_reported(tmp_path: Path) -> None:
    assert "not a valid .docx" in _reason(_write(tmp_path / "random.docx", bytes(range(256)) * 8))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("notes.txt", "not a word document")
    assert "not a valid .docx" in _reason(_write(tmp_path / "zip.docx", zipped.getvalue()))
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    assert "old-format (.doc)" in _reason(_write(tmp_path / "legacy.docx", ole))


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_pages_are_joined(tmp_path: Path) -> None:
    path = _write(tmp_path / "policy.pdf", _pdf_bytes(["Article 1 applies.", "Article 2."]))
    assert load_file(path, max_bytes=MAX) == LoadedFile(str(path), "Article 1 applies.\nArticle 2.", "pdf")


def test_pdf_with_empty_user_password_is_opened(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "locked.pdf", _encrypted_pdf_bytes("")), max_bytes=MAX)
    assert loaded.text == "Secret policy text"


def test_pdf_needing_a_password_is_refused(tmp_path: Path) -> None:
    assert _reason(_write(tmp_path / "secret.pdf", _encrypted_pdf_bytes("secret"))) == "encrypted PDF"


def test_pdf_needing_missing_crypto_package_is_explained(tmp_path: Path, monkeypatch) -> None:
    def needs_cryptography(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    reason = _reason(_write(tmp_path / "aes.pdf", _encrypted_pdf_bytes("")))
    assert reason.startswith("encrypted PDF") and "cryptography" in reason


def test_scanned_pdf_without_text_is_refused(tmp_path: Path) -> None:
    assert "no extractable text" in _reason(_write(tmp_path / "scan.pdf", _blank_pdf_bytes()))


def test_broken_pdf_is_reported(tmp_path: Path) -> None:
    assert "not a valid PDF" in _reason(_write(tmp_path / "broken.pdf", b"%PDF-1.7\nthis is not a pdf"))
    truncated = _pdf_bytes(["Some text"])[:40]
    assert "not a valid PDF" in _reason(_write(tmp_path / "truncated.pdf", truncated))


# --- refusals before parsing ---------------------------------------------------------------------


def test_file_level_refusals(tmp_path: Path) -> None:
    assert _reason(tmp_path / "missing.txt") == "file not found"
    assert _reason(_write(tmp_path / "empty.txt", b"")) == "empty file"
    assert _reason(_write(tmp_path / "blank.md", "  \n\n ")) == "no text found"
    assert _reason(_write(tmp_path / "data.xyz", "x")) == "unsupported file type .xyz"
    assert _reason(_write(tmp_path / "README", "x")) == "unsupported file type (no extension)"
    assert _reason(tmp_path) == "is a directory"
    big = _write(tmp_path / "big.txt", "x" * 2048)
    with pytest.raises(LoaderError, match=r"file too large \(2\.0 KB; limit 1\.0 KB\)"):
        load_file(big, max_bytes=1024)


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert load_file(_write(tmp_path / "UPPER.TXT", "文本"), max_bytes=MAX).format == "txt"


# --- batches -------------------------------------------------------------------------------------


def test_iter_files_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    names = ("b.txt", "a.md", "sub/c.txt", "sub/deeper/d.html", ".hidden.txt", ".git/config.txt", "~$x.docx")
    for name in names:
        _write(tmp_path / "corpus" / name, "文本")
    corpus = tmp_path / "corpus"
    explicit_hidden = corpus / ".hidden.txt"
    missing = tmp_path / "missing.txt"
    files = list(iter_files([corpus, explicit_hidden, missing, corpus / "a.md"]))
    assert files == [
        corpus / "a.md",
        corpus / "b.txt",
        corpus / "sub" / "c.txt",
        corpus / "sub" / "deeper" / "d.html",
        explicit_hidden,  # named explicitly, so yielded as given
        missing,  # reported later by load_paths
    ]


def test_load_paths_loads_good_files_and_reports_every_bad_one(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _write(corpus / "01_utf8.txt", POLICY_ZH)
    _write(corpus / "02_gbk.txt", POLICY_ZH.encode("gb18030"))
    _write(corpus / "03_law.md", "# 测试法\n第一条 测试。")
    _write(corpus / "04_page.html", NOISY_HTML)
    _write(corpus / "05_policy.docx", _docx_bytes())
    _write(corpus / "06_policy.pdf", _pdf_bytes(["Article 1 applies."]))
    _write(corpus / "bad" / "broken.docx", b"\x00\x01 definitely not a zip")
    _write(corpus / "bad" / "broken.pdf", b"%PDF-1.4\n% half a file")
    _write(corpus / "bad" / "empty.txt", b"")
    _write(corpus / "bad" / "data.xyz", "unsupported")
    _write(corpus / "bad" / "scan.pdf", _blank_pdf_bytes())
    _write(corpus / ".DS_Store", b"\x00\x00")  # hidden: never reported
    missing = tmp_path / "gone.docx"

    loaded, errors = load_paths([corpus, missing], max_bytes=MAX)

    assert [Path(item.source).name for item in loaded] == [
        "01_utf8.txt", "02_gbk.txt", "03_law.md", "04_page.html", "05_policy.docx", "06_policy.pdf",
    ]  # fmt: skip
    assert [item.format for item in loaded] == ["txt", "txt", "md", "html", "docx", "pdf"]
    assert loaded[1].text == POLICY_ZH
    assert all(isinstance(error, LoadError) for error in errors)
    reasons = {Path(error.source).name: error.reason for error in errors}
    assert list(reasons) == ["broken.docx", "broken.pdf", "data.xyz", "empty.txt", "scan.pdf", "gone.docx"]
    assert reasons["broken.docx"].startswith("not a valid .docx file")
    assert reasons["broken.pdf"].startswith("not a valid PDF")
    assert reasons["data.xyz"] == "unsupported file type .xyz"
    assert reasons["empty.txt"] == "empty file"
    assert "no extractable text" in reasons["scan.pdf"]
    assert reasons["gone.docx"] == "file not found"
    assert errors[0].source == str(corpus / "bad" / "broken.docx")


def test_load_paths_survives_an_unexpected_parser_failure(tmp_path: Path, monkeypatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(PdfReader, "__init__", explode)
    good = _write(tmp_path / "a.txt", POLICY_ZH)
    odd = _write(tmp_path / "b.pdf", _pdf_bytes(["x"]))
    loaded, errors = load_paths([good, odd], max_bytes=MAX)
    assert [item.source for item in loaded] == [str(good)]
    reason = "unexpected error: RecursionError: maximum recursion depth exceeded"
    assert errors == [LoadError(str(odd), reason)]
