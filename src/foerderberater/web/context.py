"""Application-wide objects of the web app (one per app, created by ``create_context``).

Nothing here is module-level state: the app factory creates one ``AppContext`` and hands it to
the handlers. Per-user state lives in ``gr.State`` (see ``ui_handlers.Session``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from foerderberater.advisor import Advisor
from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.messages import explain
from foerderberater.core.settings import Settings
from foerderberater.index.backend import IndexBackend, JobState
from foerderberater.index.builder import BuildProgress, BuildReport
from foerderberater.index.embedding import (
    Embedder,
    LockedEmbedder,
    create_embedder,
    embedder_name,
)
from foerderberater.security.auth import Credentials, load_credentials
from foerderberater.security.client_ip import TrustedProxies
from foerderberater.security.sessions import SessionManager
from foerderberater.security.throttle import LoginThrottle
from foerderberater.security.upload_check import UploadLedger
from foerderberater.web.feedback import FeedbackStore
from foerderberater.web.guard import UploadQuota
from foerderberater.web.shared import CorpusStore, open_shared, report_from_dict

# settings that hold credentials, handed to ``load_credentials`` under their env names
CREDENTIAL_FIELDS = (
    "admin_password",
    "admin_password_hash",
    "staff_password",
    "staff_password_hash",
    "password_file",
)


class LazyEmbedder(LockedEmbedder):
    """A ``LockedEmbedder`` whose model is loaded on first use (so the app starts quickly)."""

    def __init__(self, spec: str) -> None:  # the other attributes come from the model
        self._spec = spec
        self._lock = threading.Lock()
        self._loaded: Embedder | None = None
        self.name = embedder_name(spec)  # known without loading: checked against the index

    def _model(self) -> Embedder:
        if self._loaded is None:
            self._loaded = create_embedder(self._spec)
        return self._loaded

    def __getattr__(self, name: str) -> Any:
        if name in ("dim", "query_prefix", "passage_prefix", "max_tokens"):
            with self._lock:
                return getattr(self._model(), name)
        raise AttributeError(name)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._model().embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._model().embed_query(text)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model().count_tokens(text)


@dataclass
class BuildJob:
    running: bool = False
    full: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    detail: str = ""
    started: str = ""
    finished: str = ""
    report: BuildReport | None = None
    error: str = ""
    history: list[str] = field(default_factory=list)  # stages seen, for display/tests


class BuildManager:
    """Runs one index build at a time in a background thread with its own embedder.

    The chat keeps using its advisor (old index) until the builder publishes the new version;
    the advisor then switches on its next question.
    """

    def __init__(
        self,
        settings: Settings,
        embedder_factory: Callable[[], Embedder],
        backend: IndexBackend | None = None,
    ) -> None:
        self.settings = settings
        self.backend = backend  # with shared build jobs (PostgreSQL): every replica's builds
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self._job = BuildJob()
        self._thread: threading.Thread | None = None

    def _shared(self) -> BuildJob | None:
        """The latest build of any replica (None without shared jobs or before the first)."""
        jobs = self.backend.jobs if self.backend is not None else None
        state = jobs.latest() if jobs is not None else None
        return _job_of(state) if state is not None else None

    def snapshot(self) -> BuildJob:
        shared = self._shared()
        if shared is not None:
            return shared
        with self._lock:
            job = self._job
            return BuildJob(
                job.running,
                job.full,
                job.stage,
                job.done,
                job.total,
                job.detail,
                job.started,
                job.finished,
                job.report,
                job.error,
                list(job.history),
            )

    @property
    def running(self) -> bool:
        shared = self._shared()
        with self._lock:
            return self._job.running or bool(shared and shared.running)

    def start(self, full: bool = False) -> bool:
        """Start a build; False when one is already running (here or on another replica)."""
        shared = self._shared()
        with self._lock:
            if self._job.running or (shared is not None and shared.running):
                return False
            self._job = BuildJob(running=True, full=full, stage="start", started=_now())
            self._thread = threading.Thread(
                target=self._run, args=(full,), daemon=True, name="foerderberater-index-build"
            )
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _progress(self, p: BuildProgress) -> None:
        with self._lock:
            job = self._job
            job.stage, job.done, job.total, job.detail = p.stage, p.done, p.total, p.detail
            if not job.history or job.history[-1] != p.stage:
                job.history.append(p.stage)

    def _run(self, full: bool) -> None:
        report, error = None, ""
        try:
            if self._embedder is None:
                self._embedder = self._embedder_factory()
            builder = Advisor(self.settings, embedder=self._embedder, backend=self.backend)
            report = builder.build(full=full, progress=self._progress)
        except FoerderberaterError as exc:
            error = explain(exc)
        except Exception as exc:  # shown to the admin instead of a dead thread
            error = f"Indexaufbau fehlgeschlagen: {type(exc).__name__}: {exc}"
        with self._lock:
            self._job.running = False
            self._job.finished = _now()
            self._job.report = report
            self._job.error = error
            if report is not None:
                self._job.stage = "done"


def _job_of(state: JobState) -> BuildJob:
    """A build recorded in the database (by this or another replica) as the admin tab's job."""
    error = state.error
    if state.abandoned:
        error = f"Indexaufbau abgebrochen: der Prozess auf {state.host or '?'} wurde beendet."
    return BuildJob(
        running=state.running,
        full=state.full,
        stage=state.stage,
        done=state.done,
        total=state.total,
        detail=state.detail,
        started=state.started,
        finished=state.finished,
        report=report_from_dict(state.report),
        error=error,
        history=list(state.stages),
    )


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class AppContext:
    settings: Settings
    advisor: Advisor
    feedback: FeedbackStore
    builds: BuildManager
    gold_path: Path
    credentials: Credentials  # staff/admin password hashes (never plain text)
    sessions: SessionManager  # server-side logins: the user's gr.State holds only a token
    throttle: LoginThrottle  # back-off per (client, account)
    trusted: TrustedProxies  # X-Forwarded-For counts only from these
    uploads: UploadLedger  # which upload-route files belong to which client
    quota: UploadQuota  # bytes of the public upload route per client and hour
    corpus_store: CorpusStore | None = None  # uploads kept in the database (all replicas)


