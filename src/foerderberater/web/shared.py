"""State the web app shares between its replicas, chosen by the settings.

Embedded (no ``database_url``): index files, feedback in SQLite under ``data_dir``, login
back-off and upload quota in this process's memory, uploads written straight into
``corpus_dir`` (a shared directory if several hosts mount it). PostgreSQL: index versions,
feedback, login back-off, upload quota and build jobs in the database, so any number of
``python app.py`` on one database act as one app; with ``upload_store = "database"`` admin
uploads and removals are kept there too and every replica's corpus directory follows them.

Per replica by design (sticky sessions, see README): the logins (``security.sessions``: the
token in the user's Gradio state is only known to the replica that issued it) and the upload
ledger (which file of this replica's Gradio upload folder a client sent) — Gradio's own queue
and upload folder are per process too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

from foerderberater.core.settings import Settings
from foerderberater.core.types import SkippedFile
from foerderberater.index.backend import IndexBackend, open_index_backend
from foerderberater.index.builder import BuildReport
from foerderberater.security.throttle import MemoryThrottleStore, ThrottleStore
from foerderberater.web.feedback import FeedbackStore
from foerderberater.web.guard import MemoryQuotaStore, QuotaStore


class CorpusStore(Protocol):
    """Uploads/removals of the admin kept outside the corpus directory (the database)."""

    def put(self, path: str, data: bytes) -> None: ...

    def remove(self, path: str) -> None: ...

    def sync(self, corpus_dir: Any) -> Any: ...


@dataclass(frozen=True)
class SharedState:
    backend: IndexBackend
    feedback: FeedbackStore
    throttle: ThrottleStore
    quota: QuotaStore
    corpus: CorpusStore | None


def open_shared(settings: Settings) -> SharedState:
    backend = open_index_backend(settings)
    if backend.kind != "postgresql":
        feedback = FeedbackStore(settings.data_dir)
        return SharedState(backend, feedback, MemoryThrottleStore(), MemoryQuotaStore(), None)
    from foerderberater.web.feedback_pg import PgFeedbackStore

    pg: Any = backend
    pg.ready()  # connect once and apply missing migrations: a wrong URL stops the start
    corpus = pg.corpus if settings.upload_store == "database" else None
    return SharedState(backend, PgFeedbackStore(pg.db), pg.throttle_store, pg.quota_store, corpus)


def report_from_dict(data: dict[str, Any] | None) -> BuildReport | None:
    """A ``BuildReport`` recorded by another replica (``dataclasses.asdict`` of it)."""
    if not data:
        return None
    names = {f.name for f in fields(BuildReport)}
    values = {k: v for k, v in data.items() if k in names}
    for key in ("added", "changed", "removed", "unchanged"):
        values[key] = tuple(values.get(key) or ())
    values["skipped"] = tuple(
        SkippedFile(s["path"], s["reason"], bool(s.get("kept_previous")))
        for s in values.get("skipped") or ()
    )
    try:
        return BuildReport(**values)
    except TypeError:
        return None
