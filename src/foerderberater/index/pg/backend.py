"""The PostgreSQL backend (``FOERDERBERATER_DATABASE_URL``) as an ``IndexBackend``, plus the
shared state the web app keeps there (build jobs, login back-off, corpus uploads).

- ``pointer()`` reads the single-row pointer at most every ``database_poll_seconds``, so a
  replica picks up a version published by another one without restart;
- ``build_session(full)`` holds the cluster-wide build lock (an advisory lock) for a whole
  rebuild, removes leftovers of killed builds, brings the corpus up to date with uploads kept
  in the database, records progress in ``build_jobs`` (every replica's admin tab shows it) and
  publishes atomically, then garbage-collects.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.messages import explain
from foerderberater.core.settings import Settings
from foerderberater.index.backend import VersionData
from foerderberater.index.pg.db import PgDatabase
from foerderberater.index.pg.jobs import PgBuildJobs
from foerderberater.index.pg.state import PgCorpusFiles, PgQuotaStore, PgThrottleStore
from foerderberater.index.pg.store import PgIndex
from foerderberater.index.pg.version import PgVersion
from foerderberater.index.pg.writer import HnswParams, write_version

if TYPE_CHECKING:
    from foerderberater.index.builder import BuildProgress, BuildReport

KEEP_VERSIONS = 2  # the live one and the previous one (as the file backend)


class PgBuildSession:
    """One locked rebuild: the previous version for reuse, shared progress, publish."""

    def __init__(self, backend: PgBackend, job_id: int) -> None:
        self.backend = backend
        self.job_id = job_id
        self.version = ""
        self.report: dict[str, Any] | None = None
        self.timings: dict[str, float] = {}

    def previous_manifest(self) -> dict[str, Any] | None:
        cur = self.backend.index.current()
        if cur is None:
            return None
        with self.backend.db.reader() as conn:
            row = conn.execute(
                "SELECT manifest FROM index_versions WHERE id = %s", (cur[0],)
            ).fetchone()
        return row[0] if row else None

    def open_previous(self) -> PgVersion:
        return self.backend.index.open_current()

    def progress(self, p: BuildProgress) -> None:
        self.backend.jobs.progress(self.job_id, p)

    def publish(self, data: VersionData) -> None:
        backend = self.backend
        write_version(backend.db, data, hnsw=backend.hnsw, timings=self.timings)
        t0 = time.perf_counter()
        backend.index.publish(data.name)
        self.timings["publish"] = round(time.perf_counter() - t0, 4)
        backend.index.gc(KEEP_VERSIONS)
        self.version = data.name

    def finished(self, report: BuildReport) -> None:
        self.report = dataclasses.asdict(report) | {"pg_timings": dict(self.timings)}


class PgBackend:
    kind = "postgresql"

    def __init__(self, settings: Settings, db: PgDatabase | None = None) -> None:
        self.settings = settings
        self.db = db or PgDatabase(settings.database_url)
        self.location = self.db.label
        self.index = PgIndex(self.db)
        self._jobs = PgBuildJobs(self.db)
        self.hnsw = HnswParams(settings.hnsw_m, settings.hnsw_ef_construction)
        self.poll_seconds = settings.database_poll_seconds
        self._lock = threading.Lock()
        self._migrated = False
        self._pointer: tuple[float, str | None] | None = None

    def ready(self) -> PgBackend:
        """Apply missing migrations once per instance (idempotent, locked in the database)."""
        with self._lock:
            if not self._migrated:
                self.index.migrate()
                self._migrated = True
        return self

    # ------------------------------------------------------------------ IndexBackend
    def pointer(self) -> str | None:
        now = time.monotonic()
        cached = self._pointer
        if cached is not None and now - cached[0] < self.poll_seconds:
            return cached[1]
        cur = self.ready().index.current()
        name = cur[1] if cur else None
        self._pointer = (now, name)
        return name

    def open_current(self, embedder_name: str | None = None) -> PgVersion:
        version = self.ready().index.open_current(embedder_name)
        self._pointer = (time.monotonic(), version.name)
        if self.settings.upload_store == "database":  # citations link to the corpus files
            self.corpus.sync(self.settings.corpus_dir)
        return version

    @contextmanager
    def build_session(self, full: bool = False) -> Iterator[PgBuildSession]:
        """Raises ``DatabaseLockedError`` when another process (any host) is rebuilding."""
        with self.ready().index.build_lock() as lock:
            self.index.gc(KEEP_VERSIONS)  # leftovers of a killed build
            session = PgBuildSession(self, self._jobs.start(lock, full))
            try:
                if self.settings.upload_store == "database":
                    self.corpus.sync(self.settings.corpus_dir)
                yield session
            except FoerderberaterError as exc:
                self._jobs.finish(session.job_id, error=explain(exc))
                raise
            except BaseException as exc:
                error = f"Indexaufbau fehlgeschlagen: {type(exc).__name__}: {exc}"
                self._jobs.finish(session.job_id, error=error)
                raise
            self._jobs.finish(session.job_id, version=session.version, report=session.report)
            self._pointer = None

    @property
    def jobs(self) -> PgBuildJobs:
        self.ready()
        return self._jobs

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ shared state
    @property
    def throttle_store(self) -> PgThrottleStore:
        self.ready()
        return PgThrottleStore(self.db)

    @property
    def quota_store(self) -> PgQuotaStore:
        return PgQuotaStore(self.ready().db)

    @property
    def corpus(self) -> PgCorpusFiles:
        return PgCorpusFiles(self.ready().db)
