"""Deterministic answering: what a question asks, when to refuse, how to compose and verify an answer
from clauses. Nothing here calls a language model (that is qa_service.generation)."""
