"""Follow-up rewriting, measured: recall@k of the follow-up as asked vs. the standalone query it is
rewritten into (and vs. naively prefixing the previous question), on eval/datasets/followups_dev.jsonl.

.venv/bin/python bench/bench_followups.py [--file eval/datasets/followups_dev.jsonl] [-k 5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa_service.answering.followup import Turn, standalone_query
from qa_service.bootstrap import build_search_service
from qa_service.core.config import get_settings
from qa_service.evaluation.scoring import covers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=Path("eval/datasets/followups_dev.jsonl"))
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    settings = get_settings()
    search = build_search_service(settings)
    items = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = {"as asked": 0, "previous + follow-up": 0, "rewritten": 0}
    for item in items:
        history = [Turn(turn["role"], turn["content"]) for turn in item["history"]]
        previous = next(turn.content for turn in reversed(history) if turn.role == "user")
        queries = {
            "as asked": item["question"],
            "previous + follow-up": f"{previous} {item['question']}",
            "rewritten": standalone_query(item["question"], history).query,
        }
        for name, query in queries.items():
            passages = [hit.chunk.text for hit in search.search(query, top_k=args.k)]
            hit = all(any(covers(passage, quote) for passage in passages) for quote in item["quotes"])
            found[name] += hit
        print(f"{item['id']}: {item['question']} → {queries['rewritten']}")
    for name, count in found.items():
        print(f"recall@{args.k} {name}: {count}/{len(items)} = {count / len(items):.2f}")


if __name__ == "__main__":
    main()
