"""PostgreSQL connections for the database backend (``FOERDERBERATER_DATABASE_URL``).

Only ``psycopg`` (3) is needed, imported when a connection is opened. ``PgDatabase`` keeps a
small pool of idle connections per instance (no module-level state); every connection gets the
pgvector adapters, so numpy vectors travel in pgvector's binary formats (``vector`` as float32,
``halfvec`` as float16), never as text.
"""

from __future__ import annotations

import queue
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from foerderberater.core.errors import DatabaseError, VersionGoneError

VERSION_TABLE = re.compile(r"\b(chunks|sentences)_v\d+\b")  # per-version tables (writer)


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    if "://" not in url or "@" not in url.split("://", 1)[1].split("/", 1)[0]:
        return url
    scheme, rest = url.split("://", 1)
    cred, host = rest.split("@", 1)
    user = cred.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in cred else f"{scheme}://{user}@{host}"


def label(url: str) -> str:
    """A short name of the database for messages: ``PostgreSQL user@host:port/db``."""
    rest = redact(url).split("://", 1)[-1].split("?", 1)[0].replace(":***", "")
    return f"PostgreSQL {rest}"


class Vector:
    """A float32 vector to be sent as pgvector ``vector`` (binary)."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float32).reshape(-1)


class HalfVector:
    """A vector to be sent as pgvector ``halfvec`` (binary float16; sentence vectors)."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float16).reshape(-1)


def _register_vector_types(conn: Any) -> None:
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    for name, cls, dtype in (("vector", Vector, ">f4"), ("halfvec", HalfVector, ">f2")):
        info = TypeInfo.fetch(conn, name)
        if info is None:
            raise DatabaseError("PostgreSQL", "die Erweiterung pgvector fehlt")
        info.register(conn)

        class BinaryDumper(Dumper):
            format = Format.BINARY
            oid = info.oid
            big_endian = dtype

            def dump(self, obj: Any) -> bytes:
                v = obj.values
                return struct.pack(">HH", len(v), 0) + v.astype(self.big_endian).tobytes()

        class BinaryLoader(Loader):
            format = Format.BINARY
            big_endian = dtype

            def load(self, data: Any) -> np.ndarray:
                dim = struct.unpack_from(">H", data, 0)[0]
                size = np.dtype(self.big_endian).itemsize
                raw = bytes(data[4 : 4 + size * dim])
                return np.frombuffer(raw, dtype=self.big_endian).astype(np.float32)

        class TextLoader(Loader):
            format = Format.TEXT

            def load(self, data: Any) -> np.ndarray:
                text = bytes(data).decode("ascii").strip("[]")
                return np.array([float(x) for x in text.split(",")] if text else [], np.float32)

        conn.adapters.register_dumper(cls, BinaryDumper)
        conn.adapters.register_loader(info.oid, BinaryLoader)
        conn.adapters.register_loader(info.oid, TextLoader)


class PgDatabase:
    """Connection factory + tiny pools (transactions and autocommit readers)."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise DatabaseError(redact(url), "die URL muss mit postgresql:// beginnen")
        self.url = url
        self.label = label(url)
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue(maxsize=pool_size)
        self._readers: queue.LifoQueue[Any] = queue.LifoQueue(maxsize=pool_size)

    def error(self, exc: BaseException) -> DatabaseError:
        detail = str(exc).strip() or type(exc).__name__
        if type(exc).__name__ == "UndefinedTable" and VERSION_TABLE.search(detail):
            return VersionGoneError(self.label, detail)  # dropped by ``PgIndex.gc``
        return DatabaseError(self.label, detail)

    def new_connection(self, *, autocommit: bool = False) -> Any:
        """A fresh connection (the caller closes it); vector adapters registered if installed."""
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            has_vector = conn.execute("SELECT 1 FROM pg_type WHERE typname = 'halfvec'").fetchone()
            if has_vector:
                _register_vector_types(conn)
        except psycopg.Error as exc:
            raise self.error(exc) from exc
        conn.autocommit = autocommit
        conn.fb_settings = {}
        return conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A pooled connection inside one transaction (commit on success, rollback on error)."""
        with self._pooled(self._idle, autocommit=False) as conn, conn.transaction():
            yield conn

    @contextmanager
    def reader(self, settings: dict[str, str] | None = None) -> Iterator[Any]:
        """A pooled autocommit connection for single-statement reads (one round trip each).

        ``settings`` are session GUCs (``{"hnsw.ef_search": "100"}``), sent only when they
        differ from what this connection already has.
        """
        with self._pooled(self._readers, autocommit=True) as conn:
            wanted = {k: str(v) for k, v in (settings or {}).items()}
            changed = {k: v for k, v in wanted.items() if conn.fb_settings.get(k) != v}
            if changed:
                conn.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in changed),
                    [x for kv in changed.items() for x in kv],
                )
                conn.fb_settings.update(changed)
            yield conn

    @contextmanager
    def _pooled(self, pool: queue.LifoQueue[Any], *, autocommit: bool) -> Iterator[Any]:
        """A connection from ``pool`` (or a new one), given back afterwards; a database error
        becomes a typed error and a lost connection is closed, not pooled again."""
        import psycopg

        try:
            conn = pool.get_nowait()
        except queue.Empty:
            conn = self.new_connection(autocommit=autocommit)
        try:
            yield conn
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError):
                conn.close()
            raise self.error(exc) from exc
        finally:
            self._give_back(pool, conn)

    @staticmethod
    def _give_back(pool: queue.LifoQueue[Any], conn: Any) -> None:
        if conn.closed or conn.broken or conn.info.transaction_status != 0:  # 0 = IDLE
            conn.close()
            return
        try:
            pool.put_nowait(conn)
        except queue.Full:
            conn.close()

    def close(self) -> None:
        for pool in (self._idle, self._readers):
            while True:
                try:
                    pool.get_nowait().close()
                except queue.Empty:
                    break
