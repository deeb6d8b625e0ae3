from pathlib import Path

import pytest

from qa_service.core.config import Settings
from qa_service.retrieval.retriever import EmbeddingModelMismatchError, HybridRetriever
from qa_service.retrieval.store import load_index
from qa_service.services.indexing import build_index
from qa_service.text.script import chinese_share
from tests.fakes import HashingEmbedder
from tests.retrieval.test_store import POLICY


def test_chinese_share() -> None:
    assert chinese_share("柳州技改补助") == 1.0
    assert chinese_share("How much is the 柳州 subsidy?") == pytest.approx(2 / (2 + 19))
    assert chinese_share("2025") == 1.0


@pytest.fixture
def bundle(tmp_path: Path):
    corpus = tmp_path / "policy.txt"
    corpus.write_text(POLICY, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", chunk_max_chars=40)
    build_index([corpus], settings, HashingEmbedder())
    return load_index(settings.index_dir), settings


def test_an_index_built_with_another_model_is_refused(bundle) -> None:
    index, settings = bundle
    with pytest.raises(EmbeddingModelMismatchError, match="rebuild the index"):
        HybridRetriever(index, HashingEmbedder(name="other-model"), settings)


def test_modes_and_ranks_are_reported(bundle) -> None:
    index, settings = bundle
    retriever = HybridRetriever(index, HashingEmbedder(), settings)
    lexical = retriever.search("数字化转型", 2, mode="lexical")
    assert lexical[0].chunk.clause_ref.endswith("(二)")
    assert lexical[0].lexical_rank == 1 and lexical[0].dense_rank is None and lexical[0].dense_score is None
    hybrid = retriever.search("数字化转型", 2)
    assert hybrid[0].dense_rank is not None and hybrid[0].lexical_rank is not None
    assert -1.0 <= hybrid[0].dense_score <= 1.0
    assert retriever.search("数字化转型", 2, doc_ids=["nope"]) == []


class _PrefersText:
    """A pair scorer that reads one clause as answering and every other as not."""

    name = "stub"

    def __init__(self, wanted: str) -> None:
        self.wanted = wanted

    def scores(self, query: str, passages):
        import numpy as np

        return np.array([5.0 if self.wanted in p else -5.0 for p in passages])


def test_the_cross_encoder_reorders_the_reranked_head(bundle) -> None:
    index, settings = bundle
    plain = HybridRetriever(index, HashingEmbedder(), settings.model_copy(update={"cross_encoder": "none"}))
    before = plain.search("数字化转型", 3)
    assert all(hit.cross_score is None for hit in before)
    retriever = HybridRetriever(
        index, HashingEmbedder(), settings.model_copy(update={"cross_encoder": "none"})
    )
    last = before[-1].chunk.text
    retriever._cross_encoder = _PrefersText(last)
    after = retriever.search("数字化转型", 3)
    assert after[0].chunk.text == last and after[0].cross_score == 5.0
    assert [hit.cross_score for hit in after[1:]] == [-5.0, -5.0]
    # Without a reranker there is nothing for it to re-order.
    off = HybridRetriever(index, HashingEmbedder(), settings.model_copy(update={"reranker": "none"}))
    assert off._cross_encoder is None