def default_gold_path() -> Path:
    """``eval/gold.yaml`` of the project (source checkout) or of the working directory."""
    here = Path(__file__).resolve().parents[3] / "eval" / "gold.yaml"
    return here if here.exists() else Path("eval") / "gold.yaml"


def create_context(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    build_embedder: Callable[[], Embedder] | None = None,
    gold_path: Path | None = None,
    credentials: Credentials | None = None,
    throttle: LoginThrottle | None = None,
) -> AppContext:
    """Wire the app objects. Models load lazily; nothing is read from disk here (with a
    database URL, the schema is checked/migrated once).

    Credentials come from ``settings`` (plain passwords are hashed here, once) unless given.
    """
    chat_embedder = (
        LockedEmbedder(embedder) if embedder is not None else LazyEmbedder(settings.embedder)
    )
    factory = build_embedder or (lambda: create_embedder(settings.embedder))
    shared = open_shared(settings)
    return AppContext(
        settings=settings,
        advisor=Advisor(
            settings, embedder=chat_embedder, backend=shared.backend, warm_answers=True
        ),
        feedback=shared.feedback,
        builds=BuildManager(settings, factory, backend=shared.backend),
        gold_path=gold_path or default_gold_path(),
        credentials=credentials if credentials is not None else credentials_of(settings),
        sessions=SessionManager(),
        throttle=throttle or LoginThrottle(store=shared.throttle),
        trusted=TrustedProxies.parse(settings.trusted_proxies),
        uploads=UploadLedger(max_age=settings.upload_cache_seconds),
        quota=UploadQuota(settings.upload_quota_mb * 1024 * 1024, store=shared.quota),
        corpus_store=shared.corpus,
    )


def credentials_of(settings: Settings) -> Credentials:
    """The staff/admin credentials of ``settings`` (a role set twice is a ``ConfigError``)."""
    env = {Settings.env_name(f): str(getattr(settings, f)) for f in CREDENTIAL_FIELDS}
    return load_credentials({k: v for k, v in env.items() if v})
