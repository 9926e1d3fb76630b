"""PostgreSQL connections for the optional database backend (``FOERDERBERATER_DATABASE_URL``).

Only ``psycopg`` (3) is needed. ``PgDatabase`` keeps a small pool of idle connections per
instance (no module-level state); every connection gets the pgvector adapters, so numpy
vectors travel in pgvector's binary format (no text formatting of floats).
"""

from __future__ import annotations

import queue
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from foerderberater.errors import FoerderberaterError


class DatabaseError(FoerderberaterError):
    """The database is unreachable, or a statement failed (``detail`` keeps the driver text)."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"{redact(url)}: {detail}")
        self.url = redact(url)
        self.detail = detail


def redact(url: str) -> str:
    """The URL without a password (for messages and logs)."""
    if "://" not in url or "@" not in url.split("://", 1)[1].split("/", 1)[0]:
        return url
    scheme, rest = url.split("://", 1)
    cred, host = rest.split("@", 1)
    user = cred.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


class Vector:
    """A float32 vector to be sent as pgvector ``vector`` (binary)."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float32).reshape(-1)


class TsVector:
    """A ``tsvector`` already in PostgreSQL's binary format (see ``pg_lexical``)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _register_tsvector(conn: Any) -> None:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class TsVectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = 3614  # tsvector (built-in type, fixed oid)

        def dump(self, obj: TsVector) -> bytes:
            return obj.data

    conn.adapters.register_dumper(TsVector, TsVectorBinaryDumper)


def _register_vector(conn: Any) -> None:
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise FoerderberaterError("pgvector-Erweiterung fehlt in der Datenbank")
    info.register(conn)

    class VectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj: Vector) -> bytes:
            v = obj.values
            return struct.pack(">HH", len(v), 0) + v.astype(">f4").tobytes()

    class VectorBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> np.ndarray:
            dim = struct.unpack_from(">H", data, 0)[0]
            return np.frombuffer(bytes(data[4 : 4 + 4 * dim]), dtype=">f4").astype(np.float32)

    class VectorTextLoader(Loader):
        format = Format.TEXT

        def load(self, data: Any) -> np.ndarray:
            text = bytes(data).decode("ascii").strip("[]")
            return np.array([float(x) for x in text.split(",")] if text else [], np.float32)

    conn.adapters.register_dumper(Vector, VectorBinaryDumper)
    conn.adapters.register_loader(info.oid, VectorBinaryLoader)
    conn.adapters.register_loader(info.oid, VectorTextLoader)


class PgDatabase:
    """Connection factory + tiny pool. ``settings`` maps GUC names to values set per session."""

    def __init__(
        self, url: str, *, pool_size: int = 8, session_settings: dict[str, str] | None = None
    ) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise DatabaseError(url, "URL muss mit postgresql:// beginnen")
        self.url = url
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue(maxsize=pool_size)
        self._readers: queue.LifoQueue[Any] = queue.LifoQueue(maxsize=pool_size)
        self._session = dict(session_settings or {})

    def new_connection(self, *, autocommit: bool = False) -> Any:
        """A fresh connection (caller closes it); vector adapters registered when available."""
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise DatabaseError(self.url, str(exc).strip()) from exc
        has_vector = conn.execute(
            "SELECT 1 FROM pg_type WHERE typname = 'vector' LIMIT 1"
        ).fetchone()
        if has_vector:
            _register_vector(conn)
        _register_tsvector(conn)
        for name, value in self._session.items():
            conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
        conn.autocommit = autocommit
        return conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A pooled connection inside one transaction (commit on success, rollback on error)."""
        import psycopg

        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self.new_connection()
        ok = False
        try:
            with conn.transaction():
                yield conn
            ok = True
        except psycopg.OperationalError as exc:
            conn.close()
            raise DatabaseError(self.url, str(exc).strip()) from exc
        finally:
            if conn.closed or conn.broken:
                pass
            elif ok or conn.info.transaction_status == 0:  # IDLE
                try:
                    self._idle.put_nowait(conn)
                except queue.Full:
                    conn.close()
            else:
                conn.close()

    @contextmanager
    def reader(self, settings: dict[str, str] | None = None) -> Iterator[Any]:
        """A pooled autocommit connection for single-statement reads (one round trip each).

        ``settings`` are session GUCs (``{"hnsw.ef_search": "100"}``); they are only sent when
        they differ from what this connection already has.
        """
        import psycopg

        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self.new_connection(autocommit=True)
            conn.fb_settings = {}
        try:
            wanted = {k: str(v) for k, v in (settings or {}).items()}
            changed = {k: v for k, v in wanted.items() if conn.fb_settings.get(k) != v}
            if changed:
                conn.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in changed),
                    [x for kv in changed.items() for x in kv],
                )
                conn.fb_settings.update(changed)
            yield conn
        except psycopg.OperationalError as exc:
            conn.close()
            raise DatabaseError(self.url, str(exc).strip()) from exc
        finally:
            if not conn.closed and not conn.broken:
                try:
                    self._readers.put_nowait(conn)
                except queue.Full:
                    conn.close()

    def close(self) -> None:
        for pool in (self._idle, self._readers):
            while True:
                try:
                    pool.get_nowait().close()
                except queue.Empty:
                    break
