"""Index versions in PostgreSQL: publish atomically, open, garbage-collect, build lock.

Publishing upserts the single row of ``current_index`` in one transaction, so every replica
sees either the old or the new version. ``gc`` keeps the live version and the newest older one
(like the file backend), and drops leftovers of killed builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from foerderberater.core.errors import IndexLockedError, IndexNotFoundError
from foerderberater.index.pg.db import PgDatabase
from foerderberater.index.pg.schema import LOCK_APP, LOCK_BUILD, migrate
from foerderberater.index.pg.version import PgVersion
from foerderberater.index.pg.writer import chunk_table, sentence_table
from foerderberater.index.store import check_compatible


class DatabaseLockedError(IndexLockedError):
    """Another process (on any host) holds the build lock, a PostgreSQL advisory lock."""

    def __init__(self, db: PgDatabase) -> None:
        super().__init__(f"Advisory-Lock in {db.label}")


class PgIndex:
    """The versioned index in one database (many readers, one writer at a time)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def migrate(self) -> list[int]:
        conn = self.db.new_connection()
        try:
            return migrate(conn)
        finally:
            conn.close()

    @contextmanager
    def build_lock(self) -> Iterator[Any]:
        """Hold the session advisory lock on a dedicated connection; it dies with the process
        (``kill -9`` closes the socket, the server ends the session and frees the lock)."""
        conn = self.db.new_connection(autocommit=True)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_APP, LOCK_BUILD))
            if not got.fetchone()[0]:
                raise DatabaseLockedError(self.db)
            yield conn
        finally:
            conn.close()  # closing the session releases the lock

    def publish(self, name: str) -> None:
        """Flip the single-row pointer to ``name`` (a ``ready`` version) in one transaction."""
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT id FROM index_versions WHERE name = %s AND state = 'ready' FOR UPDATE",
                (name,),
            ).fetchone()
            if row is None:
                raise IndexNotFoundError(f"{self.db.label} (Version {name})")
            conn.execute(
                "INSERT INTO current_index (only_row, version_id) VALUES (true, %s)"
                " ON CONFLICT (only_row) DO UPDATE SET version_id = EXCLUDED.version_id,"
                " flipped_at = now()",
                (row[0],),
            )
            conn.execute("UPDATE index_versions SET published_at = now() WHERE id = %s", (row[0],))

    def gc(self, keep: int = 2) -> list[str]:
        """Drop every version except the live one and the ``keep - 1`` newest other ready ones,
        including leftovers of killed builds. Call while holding ``build_lock``."""
        with self.db.connection() as conn:
            cur = conn.execute("SELECT version_id FROM current_index").fetchone()
            live = cur[0] if cur else None
            rows = conn.execute(
                "SELECT id, name, state FROM index_versions ORDER BY id DESC"
            ).fetchall()
        ready = [i for i, _, s in rows if s == "ready" and i != live][: max(0, keep - 1)]
        keep_ids = {live, *ready}
        dropped = []
        for vid, name, _state in rows:
            if vid in keep_ids:
                continue
            with self.db.connection() as conn:
                conn.execute(f"DROP TABLE IF EXISTS {chunk_table(vid)}, {sentence_table(vid)}")
                conn.execute("DELETE FROM index_versions WHERE id = %s", (vid,))
            dropped.append(name)
        return dropped

    def current(self) -> tuple[int, str] | None:
        """The live version (one indexed single-row read; replicas poll it)."""
        with self.db.reader() as conn:
            row = conn.execute(
                "SELECT v.id, v.name FROM current_index c JOIN index_versions v"
                " ON v.id = c.version_id"
            ).fetchone()
        return (int(row[0]), row[1]) if row else None

    def open_current(self, embedder_name: str | None = None) -> PgVersion:
        """The live version; with ``embedder_name`` it must have been built with that one."""
        cur = self.current()
        if cur is None:
            raise IndexNotFoundError(self.db.label)
        version = PgVersion(self.db, cur[0])
        check_compatible(version.location, version.manifest, embedder_name)
        return version
