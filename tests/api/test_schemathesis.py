"""Every operation in /openapi.json, fuzzed by schemathesis against the app in process: no 5xx, and
every response (status, content type, body) is one the schema documents.

The app runs over the real seeds index and embedding model; a canned generator stands in for the LLM
(so `auto` and `generative` answers go through prompt, verification and fallback without a model),
and the run stays within a minute or two on 2 cores.
Seeded and bounded: the same cases every run, so a failure in CI reproduces locally.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from qa_service.api.main import create_app
from qa_service.core.config import Settings
from qa_service.services.answer import AnswerService

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    positive_data_acceptance,
    unsupported_method,
]

_cases: Counter[str] = Counter()  # "METHOD /path" → cases sent
_first_case_at: list[float] = []


# The schema is read at import (pytest collects one test per operation from it) from an app that
# loads nothing; the cases are sent to the real one below, built over the seeds index.
schema = schemathesis.openapi.from_dict(create_app(Settings(llm_preload=False)).openapi())


class CannedGenerator:
    """The LLM's place in the pipeline, without a model: one sentence citing the first clause."""

    name = "canned.gguf"

    def load(self) -> None:
        return None

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        yield from ("根据", "规定", "，最高补助400万元", "[1]。")


@pytest.fixture(scope="module")
def app(seed_index_settings, seed_search_service):
    settings_ = seed_index_settings.model_copy(
        update={
            "auth_required": "never",  # keys are tested in their own module; here every route answers
            "index_watch_interval_s": 0,
            "llm_preload": False,
        }
    )
    answers = AnswerService(seed_search_service, CannedGenerator(), settings_)
    return create_app(settings_, seed_search_service, answers)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same cases every run
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, app) -> None:
    _first_case_at[:] = _first_case_at or [time.perf_counter()]
    _cases[f"{case.method} {case.path}"] += 1
    case.call_and_validate(app=app, checks=CHECKS)


def test_every_documented_operation_was_fuzzed() -> None:
    """Runs after the operations' tests (pytest keeps file order): none was skipped. With -s, prints
    how much ran, for the record."""
    if not _cases:
        pytest.skip("runs after test_every_operation_conforms_to_the_schema")
    elapsed = time.perf_counter() - _first_case_at[0]
    print(f"\nschemathesis: {sum(_cases.values())} cases in {elapsed:.1f} s")
    for operation, count in sorted(_cases.items()):
        print(f"  {operation}: {count}")
    documented = {
        f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item
    }
    assert documented <= set(_cases)
