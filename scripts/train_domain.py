"""Trains the domain classifier of services/domain.py and writes retrieval/data/domain_classifier.tsv.

    .venv/bin/python scripts/train_domain.py            # train, report 5-fold CV, write the weights
    .venv/bin/python scripts/train_domain.py --cv-only  # report only

Positives: clause sentences (12–120 characters, at most --max-corpus of them, a fixed sample) and
document titles of the index at --index (the gold documents, `qa eval index`: seed policies and laws),
eval/datasets/indomain_train.jsonl (policy questions, long and short, written for this), the questions
of the gold train split about a document (answerable or near misses: both are about the policies) and
the terms of retrieval/data/policy_abbreviations.tsv (技改, 技术改造 …: short keyword questions need
short positives); negatives: eval/datasets/background_train.jsonl, offtopic_train.jsonl and
offtopic_train2.jsonl. All are embedded as queries ("query: "), as a question is. Deterministic (lbfgs,
fixed fold seed, fixed sample). No dev or test split is read.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_service.core.config import Settings  # noqa: E402
from qa_service.retrieval.embeddings import cached_embedder  # noqa: E402
from qa_service.services.domain import CLASSIFIER, DomainClassifier  # noqa: E402

DATASETS = ROOT / "eval" / "datasets"
C = 3.0  # inverse L2 strength; 1–10 give the same CV picture, 0.3 is too smooth for English
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3)


def questions(path: Path) -> list[str]:
    return [
        json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def policy_terms() -> list[str]:
    """The abbreviations business owners use and the terms they stand for (retrieval's lexicon)."""
    lexicon = ROOT / "qa_service" / "retrieval" / "data" / "policy_abbreviations.tsv"
    terms: set[str] = set()
    for line in lexicon.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            abbreviation, full = line.split("\t", 1)
            terms |= {abbreviation, *full.split()}
    return sorted(terms)


def gold_train_questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row.get("doc_keys")]


def corpus_sentences(index: Path, limit: int) -> list[str]:
    documents = json.loads((index / "documents.json").read_text(encoding="utf-8"))
    titles = [doc["title"] for doc in (documents.values() if isinstance(documents, dict) else documents)]
    sentences: set[str] = set()
    for line in (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        for piece in re.split(r"[。；;！？\n]", json.loads(line)["text"]):
            if 12 <= len(piece := piece.strip()) <= 120:
                sentences.add(piece)
    sample = sorted(sentences)
    if len(sample) > limit:
        sample = sorted(random.Random(0).sample(sample, limit))
    return sorted(set(titles)) + sample


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=ROOT / "eval" / ".index" / "gold")
    parser.add_argument("--max-corpus", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=CLASSIFIER)
    parser.add_argument("--cv-only", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    embedder = cached_embedder(settings)
    groups = {
        "corpus": (corpus_sentences(args.index, args.max_corpus), 1),
        "indomain": (questions(DATASETS / "indomain_train.jsonl"), 1),
        "gold_train": (gold_train_questions(DATASETS / "gold" / "train.jsonl"), 1),
        "terms": (policy_terms(), 1),
        "background": (questions(DATASETS / "background_train.jsonl"), 0),
        "offtopic": (questions(DATASETS / "offtopic_train.jsonl"), 0),
        "offtopic2": (questions(DATASETS / "offtopic_train2.jsonl"), 0),
    }
    X = np.vstack([embedder.embed_queries(texts) for texts, _ in groups.values()])
    y = np.concatenate([np.full(len(texts), label) for texts, label in groups.values()])
    source = np.concatenate([np.full(len(texts), n) for n, (texts, _) in enumerate(groups.values())])
    names = list(groups)

    def fit(rows: np.ndarray) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(X[rows], y[rows])

    cv = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, source):
        cv[test] = fit(train).predict_proba(X[test])[:, 1]
    print(f"5-fold CV ({', '.join(f'{n} {int((source == i).sum())}' for i, n in enumerate(names))})")
    for threshold in THRESHOLDS:
        shares = ", ".join(
            f"{name} {'passed' if groups[name][1] else 'refused'} "
            f"{float(np.mean((cv[source == i] >= threshold) == bool(groups[name][1]))):.3f}"
            for i, name in enumerate(names)
        )
        print(f"  threshold {threshold:.2f}: {shares}")
    # Off-topic questions of a kind never seen in training: trained without offtopic_train at all.
    unseen = fit(source != names.index("offtopic")).predict_proba(X[source == names.index("offtopic")])[:, 1]
    print(
        "  trained without offtopic_train, its share refused: "
        + ", ".join(f"{t:.2f} → {float(np.mean(unseen < t)):.3f}" for t in THRESHOLDS)
    )
    if args.cv_only:
        return
    model = fit(np.ones(len(y), dtype=bool))
    header = (
        "Domain classifier for services/domain.py — written by scripts/train_domain.py, do not edit.\n"
        f"Logistic regression, C={C}, balanced classes, on {embedder.name} query embeddings; "
        + ", ".join(f"{n} {int((source == i).sum())}" for i, n in enumerate(names))
    )
    DomainClassifier(embedder.name, model.coef_[0].astype(np.float32), float(model.intercept_[0])).dump(
        args.out, header
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
