"""On-disk index versions: FAISS vectors, SQLite chunks/metadata, BM25, manifest.

Layout of the index directory::

    CURRENT              name of the live version (replaced atomically)
    versions/<name>/     manifest.json, vectors.faiss, chunks.sqlite3 (documents, chunks,
                         sentences), sentence_vectors.npy, lexical/
    .tmp-<name>/         a build in progress (never read; removed by the next build)
    .build.lock          held by the running build
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from foerderberater.core.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)
from foerderberater.core.schema import Meta, load_meta
from foerderberater.core.types import Chunk, SkippedFile
from foerderberater.index.lexical import LexicalIndex
from foerderberater.index.sentence_store import SentenceTable, write_sentences
from foerderberater.index.sentences import Sentence

SCHEMA_VERSION = 2  # 2: sentences with vectors for answer evidence
CURRENT = "CURRENT"
VERSIONS = "versions"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
CHUNKS_DB = "chunks.sqlite3"
LEXICAL = "lexical"
LOCK_FILE = ".build.lock"

_DDL = """
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, slug TEXT, title TEXT, kind TEXT,
                        sha256 TEXT, n_pages INTEGER, metadata TEXT);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id INTEGER UNIQUE, doc_id TEXT,
                     slug TEXT, title TEXT, section TEXT, pages TEXT, ordinal INTEGER, text TEXT);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE skipped (path TEXT, reason TEXT, kept_previous INTEGER);
"""


@dataclass(frozen=True)
class DocRecord:
    """One indexed document: its identity and its validated metadata."""

    doc_id: str
    slug: str
    title: str
    sha256: str
    n_pages: int
    meta: Meta

    @property
    def kind(self) -> str:
        return self.meta.dokumenttyp


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_version_dir(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text("utf-8").strip()
    path = index_dir / VERSIONS / name
    return path if name and path.is_dir() else None


def write_version(
    directory: Path,
    manifest: dict[str, Any],
    docs: Sequence[DocRecord],
    chunks: Sequence[Chunk],
    index: faiss.Index,
    lexical: LexicalIndex,
    skipped: Iterable[SkippedFile],
    sentences: Sequence[Sentence] = (),
    sentence_vectors: np.ndarray | None = None,
) -> None:
    """Write every file of a version into ``directory`` and fsync them."""
    directory.mkdir(parents=True, exist_ok=False)
    db = sqlite3.connect(directory / CHUNKS_DB)
    try:
        db.executescript(_DDL)
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?)",
            [
                (
                    d.doc_id,
                    d.slug,
                    d.title,
                    d.kind,
                    d.sha256,
                    d.n_pages,
                    json.dumps(d.meta.to_json(), ensure_ascii=False),
                )
                for d in docs
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    row,
                    c.chunk_id,
                    c.doc_id,
                    c.slug,
                    c.title,
                    c.section,
                    json.dumps(list(c.pages)),
                    c.ordinal,
                    c.text,
                )
                for row, c in enumerate(chunks)
            ],
        )
        db.executemany(
            "INSERT INTO skipped VALUES (?,?,?)",
            [(s.path, s.reason, int(s.kept_previous)) for s in skipped],
        )
        vectors = sentence_vectors if sentence_vectors is not None else np.zeros((0, index.d))
        write_sentences(db, directory, sentences, vectors)
        db.commit()
    finally:
        db.close()
    faiss.write_index(index, str(directory / VECTORS))
    lexical.save(directory / LEXICAL)
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    for path in directory.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(directory)


def read_manifest(index_dir: Path) -> tuple[Path, dict[str, Any]]:
    version = current_version_dir(index_dir)
    if version is None:
        raise IndexNotFoundError(index_dir)
    try:
        return version, json.loads((version / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"{version / MANIFEST}: {exc}") from exc


def check_compatible(
    index_dir: Path | str, manifest: dict[str, Any], embedder_name: str | None
) -> None:
    """The stored schema must be this package's; the embedder too, unless ``None``."""
    found_schema = manifest.get("schema_version")
    if found_schema != SCHEMA_VERSION:
        raise IndexMismatchError(index_dir, "schema_version", found_schema, SCHEMA_VERSION)
    found = manifest.get("embedder", {}).get("name")
    if embedder_name is not None and found != embedder_name:
        raise IndexMismatchError(index_dir, "embedder", found, embedder_name)


