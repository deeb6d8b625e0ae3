"""The e5 LoRA cross-encoder: adapters that start as a no-op, a lossless-enough round trip through the
adapter file, and the packaged adapter telling an answering clause from a neighbour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from qa_service.core.config import Settings
from qa_service.retrieval.cross_encoder import E5CrossEncoder, load_cross_encoder, packaged_adapter
from qa_service.retrieval.embeddings import resolve_model_location


@pytest.fixture(scope="module")
def base_location() -> str:
    return resolve_model_location(Settings())


def test_fresh_adapters_leave_the_encoder_unchanged(base_location: str) -> None:
    from transformers import AutoModel

    model = E5CrossEncoder(base_location, rank=4, first_layer=8)
    plain = AutoModel.from_pretrained(base_location).eval()
    batch = model.encode(["试用期最长多久？"], ["劳动合同可以约定试用期。试用期最长不得超过六个月。"])
    with torch.inference_mode():
        adapted = model.encoder(**batch).last_hidden_state
        original = plain(**batch).last_hidden_state
    assert torch.allclose(adapted, original, atol=1e-5)
    assert {name.split(".")[-1] for name in model.trainable()} == {
        "lora_a",
        "lora_b",
        "weight",
        "bias",
        "null",
    }


def test_adapter_file_round_trip(base_location: str, tmp_path: Path) -> None:
    trained = E5CrossEncoder(base_location, rank=4, first_layer=10)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in trained.trainable().values():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    path = tmp_path / "adapter.safetensors"
    trained.save(path, {"note": "test"})
    loaded = E5CrossEncoder(base_location, rank=4, first_layer=10)
    loaded.load_adapter(path)
    passages = ["试用期最长不得超过六个月。", "用人单位应当按月支付工资。"]
    assert np.allclose(
        trained.scores("试用期多久", passages), loaded.scores("试用期多久", passages), atol=0.05
    )

    other_shape = E5CrossEncoder(base_location, rank=4, first_layer=8)
    with pytest.raises(ValueError, match="qa train cross-encoder"):
        other_shape.load_adapter(path)


def test_none_turns_it_off() -> None:
    assert load_cross_encoder("none", "") is None


@pytest.mark.skipif(not packaged_adapter().is_file(), reason="no packaged adapter in this checkout")
def test_packaged_adapter_prefers_the_clause_that_answers(base_location: str) -> None:
    model = load_cross_encoder("", base_location)
    assert model is not None
    clauses = [
        "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。",
        "劳动合同期限三个月以上不满一年的，试用期不得超过一个月；三年以上固定期限的，试用期不得超过六个月。",
        "本条例自公布之日起施行。",
    ]
    scores = model.scores("签三年合同的话，试用期最多可以约定几个月？", clauses)
    assert int(np.argmax(scores)) == 1
    english = model.scores("How long may the probation period be for a three-year contract?", clauses)
    assert int(np.argmax(english)) == 1
