"""Where index versions live: embedded files (default) or PostgreSQL (a database URL).

``IndexBackend`` is what the advisor and the builder need from storage: the name of the live
version (polled before every question, so a new version is picked up without restart), the
live version opened for reading, and a locked build session that hands over the previous
version for incremental reuse, records progress and publishes a finished version atomically.
``open_index_backend(settings)`` picks the implementation: ``FileBackend`` (FAISS + SQLite +
BM25 files in ``index_dir``) unless ``settings.database_url`` is set (``index.pg.backend``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import faiss
import numpy as np

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Chunk, SkippedFile
from foerderberater.index.lexical import LexicalIndex
from foerderberater.index.sentences import Sentence
from foerderberater.index.store import (
    CURRENT,
    LOCK_FILE,
    VERSIONS,
    BuildLock,
    DocRecord,
    IndexVersion,
    current_version_dir,
    fsync_dir,
    open_current,
    read_manifest,
    write_version,
)

if TYPE_CHECKING:
    from foerderberater.index.builder import BuildProgress, BuildReport


@dataclass(frozen=True)
class VersionData:
    """A finished version as the builder hands it to the backend (rows in document order)."""

    name: str
    manifest: dict[str, Any]
    docs: Sequence[DocRecord]
    chunks: Sequence[Chunk]
    vectors: np.ndarray  # float32, L2-normalised, row-aligned with ``chunks``
    skipped: Sequence[SkippedFile]
    sentences: Sequence[Sentence]
    sentence_vectors: np.ndarray  # row-aligned with ``sentences``
    dim: int

    def lexical(self) -> LexicalIndex:
        return LexicalIndex.build([c.embedding_text() for c in self.chunks])


class SentenceReader(Protocol):
    """The quotable sentences of a version per document, row-aligned with their vectors:
    ``store.SentenceTable`` (SQLite + .npy) and ``pg.version.PgSentenceTable`` (one table per
    version) return the same values, so answers are the same on both backends."""

    def sentences_of(self, doc_id: str) -> Sequence[Sentence]: ...

    def sentence_vectors(self, doc_id: str) -> np.ndarray | None: ...

    def with_vectors(self, doc_id: str) -> list[tuple[Sentence, np.ndarray]]: ...

    def doc_words(self, doc_id: str) -> frozenset[str]: ...


class VersionReader(Protocol):
    """A published version as search, answers and the Projekt-Check read it (both backends)."""

    name: str
    manifest: dict[str, Any]
    docs: dict[str, DocRecord]

    @property
    def location(self) -> str: ...

    @property
    def lexical(self) -> LexicalIndex: ...

    @property
    def sentences(self) -> SentenceReader: ...

    def __len__(self) -> int: ...

    def chunks_by_rows(self, rows: Sequence[int]) -> list[Chunk]: ...

    def doc_chunks(self, doc_id: str) -> list[Chunk]: ...

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, np.ndarray]]: ...

    def row_doc_ids(self) -> list[str]: ...

    def vectors(self) -> np.ndarray: ...

    def skipped(self) -> list[SkippedFile]: ...

    def close(self) -> None: ...


class BuildSession(Protocol):
    """One rebuild holding the backend's exclusive build lock."""

    def previous_manifest(self) -> dict[str, Any] | None:
        """Manifest of the live version (None: there is none or it is unreadable)."""

    def open_previous(self) -> VersionReader:
        """The live version, for reusing unchanged documents (chunks, vectors, sentences)."""

    def progress(self, p: BuildProgress) -> None: ...

    def publish(self, data: VersionData) -> None:
        """Write ``data`` as a new version and make it the live one atomically."""

    def finished(self, report: BuildReport) -> None: ...


@dataclass(frozen=True)
class JobState:
    """The latest build as every replica's admin tab shows it (shared backends only)."""

    running: bool
    full: bool
    stage: str
    done: int
    total: int
    detail: str
    started: str
    finished: str
    error: str
    version: str
    host: str
    stages: tuple[str, ...] = ()
    report: dict[str, Any] | None = None
    abandoned: bool = False  # "running", but its process is gone (killed)


class BuildJobs(Protocol):
    def latest(self) -> JobState | None: ...


class IndexBackend(Protocol):
    kind: str  # "files" | "postgresql"
    location: str  # index directory or database, for messages (no password)

    def pointer(self) -> str | None:
        """Name of the live version (cheap; None when nothing is published)."""

    def open_current(self, embedder_name: str | None = None) -> VersionReader: ...

    def build_session(self, full: bool = False) -> AbstractContextManager[BuildSession]:
        """Raises ``IndexLockedError`` while another build holds the lock."""

    @property
    def jobs(self) -> BuildJobs | None:
        """Build progress shared by all processes (None: only the building process knows)."""

    def close(self) -> None: ...


