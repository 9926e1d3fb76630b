"""Shared application state in PostgreSQL: feedback, login throttling, build jobs.

Drop-in counterparts of ``feedback.FeedbackStore``, ``ui_context.LoginGuard`` and the build
progress of ``ui_context.BuildManager``, so that every replica sees the same feedback, the same
lock-outs and the same running rebuild. Times come from the database clock (``now()``), so
replicas with skewed clocks still agree on a lock-out.
"""

from __future__ import annotations

import hmac
import json
import os
import socket
from dataclasses import dataclass
from typing import Any

from foerderberater.builder import BuildProgress
from foerderberater.feedback import RATINGS, REASONS, FeedbackError, FeedbackRecord
from foerderberater.pg_db import PgDatabase
from foerderberater.pg_schema import LOCK_APP, LOCK_BUILD


class PgFeedbackStore:
    """Same API as ``FeedbackStore`` (add, records, to_csv)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def add(self, record: FeedbackRecord) -> int:
        if record.rating not in RATINGS:
            raise FeedbackError("Bitte 👍 oder 👎 wählen.")
        if record.reason and record.reason not in REASONS:
            raise FeedbackError(f"Unbekannter Grund {record.reason!r}.")
        if not record.question.strip():
            raise FeedbackError("Zu welcher Antwort? Es gibt noch keine Antwort zum Bewerten.")
        with self.db.connection() as conn:
            row = conn.execute(
                "INSERT INTO feedback (created, rating, reason, comment, question, answer,"
                " sources, filters, index_version)"
                " VALUES (COALESCE(%s::timestamptz, now()), %s, %s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                (
                    record.created or None,
                    record.rating,
                    record.reason,
                    record.comment.strip()[:4000],
                    record.question,
                    record.answer,
                    json.dumps(record.sources, ensure_ascii=False),
                    json.dumps(record.filters, ensure_ascii=False),
                    record.index_version,
                ),
            ).fetchone()
        return int(row[0])

    def records(
        self,
        *,
        rating: str | None = None,
        reason: str | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[FeedbackRecord]:
        where, args = ["TRUE"], []
        if rating:
            where.append("rating = %s")
            args.append(rating)
        if reason:
            where.append("reason = %s")
            args.append(reason)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(question ILIKE %s OR answer ILIKE %s OR comment ILIKE %s)")
            args.extend([pattern] * 3)
        args.append(int(limit))
        with self.db.connection() as conn:
            rows = conn.execute(
                "SELECT id, to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS+00:00'),"
                " rating, reason, comment, question, answer, sources, filters, index_version"
                f" FROM feedback WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s",
                args,
            ).fetchall()
        return [
            FeedbackRecord(
                id=r[0],
                created=r[1],
                rating=r[2],
                reason=r[3],
                comment=r[4],
                question=r[5],
                answer=r[6],
                sources=r[7],
                filters=r[8],
                index_version=r[9],
            )
            for r in rows
        ]

    to_csv = staticmethod(__import__("foerderberater.feedback").feedback.FeedbackStore.to_csv)


class PgLoginGuard:
    """``LoginGuard`` with its failure counters in the database (one lock-out for all replicas)."""

    def __init__(
        self,
        db: PgDatabase,
        password: str,
        free_attempts: int = 3,
        base_delay: float = 30.0,
        max_delay: float = 900.0,
    ) -> None:
        self.db = db
        self._password = password.encode("utf-8")
        self.free_attempts = free_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def wait_seconds(self, client: str) -> int:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT ceil(extract(epoch FROM locked_until - now())) FROM login_failures"
                " WHERE client = %s",
                (client,),
            ).fetchone()
        return max(0, int(row[0])) if row and row[0] is not None else 0

    def attempt(self, client: str, password: str) -> tuple[bool, str]:
        if not self.enabled:
            return False, "Die Administration ist deaktiviert (kein Admin-Passwort gesetzt)."
        wait = self.wait_seconds(client)
        if wait:
            return False, f"Zu viele Fehlversuche. Bitte in {wait} Sekunden erneut versuchen."
        ok = hmac.compare_digest(password.encode("utf-8"), self._password)
        with self.db.connection() as conn:
            if ok:
                conn.execute("DELETE FROM login_failures WHERE client = %s", (client,))
                return True, "Angemeldet."
            # one atomic upsert: concurrent failures on two replicas both count
            conn.execute(
                """
                INSERT INTO login_failures AS f (client, failures, locked_until)
                VALUES (%(c)s, 1, CASE WHEN 1 >= %(free)s
                        THEN now() + make_interval(secs => LEAST(%(max)s, %(base)s)) ELSE now() END)
                ON CONFLICT (client) DO UPDATE SET
                    failures = f.failures + 1,
                    locked_until = CASE WHEN f.failures + 1 >= %(free)s
                        THEN now() + make_interval(secs => LEAST(%(max)s,
                             %(base)s * power(2, f.failures + 1 - %(free)s)))
                        ELSE now() END,
                    updated_at = now()
                """,
                {
                    "c": client,
                    "free": self.free_attempts,
                    "base": self.base_delay,
                    "max": self.max_delay,
                },
            )
            conn.execute("DELETE FROM login_failures WHERE updated_at < now() - interval '1 day'")
        return False, "Falsches Passwort."


@dataclass(frozen=True)
class JobRow:
    id: int
    state: str  # running | done | failed | abandoned (running, but its process is gone)
    full: bool
    stage: str
    done: int
    total: int
    detail: str
    stages: tuple[str, ...]
    host: str
    started: str
    finished: str
    error: str
    version: str


class PgBuildJobs:
    """Build jobs and their progress, visible to every replica's admin tab.

    ``start`` must be called on the connection that holds the build advisory lock: the job
    records that connection's backend pid, and a ``running`` job whose backend no longer holds
    the lock is reported as ``abandoned`` (its process was killed).
    """

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def start(self, lock_conn: Any, full: bool) -> int:
        row = lock_conn.execute(
            "INSERT INTO build_jobs (full_rebuild, host, pid) VALUES (%s, %s, %s) RETURNING id",
            (full, socket.gethostname(), os.getpid()),
        ).fetchone()
        return int(row[0])

    def progress(self, job_id: int, p: BuildProgress) -> None:
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE build_jobs SET stage = %s, done = %s, total = %s, detail = %s,"
                " stages = CASE WHEN stages[cardinality(stages)] IS DISTINCT FROM %s"
                " THEN stages || %s::text ELSE stages END, updated_at = now() WHERE id = %s",
                (p.stage, p.done, p.total, p.detail[:500], p.stage, p.stage, job_id),
            )

    def finish(self, job_id: int, *, version: str = "", error: str = "", report: Any = None):  # noqa: ANN201
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE build_jobs SET state = %s, finished_at = now(), updated_at = now(),"
                " error = %s, version_name = %s, report = %s,"
                " stage = CASE WHEN %s = '' THEN 'done' ELSE stage END WHERE id = %s",
                (
                    "failed" if error else "done",
                    error,
                    version,
                    json.dumps(report, default=str) if report is not None else None,
                    error,
                    job_id,
                ),
            )

    def latest(self) -> JobRow | None:
        with self.db.connection() as conn:
            r = conn.execute(
                """
                SELECT j.id, CASE WHEN j.state = 'running' AND NOT EXISTS (
                           SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                           AND l.pid = j.backend_pid AND l.classid = %s AND l.objid = %s)
                       THEN 'abandoned' ELSE j.state END,
                       j.full_rebuild, j.stage, j.done, j.total, j.detail, j.stages, j.host,
                       j.started_at::text, COALESCE(j.finished_at::text, ''), j.error,
                       j.version_name
                FROM build_jobs j ORDER BY j.id DESC LIMIT 1
                """,
                (LOCK_APP, LOCK_BUILD),
            ).fetchone()
        return JobRow(*r[:7], tuple(r[7]), *r[8:]) if r else None
