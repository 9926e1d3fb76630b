"""Chunk-level embedding cache: (model id, sha256 of the exact embedded text) -> vector.

A SQLite file beside the index versions (``<index_dir>/embed-cache.sqlite3``). The cache is
derived data: it is keyed by content, so an entry is valid no matter which build wrote it, and
an interrupted build leaves only valid entries behind. A file that SQLite cannot read is moved
aside and a new, empty cache is started (everything is re-embedded, nothing indexed is lost).

The builder uses it like this::

    cache = EmbeddingCache.open(index_dir / CACHE_FILE)
    keys = [text_key(t) for t in texts]
    found = cache.get_many(model_id, keys)            # {key: vector}
    ...embed the texts whose key is missing...
    cache.put_many(model_id, zip(missing_keys, vectors))

Not safe for concurrent writers from several processes beyond what SQLite's locking gives; the
index build lock already serialises builds.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_FILE = "embed-cache.sqlite3"
_BATCH = 500  # SQLite host-parameter limit is 999 on older builds; stay well below

_DDL = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
"""


def text_key(text: str) -> str:
    """sha256 of the exact text handed to the embedder (without the model's prompt prefix)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    model: str
    entries: int
    bytes: int


class EmbeddingCache:
    """Vectors are stored as little-endian float32; ``get_many`` returns fresh arrays."""

    def __init__(self, db: sqlite3.Connection, path: Path | None) -> None:
        self._db = db
        self.path = path

    @classmethod
    def open(cls, path: Path) -> EmbeddingCache:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls(_connect(path), path)
        except sqlite3.DatabaseError:
            broken = path.with_name(f"{path.name}.broken-{int(time.time())}")
            path.replace(broken)
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return cls(_connect(path), path)

    @classmethod
    def in_memory(cls) -> EmbeddingCache:
        db = sqlite3.connect(":memory:")
        db.executescript(_DDL)
        return cls(db, None)

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH):
            part = unique[start : start + _BATCH]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT key, dim, vec FROM vectors WHERE model=? AND key IN ({marks})",
                [model, *part],
            ).fetchall()
            for key, dim, blob in rows:
                vec = np.frombuffer(blob, "<f4").astype(np.float32)
                if vec.shape == (dim,):
                    found[key] = vec
        if found:
            now = time.time()
            with self._db:
                self._db.executemany(
                    "UPDATE vectors SET used=? WHERE model=? AND key=?",
                    [(now, model, k) for k in found],
                )
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> int:
        now = time.time()
        rows = []
        for key, vec in items:
            arr = np.ascontiguousarray(vec, dtype="<f4").reshape(-1)
            if not np.all(np.isfinite(arr)):
                continue  # never cache a broken vector
            rows.append((model, key, int(arr.shape[0]), arr.tobytes(), now))
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?,?,?)", rows)
        return len(rows)

    def prune(self, model: str, keep: Iterable[str] = (), *, other_models: bool = False) -> int:
        """Delete entries of ``model`` not in ``keep`` (with ``other_models``: all other models)."""
        keep_set = set(keep)
        with self._db:
            removed = 0
            if other_models:
                removed += self._db.execute("DELETE FROM vectors WHERE model<>?", (model,)).rowcount
            stale = [
                (model, k)
                for (k,) in self._db.execute("SELECT key FROM vectors WHERE model=?", (model,))
                if k not in keep_set
            ]
            self._db.executemany("DELETE FROM vectors WHERE model=? AND key=?", stale)
            removed += len(stale)
        return removed

    def stats(self, model: str) -> CacheStats:
        n, size = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(vec)), 0) FROM vectors WHERE model=?", (model,)
        ).fetchone()
        return CacheStats(model, int(n), int(size))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_DDL)
        db.execute("SELECT COUNT(*) FROM vectors LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db
