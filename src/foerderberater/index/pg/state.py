"""Shared application state in PostgreSQL that is not index data: login back-off counters
(``security.throttle.ThrottleStore``), the upload quota per client (``web.guard.QuotaStore``)
and the admin's corpus uploads/removals.

They make replicas behave like one app: a lock-out earned on one replica holds on every other
one, a client's upload volume counts once whichever replica takes it, and a file uploaded
through one replica reaches the corpus of whichever replica rebuilds.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from foerderberater.index.pg.db import PgDatabase
from foerderberater.security.throttle import AttemptState, ThrottlePolicy


class PgQuotaStore:
    """``QuotaStore`` with one row per client; the window and its bytes are checked and booked
    in one upsert (the row stays locked until it commits), on the database clock."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def charge(self, client: str, size: int, max_bytes: int, window: float) -> bool:
        if size > max_bytes:
            return False
        expired = "q.window_start < now() - make_interval(secs => %(w)s)"
        with self.db.connection() as conn:
            row = conn.execute(
                "INSERT INTO upload_quota AS q (client, window_start, used)"
                " VALUES (%(c)s, now(), %(n)s)"
                " ON CONFLICT (client) DO UPDATE SET"
                f" window_start = CASE WHEN {expired} THEN now() ELSE q.window_start END,"
                f" used = CASE WHEN {expired} THEN %(n)s ELSE q.used + %(n)s END"
                f" WHERE {expired} OR q.used + %(n)s <= %(max)s"
                " RETURNING used",
                {"c": client, "n": size, "max": max_bytes, "w": float(window)},
            ).fetchone()
            conn.execute(
                "DELETE FROM upload_quota WHERE window_start < now() - make_interval(secs => %s)",
                (2 * float(window),),
            )
        return row is not None


class PgThrottleStore:
    """``ThrottleStore`` with one row per (client, account); ``add_failure`` is atomic (the
    upsert locks the row until the transaction that also writes the new wait commits)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def get(self, key: tuple[str, str]) -> AttemptState | None:
        with self.db.reader() as conn:
            row = conn.execute(
                "SELECT failures, last_failure, locked_until FROM login_attempts"
                " WHERE client = %s AND account = %s",
                key,
            ).fetchone()
        return AttemptState(int(row[0]), float(row[1]), float(row[2])) if row else None

    def add_failure(self, key: tuple[str, str], now: float, policy: ThrottlePolicy) -> AttemptState:
        with self.db.connection() as conn:
            failures = conn.execute(
                "INSERT INTO login_attempts AS a (client, account, failures, last_failure,"
                " locked_until) VALUES (%(c)s, %(a)s, 1, %(now)s, %(now)s)"
                " ON CONFLICT (client, account) DO UPDATE SET"
                " failures = CASE WHEN %(now)s - a.last_failure < %(forget)s"
                "                 THEN a.failures + 1 ELSE 1 END,"
                " last_failure = %(now)s"
                " RETURNING failures",
                {"c": key[0], "a": key[1], "now": now, "forget": policy.forget_after},
            ).fetchone()[0]
            state = AttemptState(int(failures), now, now + policy.delay(int(failures)))
            conn.execute(
                "UPDATE login_attempts SET locked_until = %s WHERE client = %s AND account = %s",
                (state.locked_until, *key),
            )
            conn.execute(
                "DELETE FROM login_attempts WHERE last_failure < %s", (now - policy.forget_after,)
            )
        return state

    def clear(self, key: tuple[str, str]) -> None:
        with self.db.connection() as conn:
            conn.execute("DELETE FROM login_attempts WHERE client = %s AND account = %s", key)


@dataclass(frozen=True)
class SyncResult:
    written: tuple[str, ...]
    removed: tuple[str, ...]


class PgCorpusFiles:
    """Admin uploads and removals kept in the database (``upload_store = "database"``).

    ``put``/``remove`` record a change; ``sync(corpus_dir)`` makes a replica's corpus directory
    follow the database: written files appear (atomically, only when their hash differs), removed
    ones disappear. Files the database never heard of (the repository's corpus) are untouched.
    """

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def put(self, path: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO corpus_files (path, data, sha256, size) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (path) DO UPDATE SET data = EXCLUDED.data,"
                " sha256 = EXCLUDED.sha256, size = EXCLUDED.size, updated_at = now()",
                (path, data, digest, len(data)),
            )

    def remove(self, path: str) -> None:
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO corpus_files (path, data) VALUES (%s, NULL)"
                " ON CONFLICT (path) DO UPDATE SET data = NULL, sha256 = '', size = 0,"
                " updated_at = now()",
                (path,),
            )

    def sync(self, corpus_dir: Path) -> SyncResult:
        root = Path(corpus_dir).resolve()
        with self.db.reader() as conn:
            rows = conn.execute("SELECT path, sha256, data IS NULL FROM corpus_files").fetchall()
        written, removed = [], []
        for rel, digest, gone in rows:
            target = (root / rel).resolve()
            if root not in target.parents:
                continue  # never write outside the corpus (paths come from save_upload)
            if gone:
                if target.is_file():
                    target.unlink()
                    removed.append(rel)
                continue
            if target.is_file() and _sha256(target) == digest:
                continue
            with self.db.reader() as conn:
                data = conn.execute(
                    "SELECT data FROM corpus_files WHERE path = %s AND sha256 = %s", (rel, digest)
                ).fetchone()
            if data is None or data[0] is None:
                continue  # changed meanwhile; the next sync takes the newer state
            _write_atomic(target, bytes(data[0]))
            written.append(rel)
        return SyncResult(tuple(written), tuple(removed))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".sync-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
