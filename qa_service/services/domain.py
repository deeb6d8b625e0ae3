"""Is the question about industrial policy at all? A logistic-regression domain classifier over the
question's e5 embedding — the same vector retrieval computes — refuses questions on other subjects
that the cosine gates let through.

Why: e5-small puts every short English question near any Chinese clause (off-topic 0.69–0.84, answerable
0.77–0.85), so "a good recipe for chicken curry?" passes the cosine floor, and Chinese questions on other
subjects can share a few characters with the corpus ("去三亚旅游有什么推荐"). The *direction* of the
embedding still says what the question is about: a linear model over it, trained on policy text against
everyday text in both languages, separates them where one cosine cannot.

Trained by `scripts/train_domain.py` (deterministic; it writes `retrieval/data/domain_classifier.tsv`):
  positives  the clause sentences and titles of the sample index (index/default) and the policy
             questions of eval/datasets/indomain_train.jsonl (written for it, none from the dev set);
  negatives  the everyday questions of eval/datasets/background_train.jsonl (many subjects, both
             languages) and eval/datasets/offtopic_train.jsonl.
The weights belong to one embedding model: with any other (the unit tests' hashing embedder) the gate
is off. The threshold is in Settings (`refusal_min_domain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa_service.core.config import Settings

CLASSIFIER = Path(__file__).resolve().parents[1] / "retrieval" / "data" / "domain_classifier.tsv"


@dataclass(frozen=True)
class DomainClassifier:
    """P(policy question | embedding) = sigmoid(w·x + b), for L2-normalised query embeddings of `model`."""

    model: str
    weights: np.ndarray
    bias: float

    def probability(self, vector: np.ndarray) -> float:
        logit = float(np.dot(self.weights, np.asarray(vector, dtype=np.float32).ravel())) + self.bias
        return float(1.0 / (1.0 + np.exp(-logit)))

    def dump(self, path: Path, header: str = "") -> None:
        lines = [f"# {line}" for line in header.splitlines()]
        lines += [f"model\t{self.model}", f"bias\t{self.bias!r}"]
        lines += ["weights\t" + "\t".join(f"{float(w):.7g}" for w in self.weights)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DomainClassifier:
        fields: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                key, *values = line.split("\t")
                fields[key] = values
        weights = np.array([float(value) for value in fields["weights"]], dtype=np.float32)
        return cls(fields["model"][0], weights, float(fields["bias"][0]))


@lru_cache(maxsize=4)
def load_classifier(path: Path = CLASSIFIER) -> DomainClassifier | None:
    return DomainClassifier.load(path) if path.exists() else None


def domain_probability(question: str, settings: Settings, vector: np.ndarray | None = None) -> float | None:
    """How likely the question is about the policies (0–1); None when the gate cannot run: switched
    off, no classifier for the embedding model in use, or no query embedding of that model given
    (`vector`: the one retrieval computed, `SearchService.embed_query`; the gate never runs a model)."""
    if not settings.refusal_check_domain or vector is None:
        return None
    classifier = load_classifier()
    if classifier is None or classifier.model != settings.embedding_model:
        return None
    if np.asarray(vector).size != classifier.weights.size:
        return None
    return classifier.probability(vector)


__all__ = ["CLASSIFIER", "DomainClassifier", "domain_probability", "load_classifier"]
