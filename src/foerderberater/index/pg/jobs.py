"""Build jobs and their progress in PostgreSQL, visible to every replica's admin tab.

``start`` runs on the connection that holds the build advisory lock: the job records that
connection's backend pid, and a ``running`` job whose backend no longer holds the lock is
reported as abandoned (its process was killed). Progress writes are throttled (a stage change
or the last step is always written), so a build of many files does not hammer the database.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from foerderberater.index.backend import JobState
from foerderberater.index.pg.db import PgDatabase
from foerderberater.index.pg.schema import LOCK_APP, LOCK_BUILD

if TYPE_CHECKING:
    from foerderberater.index.builder import BuildProgress

PROGRESS_EVERY = 0.5  # seconds between two progress writes of the same stage


class PgBuildJobs:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self._last: dict[int, tuple[str, float]] = {}

    def start(self, lock_conn: Any, full: bool) -> int:
        row = lock_conn.execute(
            "INSERT INTO build_jobs (full_rebuild, host, pid) VALUES (%s, %s, %s) RETURNING id",
            (full, socket.gethostname(), os.getpid()),
        ).fetchone()
        return int(row[0])

    def progress(self, job_id: int, p: BuildProgress) -> None:
        now = time.monotonic()
        stage, last = self._last.get(job_id, ("", 0.0))
        if stage == p.stage and now - last < PROGRESS_EVERY and p.done < p.total:
            return
        self._last[job_id] = (p.stage, now)
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE build_jobs SET stage = %s, done = %s, total = %s, detail = %s,"
                " stages = CASE WHEN stages[cardinality(stages)] IS DISTINCT FROM %s"
                " THEN stages || %s::text ELSE stages END, updated_at = now() WHERE id = %s",
                (p.stage, p.done, p.total, p.detail[:500], p.stage, p.stage, job_id),
            )

    def finish(
        self, job_id: int, *, version: str = "", error: str = "", report: Any = None
    ) -> None:
        self._last.pop(job_id, None)
        with self.db.connection() as conn:
            conn.execute(
                "UPDATE build_jobs SET state = %s, finished_at = now(), updated_at = now(),"
                " error = %s, version_name = %s, report = %s,"
                " stage = CASE WHEN %s = '' THEN 'done' ELSE stage END WHERE id = %s",
                (
                    "failed" if error else "done",
                    error,
                    version,
                    json.dumps(report, ensure_ascii=False, default=str)
                    if report is not None
                    else None,
                    error,
                    job_id,
                ),
            )

    def latest(self) -> JobState | None:
        with self.db.reader() as conn:
            r = conn.execute(
                """
                SELECT j.state, j.state = 'running' AND NOT EXISTS (
                           SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                           AND l.pid = j.backend_pid AND l.classid = %s AND l.objid = %s),
                       j.full_rebuild, j.stage, j.done, j.total, j.detail, j.stages, j.host,
                       to_char(j.started_at, 'YYYY-MM-DD"T"HH24:MI:SSOF'),
                       COALESCE(to_char(j.finished_at, 'YYYY-MM-DD"T"HH24:MI:SSOF'), ''),
                       j.error, j.version_name, j.report
                FROM build_jobs j ORDER BY j.id DESC LIMIT 1
                """,
                (LOCK_APP, LOCK_BUILD),
            ).fetchone()
        if r is None:
            return None
        state, abandoned = r[0], bool(r[1])
        return JobState(
            running=state == "running" and not abandoned,
            full=r[2],
            stage=r[3],
            done=r[4],
            total=r[5],
            detail=r[6],
            started=r[9],
            finished=r[10],
            error=r[11],
            version=r[12],
            host=r[8],
            stages=tuple(r[7]),
            report=r[13],
            abandoned=abandoned,
        )
