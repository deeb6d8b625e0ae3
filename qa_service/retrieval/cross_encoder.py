"""The cross-encoder: reads the question and a clause together and scores whether the clause answers.

The bi-encoder (e5) embeds question and clause apart, so "what does the company owe after a month
without a contract" and the clause on double wages meet only through two vectors; a cross-encoder
attends across both. Ours is the bundled multilingual-e5-small with low-rank adapters (LoRA) on its
upper layers and a linear head over the mean-pooled output: the adapter is all that is trained
(`qa train cross-encoder`, from the train split) and all that ships (retrieval/data/cross_encoder.*,
a few MB), so the package carries no second copy of the model.

`QA_CROSS_ENCODER` chooses: "" the packaged adapter on the bundled e5, "none" none, anything else a
sentence-transformers CrossEncoder by hub name or local folder (e.g. a bge-reranker for users who have
one).
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ADAPTER_FILE = "cross_encoder.safetensors"
MAX_LENGTH = 192  # tokens of question + clause; a longer clause is cut (its head names what it rules)
BATCH = 16


class PairScorer(Protocol):
    """Scores (question, clause) pairs; higher is more likely to answer."""

    name: str

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray: ...


def _torch() -> Any:
    import torch

    return torch


def _lora_linear_class() -> Any:
    torch = _torch()

    class LoRALinear(torch.nn.Module):
        """y = base(x) + (x Aᵀ) Bᵀ · scale; the base stays frozen, B starts at zero (no change at first)."""

        def __init__(self, base: Any, rank: int, alpha: float) -> None:
            super().__init__()
            self.base = base
            for parameter in base.parameters():
                parameter.requires_grad_(False)
            self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=5**0.5)
            self.scale = alpha / rank

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    return LoRALinear


# The Linear layers of a BERT layer that get adapters.
_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class E5CrossEncoder:
    """The bundled e5 encoder with LoRA adapters on layers ≥ `first_layer` and a scoring head."""

    def __init__(
        self, base_location: str, *, rank: int = 16, alpha: float = 32.0, first_layer: int = 6
    ) -> None:
        torch = _torch()
        from transformers import AutoModel, AutoTokenizer

        self.name = "e5-lora"
        self.config = {"rank": rank, "alpha": alpha, "first_layer": first_layer, "max_length": MAX_LENGTH}
        self.tokenizer = AutoTokenizer.from_pretrained(base_location)
        self.encoder = AutoModel.from_pretrained(base_location)
        for parameter in self.encoder.parameters():
            parameter.requires_grad_(False)
        lora = _lora_linear_class()
        for index, layer in enumerate(self.encoder.encoder.layer):
            if index < first_layer:
                continue
            for target in _TARGETS:
                parent_name, _, child = target.rpartition(".")
                parent = layer.get_submodule(parent_name)
                setattr(parent, child, lora(getattr(parent, child), rank, alpha))
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        # The score of "no clause answers": trained against unanswerable questions, so a clause scoring
        # below it is, by the model, more likely not to answer than to answer.
        self.null = torch.nn.Parameter(torch.zeros(1))
        self.encoder.eval()
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads at once

    def trainable(self) -> dict[str, Any]:
        """Name → parameter of what training changes (and what the adapter file holds)."""
        named = {f"encoder.{n}": p for n, p in self.encoder.named_parameters() if "lora_" in n}
        named.update({f"head.{n}": p for n, p in self.head.named_parameters()})
        named["null"] = self.null
        return named

    def encode(self, queries: Sequence[str], passages: Sequence[str]) -> Any:
        return self.tokenizer(
            list(queries),
            list(passages),
            truncation="only_second",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )

    def forward(self, batch: Any) -> Any:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """Each clause's score minus the no-answer score: > 0 reads as "answers"."""
        if not passages:
            return np.zeros(0)
        torch = _torch()
        out = []
        with self._lock, torch.inference_mode():
            for start in range(0, len(passages), BATCH):
                chunk = passages[start : start + BATCH]
                out.append(self.forward(self.encode([query] * len(chunk), chunk)).float().numpy())
        return np.concatenate(out).astype(np.float64) - float(self.null.detach())

    def save(self, path: Path, report: dict[str, Any]) -> None:
        from safetensors.torch import save_file

        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {name: p.detach().to(_torch().float16).contiguous() for name, p in self.trainable().items()}
        save_file(tensors, str(path))
        meta = {**report, "config": self.config}
        path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")

    def load_adapter(self, path: Path) -> None:
        from safetensors.torch import load_file

        tensors = load_file(str(path))
        params = self.trainable()
        if set(tensors) != set(params):
            raise ValueError(
                f"{path} does not fit this cross-encoder: retrain it with `qa train cross-encoder`"
            )
        with _torch().no_grad():
            for name, tensor in tensors.items():
                params[name].copy_(tensor.float())


class HubCrossEncoder:
    """A sentence-transformers CrossEncoder named by hub id or local folder."""

    def __init__(self, location: str) -> None:
        from sentence_transformers import CrossEncoder

        self.name = location
        self._model = CrossEncoder(location, max_length=MAX_LENGTH)

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0)
        return np.asarray(
            self._model.predict([(query, p) for p in passages], batch_size=BATCH), dtype=np.float64
        )


def cross_order(scores: np.ndarray, prior: float) -> list[int]:
    """Positions of clauses given in the reranker's order, re-ordered by cross-encoder score plus
    `prior` / (reranker rank + 1); ties keep the reranker's order. The one combination the service
    ranks by and `qa train cross-encoder` chooses `prior` for."""
    combined = np.asarray(scores, dtype=np.float64) + prior / (np.arange(len(scores)) + 1)
    return [int(i) for i in np.argsort(-combined, kind="stable")]


def packaged_adapter() -> Path:
    return Path(str(importlib.resources.files("qa_service.retrieval") / "data" / ADAPTER_FILE))


def adapter_config(path: Path) -> dict[str, Any]:
    meta = path.with_suffix(".json")
    return json.loads(meta.read_text(encoding="utf-8")).get("config", {}) if meta.is_file() else {}


@lru_cache(maxsize=2)
def load_cross_encoder(setting: str, base_location: str) -> PairScorer | None:
    """The scorer `QA_CROSS_ENCODER` names; None for "none" or a checkout without the packaged adapter."""
    if setting == "none":
        return None
    if setting:
        return HubCrossEncoder(setting)
    adapter = packaged_adapter()
    if not adapter.is_file():
        return None
    config = adapter_config(adapter)
    model = E5CrossEncoder(
        base_location,
        rank=int(config.get("rank", 16)),
        alpha=float(config.get("alpha", 32.0)),
        first_layer=int(config.get("first_layer", 6)),
    )
    model.load_adapter(adapter)
    return model


__all__ = [
    "ADAPTER_FILE",
    "E5CrossEncoder",
    "HubCrossEncoder",
    "PairScorer",
    "adapter_config",
    "cross_order",
    "load_cross_encoder",
    "packaged_adapter",
]
