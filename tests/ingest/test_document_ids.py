"""Document ids come from the file's path below the folder named, so no two files share one."""

from pathlib import Path

from qa_service.core.config import Settings
from qa_service.ingest.pipeline import ingest_paths

POLICY = "测试市关于印发《测试措施》的通知\n一、支持企业\n(一)技术改造。最高补助400万元。\n"


def test_the_same_name_in_two_folders_gives_two_documents(tmp_path: Path) -> None:
    for relative in ("a/same.txt", "b/same.txt", "same.txt", "same.md", "a/deeper/same.txt"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(POLICY, encoding="utf-8")

    result = ingest_paths([tmp_path], Settings())

    assert result.errors == []
    by_source = {document.meta.source: document.meta.doc_id for document in result.documents}
    assert by_source == {
        "a/deeper/same.txt": "a__deeper__same-01",
        "a/same.txt": "a__same-01",
        "b/same.txt": "b__same-01",
        "same.md": "same-01",  # the first of two files with one stem keeps the plain id …
        "same.txt": "same.txt-01",  # … the next keeps its extension too
    }


def test_the_same_name_at_the_top_of_two_folders_named_is_kept_apart(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "policy.txt").write_text(POLICY, encoding="utf-8")

    result = ingest_paths([tmp_path / "one", tmp_path / "two"], Settings())

    assert result.errors == []
    ids = [document.meta.doc_id for document in result.documents]
    assert ids[0] == "policy-01" and len(set(ids)) == 2
