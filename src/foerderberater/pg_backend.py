"""The PostgreSQL backend as one object: what Advisor, builder and web app need from it.

Chosen when ``FOERDERBERATER_DATABASE_URL`` is set (see /work/notes/pg.md for the wiring):

- ``retriever(...)`` returns a ``PgRetriever`` over the live version and reloads it when the
  single-row pointer changes (one cheap query per question), so replicas pick up a rebuild
  without restart;
- ``build_session(full)`` holds the cluster-wide build lock (advisory lock) for a whole rebuild,
  records its progress in ``build_jobs`` (visible to every replica) and publishes atomically;
- ``feedback()`` / ``login_guard(password)`` / ``jobs`` are the shared state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from foerderberater.builder import BuildProgress
from foerderberater.embedding import Embedder
from foerderberater.errors import FoerderberaterError
from foerderberater.pg_db import PgDatabase
from foerderberater.pg_retrieval import PgRetriever
from foerderberater.pg_state import PgBuildJobs, PgFeedbackStore, PgLoginGuard
from foerderberater.pg_store import HnswParams, PgIndex
from foerderberater.pg_version import PgVersion
from foerderberater.settings import Settings
from foerderberater.store import DocRecord
from foerderberater.types import Chunk, SkippedFile


class BuildSession:
    """One locked rebuild: progress, the previous version for incremental reuse, publish."""

    def __init__(self, backend: PgBackend, job_id: int) -> None:
        self.backend = backend
        self.job_id = job_id
        self.version: str = ""

    def progress(self, p: BuildProgress) -> None:
        self.backend.jobs.progress(self.job_id, p)

    def previous(self) -> PgVersion | None:
        """The live version (its ``manifest['files']`` and ``chunks_of`` allow reuse)."""
        cur = self.backend.index.current()
        return PgVersion(self.backend.db, cur[0], lexical_mode=None) if cur else None

    def publish(
        self,
        manifest: dict[str, Any],
        docs: Sequence[DocRecord],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        skipped: Sequence[SkippedFile] = (),
    ) -> str:
        index = self.backend.index
        self.progress(BuildProgress("write", 0, 1, "PostgreSQL"))
        name = index.write_version(manifest, docs, chunks, vectors, skipped)
        index.publish(name)
        index.gc(self.backend.keep_versions)
        self.version = name
        return name


class PgBackend:
    def __init__(
        self,
        url: str,
        *,
        lexical_mode: str = "memory",
        hnsw: HnswParams | None = None,
        keep_versions: int = 2,
        ef_search: int = 100,
    ) -> None:
        self.db = PgDatabase(url)
        self.index = PgIndex(self.db, hnsw)
        self.jobs = PgBuildJobs(self.db)
        self.lexical_mode = lexical_mode
        self.keep_versions = keep_versions
        self.ef_search = ef_search
        self._lock = threading.Lock()
        self._retriever: PgRetriever | None = None

    def migrate(self) -> list[int]:
        return self.index.migrate()

    def pointer(self) -> str | None:
        cur = self.index.current()
        return cur[1] if cur else None

    def retriever(
        self,
        embedder: Embedder,
        settings: Settings,
        canon_kreis: Callable[[str], str] | None = None,
    ) -> PgRetriever:
        """The retriever over the live version; reopened when another replica published."""
        with self._lock:
            pointer = self.pointer()
            if self._retriever is None or self._retriever.pg.name != pointer:
                version = self.index.open_current(embedder.name, self.lexical_mode)
                self._retriever = PgRetriever(
                    version, embedder, settings, canon_kreis, ef_search=self.ef_search
                )
            return self._retriever

    @contextmanager
    def build_session(self, full: bool = False) -> Iterator[BuildSession]:
        """Raises ``DatabaseLockedError`` when another process (any host) is rebuilding."""
        with self.index.build_lock() as lock:
            self.index.gc(self.keep_versions)  # leftovers of a killed build
            session = BuildSession(self, self.jobs.start(lock, full))
            try:
                yield session
            except FoerderberaterError as exc:
                self.jobs.finish(session.job_id, error=str(exc))
                raise
            except Exception as exc:
                self.jobs.finish(session.job_id, error=f"{type(exc).__name__}: {exc}")
                raise
            else:
                self.jobs.finish(session.job_id, version=session.version)

    def feedback(self) -> PgFeedbackStore:
        return PgFeedbackStore(self.db)

    def login_guard(self, password: str) -> PgLoginGuard:
        return PgLoginGuard(self.db, password)

    def close(self) -> None:
        self.db.close()
