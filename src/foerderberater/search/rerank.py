"""Optional cross-encoder reranking (sentence-transformers CrossEncoder), off by default."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from foerderberater.core.errors import EmbedderError
from foerderberater.core.types import Hit


class Reranker(Protocol):
    name: str

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class CrossEncoderReranker:
    """Re-scores the fused candidates with a CrossEncoder; torch is imported lazily."""

    def __init__(self, model: str, depth: int = 30) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise EmbedderError("sentence-transformers fehlt für das Reranking") from exc
        try:
            self._model = CrossEncoder(model, device="cpu")
        except Exception as exc:
            raise EmbedderError(f"Reranker {model!r} konnte nicht geladen werden: {exc}") from exc
        self.name = model
        self.depth = depth

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        head, tail = list(hits[: self.depth]), list(hits[self.depth :])
        if not head:
            return list(hits)
        scores = self._model.predict([(query, h.chunk.embedding_text()) for h in head])
        order = sorted(range(len(head)), key=lambda i: -float(scores[i]))
        # keep the fused score scale for abstention; only the order changes
        reranked = [
            replace(head[i], score=head[order[0]].score - rank * 1e-6)
            for rank, i in enumerate(order)
        ]
        return reranked + tail


def create_reranker(spec: str) -> Reranker | None:
    """``""`` (default) means no reranking; otherwise a CrossEncoder model name or path."""
    spec = spec.strip()
    return CrossEncoderReranker(spec) if spec else None
