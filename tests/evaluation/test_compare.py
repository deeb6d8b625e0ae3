"""`qa eval compare`: the runner over several retrieval configurations, one table of differences."""

from __future__ import annotations

import pytest

from qa_service.evaluation.compare import render_comparison


def test_comparison_table_shows_differences_from_the_first_configuration() -> None:
    summaries = {
        "pipeline": {"dataset": "dev.jsonl", "overall": {"recall@5": 0.9, "mrr": 0.8}},
        "naive": {"dataset": "dev.jsonl", "overall": {"recall@5": 0.7, "mrr": 0.85}},
    }
    table = render_comparison(summaries)
    assert "| pipeline | 0.900 | 0.800 |" in table
    assert "| naive | 0.700 (-0.200) | 0.850 (+0.050) |" in table


@pytest.mark.slow
def test_naive_rag_baseline_cuts_raw_text_into_500_character_chunks(real_embedder, sample_corpus) -> None:
    from qa_service.core.config import Settings
    from qa_service.evaluation.baselines import NAIVE_CHUNK_SIZE, NaiveRagSearch
    from qa_service.services.search import InvalidQueryError

    naive = NaiveRagSearch.build([sample_corpus], Settings(), real_embedder)
    hits = naive.search("柳州工业贷贴息资金", top_k=3)
    assert len(hits) == 3 and all(len(hit.chunk.text) <= NAIVE_CHUNK_SIZE for hit in hits)
    assert hits[0].dense_score >= hits[-1].dense_score
    with pytest.raises(InvalidQueryError):
        naive.validate_query("  ")
