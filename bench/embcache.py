"""An embedder wrapper that caches passage and query vectors on disk, keyed by text hash.

The real e5 engine embeds ~4 passages/s on this machine; the parity bench needs the same
GermanQuAD vectors for both backends and across runs, so they are computed once and reused.
Nothing is faked: a miss calls the real embedder, a hit returns the vector it produced earlier.

Files under ``cache_dir`` (``stem`` names embedder and purpose)::

    <stem>.npy        float32 rows
    <stem>.keys.txt   sha256 of the text of each row, one per line (same order)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """Append-only vector store in two files; written atomically (tmp + rename)."""

    def __init__(self, cache_dir: Path, stem: str, dim: int) -> None:
        self.vec_path = Path(cache_dir) / f"{stem}.npy"
        self.key_path = Path(cache_dir) / f"{stem}.keys.txt"
        self.dim = dim
        self._rows: dict[str, np.ndarray] = {}
        if self.vec_path.exists() and self.key_path.exists():
            vecs = np.load(self.vec_path)
            keys = self.key_path.read_text("utf-8").split()
            n = min(len(keys), len(vecs))
            self._rows = {k: vecs[i] for i, k in enumerate(keys[:n])}
        self._dirty = False

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str) -> np.ndarray | None:
        return self._rows.get(key)

    def put(self, key: str, vec: np.ndarray) -> None:
        self._rows[key] = np.asarray(vec, dtype=np.float32).reshape(self.dim)
        self._dirty = True

    def flush(self) -> None:
        if not self._dirty:
            return
        self.vec_path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._rows)
        mat = (
            np.vstack([self._rows[k] for k in keys])
            if keys
            else np.zeros((0, self.dim), dtype=np.float32)
        )
        tmp_vec = self.vec_path.with_suffix(".tmp.npy")
        np.save(tmp_vec, mat.astype(np.float32))
        tmp_keys = self.key_path.with_suffix(".tmp")
        tmp_keys.write_text("\n".join(keys) + "\n", "utf-8")
        os.replace(tmp_vec, self.vec_path)
        os.replace(tmp_keys, self.key_path)
        self._dirty = False


class CachedEmbedder:
    """Wraps a real embedder (``name``/``dim``/prefixes/``count_tokens`` pass through)."""

    def __init__(self, inner: Any, cache_dir: Path, dataset: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.max_tokens = inner.max_tokens
        stem = f"{dataset}-{inner.name.replace('/', '_').replace(':', '_')}"
        self.passages = VectorCache(cache_dir, stem + "-passages", inner.dim)
        self.queries = VectorCache(cache_dir, stem + "-queries", inner.dim)
        self.misses = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo = [i for i, k in enumerate(keys) if self.passages.get(k) is None]
        if todo:
            fresh = self.inner.embed_passages([texts[i] for i in todo])
            for j, i in enumerate(todo):
                self.passages.put(keys[i], fresh[j])
            self.misses += len(todo)
            self.passages.flush()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.passages.get(k) for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        key = text_key(text)
        vec = self.queries.get(key)
        if vec is None:
            vec = self.inner.embed_query(text)
            self.queries.put(key, vec)
            self.misses += 1
        return np.asarray(vec, dtype=np.float32)

    def flush(self) -> None:
        self.passages.flush()
        self.queries.flush()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