def version_data(version: VersionReader) -> VersionData:
    """Everything of a published version, to write it unchanged into another backend (moving
    an embedded index into PostgreSQL without embedding anything again)."""
    chunks = version.chunks_by_rows(list(range(len(version))))
    vectors = np.asarray(version.vectors(), dtype=np.float32)
    dim = int(version.manifest.get("embedder", {}).get("dim") or vectors.shape[1])
    sentences: list[Sentence] = []
    rows: list[np.ndarray] = []
    for doc_id in sorted(version.docs):  # the order the builder writes them in
        pairs = version.sentences.with_vectors(doc_id)
        sentences.extend(s for s, _ in pairs)
        rows.extend(v for _, v in pairs)
    svecs = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    return VersionData(
        version.name,
        dict(version.manifest),
        [version.docs[d] for d in sorted(version.docs)],
        chunks,
        vectors,
        version.skipped(),
        sentences,
        svecs,
        dim,
    )


def copy_version(source: VersionReader, target: IndexBackend) -> VersionData:
    """Publish ``source`` unchanged (chunks, vectors, sentences, metadata) as a new version of
    ``target``, under the target's build lock; nothing is embedded again."""
    data = version_data(source)
    now = dt.datetime.now(dt.UTC)
    name = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    manifest = data.manifest | {"copied_from": f"{source.location}: {source.name}"}
    data = dataclasses.replace(data, name=name, manifest=manifest)
    with target.build_session(full=True) as session:
        session.publish(data)
    return data


# ---------------------------------------------------------------------------- files
@dataclass
class _FileSession:
    index_dir: Path
    _manifest: tuple[Path, dict[str, Any]] | None = field(default=None, init=False)

    def previous_manifest(self) -> dict[str, Any] | None:
        try:
            self._manifest = read_manifest(self.index_dir)
        except FoerderberaterError:
            return None
        return self._manifest[1]

    def open_previous(self) -> IndexVersion:
        directory, manifest = self._manifest or read_manifest(self.index_dir)
        return IndexVersion(directory, manifest)

    def progress(self, p: BuildProgress) -> None:
        """The building process reports progress itself (no shared state)."""

    def publish(self, data: VersionData) -> None:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(data.dim))
        if len(data.chunks):
            index.add_with_ids(
                np.asarray(data.vectors, dtype=np.float32),
                np.array([c.chunk_id for c in data.chunks], dtype=np.int64),
            )
        tmp = self.index_dir / f".tmp-{data.name}"
        write_version(
            tmp,
            data.manifest,
            list(data.docs),
            list(data.chunks),
            index,
            data.lexical(),
            data.skipped,
            list(data.sentences),
            data.sentence_vectors,
        )
        publish_directory(self.index_dir, tmp, data.name)

    def finished(self, report: BuildReport) -> None:
        """Nothing to record: the report goes back to the caller."""


def publish_directory(index_dir: Path, tmp: Path, name: str) -> None:
    """Move a finished version in place and switch CURRENT atomically; keep one older version."""
    versions = index_dir / VERSIONS
    versions.mkdir(exist_ok=True)
    previous = current_version_dir(index_dir)
    os.rename(tmp, versions / name)
    fsync_dir(versions)
    pointer_tmp = index_dir / f".{CURRENT}.{name}"
    with pointer_tmp.open("w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    fsync_dir(index_dir)
    keep = {name, previous.name if previous else ""}
    for old in versions.iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


class FileBackend:
    """Index versions as files under ``index_dir`` (one machine; the default)."""

    kind = "files"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.location = str(self.index_dir)

    def pointer(self) -> str | None:
        try:
            return (self.index_dir / CURRENT).read_text("utf-8").strip()
        except OSError:
            return None

    def open_current(self, embedder_name: str | None = None) -> IndexVersion:
        return open_current(self.index_dir, embedder_name)

    @contextmanager
    def build_session(self, full: bool = False) -> Iterator[_FileSession]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with BuildLock(self.index_dir / LOCK_FILE):
            for stale in self.index_dir.glob(".tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)
            for stale in self.index_dir.glob(f".{CURRENT}.*"):  # pointer of a publish cut short
                stale.unlink(missing_ok=True)
            yield _FileSession(self.index_dir)

    @property
    def jobs(self) -> None:
        return None

    def close(self) -> None:
        """Nothing held open."""


def open_index_backend(settings: Settings) -> IndexBackend:
    """The backend the settings choose (PostgreSQL only when ``database_url`` is set)."""
    if settings.database_url:
        from foerderberater.index.pg.backend import PgBackend

        return PgBackend(settings)
    return FileBackend(settings.index_dir)
