"""Merges the gold batches into the train / dev / test splits, by document.

    python scripts/build_gold.py [--gold eval/datasets/gold]

Every item's documents (`doc_keys`) decide its split through `documents.json`, so a test document
appears in no other split; an item with no document (plain off-topic) keeps the `split` its writer
gave it. The 101 older dev questions (eval/datasets/seeds_dev.jsonl, which the pipeline was tuned on)
join train or dev by their documents; those about test documents stay out, so the test split holds
only questions no version of the pipeline has seen. Writes train.jsonl, dev.jsonl, test.jsonl and
prints the counts; check them with ../shared/eval/validate_gold.py.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

SPLITS = ("train", "dev", "test")
LEGACY = Path("eval/datasets/seeds_dev.jsonl")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(item: dict, documents: dict[str, dict]) -> str | None:
    keys = item.get("doc_keys") or []
    splits = {documents[key]["split"] for key in keys if key in documents}
    if len(splits) > 1 or any(key not in documents for key in keys):
        return None  # straddles splits or names an unknown document: left out, reported
    if splits:
        return splits.pop()
    return item.get("split") if item.get("split") in SPLITS else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=Path("eval/datasets/gold"))
    args = parser.parse_args()
    documents = json.loads((args.gold / "documents.json").read_text(encoding="utf-8"))
    batches = sorted((args.gold / "batches").glob("*.jsonl"))
    items = [item for batch in batches for item in _read(batch)]
    for legacy in _read(LEGACY) if LEGACY.exists() else []:
        legacy.setdefault("split", "train")  # older off-topic items without a document
        items.append(legacy)
    out: dict[str, list[dict]] = {split: [] for split in SPLITS}
    dropped = []
    for item in items:
        split = split_of(item, documents)
        if split is None or (item["id"].startswith("q") and split == "test"):
            dropped.append(item["id"])
            continue
        out[split].append({**item, "split": split})
    for split, rows in out.items():
        with (args.gold / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        types = collections.Counter(row["type"] for row in rows)
        docs = {key for row in rows for key in row.get("doc_keys") or []}
        followups = sum(bool(row.get("history")) for row in rows)
        print(f"{split}: {len(rows)} items ({followups} follow-ups) over {len(docs)} documents")
        print(f"  {dict(types)}")
    print(f"left out: {len(dropped)} ({', '.join(dropped[:12])}{' …' if len(dropped) > 12 else ''})")


if __name__ == "__main__":
    main()