class IndexVersion:
    """A loaded, read-only index version."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.manifest = manifest
        try:
            self.faiss = faiss.read_index(str(directory / VECTORS))
            self.lexical = LexicalIndex.load(directory / LEXICAL)
            self._db = sqlite3.connect(
                f"file:{directory / CHUNKS_DB}?mode=ro", uri=True, check_same_thread=False
            )
            rows = self._db.execute("SELECT row, chunk_id FROM chunks ORDER BY row").fetchall()
            docs = self._db.execute("SELECT * FROM documents").fetchall()
        except (RuntimeError, OSError, sqlite3.Error, ValueError, KeyError) as exc:
            raise IndexCorruptError(f"{directory}: {exc}") from exc
        self.row_ids = np.array([cid for _, cid in rows], dtype=np.int64)
        self.row_of = {int(cid): row for row, cid in rows}
        self.docs = {
            d[0]: DocRecord(d[0], d[1], d[2], d[4], d[5], _meta(d[6], directory, d[0]))
            for d in docs
        }
        if self.faiss.ntotal != len(self.row_ids) or self.lexical.size != len(self.row_ids):
            raise IndexCorruptError(f"{directory}: vector/chunk/lexical counts differ")
        self.sentences = SentenceTable(self._db, directory)

    @property
    def name(self) -> str:
        return self.directory.name

    @property
    def index_dir(self) -> Path:
        """The index directory this version belongs to (``<index_dir>/versions/<name>``)."""
        return self.directory.parent.parent

    @property
    def location(self) -> str:
        """Where the version lives, for messages (the index directory)."""
        return str(self.index_dir)

    def __len__(self) -> int:
        return len(self.row_ids)

    def chunks_by_rows(self, rows: Sequence[int]) -> list[Chunk]:
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {
            r[0]: Chunk(r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6])), r[7], r[8])
            for r in self._db.execute(
                f"SELECT row, chunk_id, doc_id, slug, title, section, pages, ordinal, text "
                f"FROM chunks WHERE row IN ({marks})",
                [int(x) for x in rows],
            )
        }
        return [found[int(r)] for r in rows]

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of a document in text order."""
        rows = [
            r[0]
            for r in self._db.execute(
                "SELECT row FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,)
            )
        ]
        return self.chunks_by_rows(rows)

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, np.ndarray]]:
        """All chunks of a document with their stored vectors (for incremental reuse)."""
        return [(c, self.faiss.reconstruct(int(c.chunk_id))) for c in self.doc_chunks(doc_id)]

    def vectors(self) -> np.ndarray:
        """All chunk vectors in row order (copying a version, exact-search benchmarks)."""
        if not len(self):
            return np.zeros((0, self.faiss.d), dtype=np.float32)
        return faiss.downcast_index(self.faiss.index).reconstruct_n(0, len(self))

    def row_doc_ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT doc_id FROM chunks ORDER BY row")]

    def skipped(self) -> list[SkippedFile]:
        return [
            SkippedFile(p, r, bool(k))
            for p, r, k in self._db.execute("SELECT path, reason, kept_previous FROM skipped")
        ]

    def close(self) -> None:
        self._db.close()


def _meta(raw: str, directory: Path, doc_id: str) -> Meta:
    """Stored metadata JSON, validated again (the ``kind`` column is not read)."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise IndexCorruptError(f"{directory}: Metadaten von {doc_id}: {exc}") from exc
    return load_meta(data, f"{directory}: {doc_id}")


def open_current(index_dir: Path, embedder_name: str | None = None) -> IndexVersion:
    """Load the live version; with ``embedder_name`` it must have been built with that embedder
    (metadata and texts can be read without one)."""
    version, manifest = read_manifest(index_dir)
    check_compatible(index_dir, manifest, embedder_name)
    return IndexVersion(version, manifest)


def check_embedder(version: IndexVersion, embedder_name: str) -> None:
    """Raise ``IndexMismatchError`` unless ``version`` (of either backend: it needs ``location``
    and ``manifest``) was built with ``embedder_name``."""
    check_compatible(version.location, version.manifest, embedder_name)


class BuildLock:
    """The exclusive build lock (``.build.lock``): a second build fails with IndexLockedError."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise IndexLockedError(self.path) from exc
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
