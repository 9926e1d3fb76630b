"""Incremental, atomic, locked index builds."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from foerderberater import __version__
from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Chunk, SkippedFile
from foerderberater.index.backend import (
    BuildSession,
    IndexBackend,
    VersionData,
    VersionReader,
    open_index_backend,
)
from foerderberater.index.build_embed import BuildEmbedding, token_counter, vectors_for
from foerderberater.index.chunking import Chunker, ChunkerConfig
from foerderberater.index.embedding import Embedder, describe
from foerderberater.index.ingest import doc_id_for, file_sha256, load_document, scan_corpus
from foerderberater.index.lexical import ANALYZER_NAME
from foerderberater.index.limits import Limits
from foerderberater.index.pdf.extract import ExtractOptions
from foerderberater.index.pdf.ocr_cache import prune_for_corpus
from foerderberater.index.sentences import SentenceSet, document_sentences
from foerderberater.index.store import SCHEMA_VERSION, DocRecord


@dataclass(frozen=True)
class BuildProgress:
    stage: str  # "scan" | "parse" | "ocr" (a page of a scan, in parse) | "embed" | "write" | "done"
    done: int
    total: int
    detail: str = ""


ProgressFn = Callable[[BuildProgress], None]


@dataclass(frozen=True)
class BuildReport:
    version: str
    full: bool
    documents: int
    chunks: int
    pages: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    embedded_chunks: int
    seconds: float
    embedded_sentences: int = 0
    reason_full: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    # texts of new/changed documents whose vectors came from the embedding cache
    cached_chunks: int = 0
    cached_sentences: int = 0
    embedding: dict[str, object] = field(default_factory=dict)  # backend, fall-back, cache

    @property
    def partial(self) -> bool:
        return bool(self.skipped)

    def to_json(self) -> dict[str, object]:
        """The report of ``index --json`` (``unchanged`` as a count)."""
        data = asdict(self)
        data.pop("reason_full")
        return data | {"unchanged": len(self.unchanged), "seconds": round(self.seconds, 3)}


def chunker_config(settings: Settings, embedder: Embedder) -> ChunkerConfig:
    tokens = min(settings.chunk_tokens, embedder.max_tokens - 2)
    return ChunkerConfig(tokens, min(settings.chunk_overlap_tokens, tokens // 2))


def _previous(
    session: BuildSession, embedder: Embedder, cfg: ChunkerConfig
) -> tuple[VersionReader | None, str]:
    manifest = session.previous_manifest()
    if manifest is None:
        return None, "kein vorhandener Index"
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return None, "Index-Schema geändert"
    if manifest.get("embedder") != describe(embedder):
        return None, "Embedder geändert"
    if manifest.get("chunker") != cfg.as_dict():
        return None, "Chunking-Einstellungen geändert"
    if manifest.get("lexical", {}).get("analyzer") != ANALYZER_NAME:
        return None, "Analyse für die Volltextsuche geändert"
    try:
        return session.open_previous(), ""
    except FoerderberaterError:
        return None, "vorhandener Index nicht lesbar"


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    full: bool = False,
    progress: ProgressFn | None = None,
    backend: IndexBackend | None = None,
) -> BuildReport:
    """Build or update the index of ``settings`` (``index_dir`` or the database) from
    ``settings.corpus_dir``; the backend's lock keeps builds exclusive."""
    corpus_dir = settings.corpus_dir
    if not corpus_dir.is_dir():
        raise FoerderberaterError(f"Korpus-Ordner {corpus_dir} existiert nicht")
    own = backend is None
    backend = backend or open_index_backend(settings)
    try:
        with backend.build_session(full) as session:
            t0 = time.perf_counter()

            def notify(p: BuildProgress) -> None:
                session.progress(p)
                if progress is not None:
                    progress(p)

            cfg = chunker_config(settings, embedder)
            prev, reason = None, "--full angefordert"
            if not full:
                prev, reason = _previous(session, embedder, cfg)
            try:
                with BuildEmbedding(
                    settings,
                    embedder,
                    lambda done, total: notify(BuildProgress("embed", done, total)),
                ) as emb:
                    if prev is None:  # --full or changed settings: reuse vectors of unchanged texts
                        _seed_from_live(session, emb)
                    report = _build(settings, embedder, cfg, prev, reason, notify, t0, session, emb)
            finally:
                if prev is not None:
                    prev.close()
            session.finished(report)
            return report
    finally:
        if own:
            backend.close()


def _seed_from_live(session: BuildSession, emb: BuildEmbedding) -> None:
    """Seed the embedding cache from the live version of the backend (files or database)."""
    if emb.cache_path is None or session.previous_manifest() is None:
        return
    try:
        live = session.open_previous()
    except FoerderberaterError:
        return
    try:
        emb.seed_version(live)
    finally:
        live.close()


def _build(
    settings: Settings,
    embedder: Embedder,
    cfg: ChunkerConfig,
    prev: VersionReader | None,
    reason_full: str,
    notify: ProgressFn,
    t0: float,
    session: BuildSession,
    emb: BuildEmbedding,
) -> BuildReport:
    corpus_dir = settings.corpus_dir
    limits = Limits(settings.max_file_mb, settings.max_chunks_per_doc, cfg.chunk_tokens)
    chunker = Chunker(cfg, token_counter(embedder), limits)
    prev_files = prev.manifest.get("files", {}) if prev else {}
    scan = scan_corpus(corpus_dir, limits.max_file_bytes)
    files = list(scan.files)
    pdf_options = ExtractOptions.from_settings(settings)  # OCR cache: <index_dir>/ocr-cache
    notify(BuildProgress("scan", len(files), len(files), f"{len(files)} Dateien"))

    docs: dict[str, DocRecord] = {}
    kept: dict[str, list[tuple[Chunk, np.ndarray]]] = {}
    fresh: dict[str, list[Chunk]] = {}
    sentences = SentenceSet()
    skipped: list[SkippedFile] = []
    added, changed, unchanged = [], [], []
    for skip in scan.skipped:  # too large: an older version stays; a symlink's content goes
        keep_old = bool(prev and skip.keep_previous and skip.path in prev.docs)
        skipped.append(SkippedFile(skip.path, skip.reason, keep_old))
        if keep_old and prev is not None:
            docs[skip.path] = prev.docs[skip.path]
            kept[skip.path] = prev.chunks_of(skip.path)
            sentences.keep(skip.path, prev.sentences.with_vectors(skip.path))
    for i, path in enumerate(files, 1):
        doc_id = doc_id_for(path, corpus_dir)
        sha = file_sha256(path)
        notify(BuildProgress("parse", i, len(files), doc_id))

        def on_ocr(done: int, todo: int, page: int, i: int = i, doc_id: str = doc_id) -> None:
            # files read so far stay the count; the detail names the scan page being read
            detail = f"{doc_id}: Seite {page} ({done + 1} von {todo} ohne Textlayer)"
            notify(BuildProgress("ocr", i, len(files), detail))

        if prev and prev_files.get(doc_id, {}).get("sha256") == sha and doc_id in prev.docs:
            docs[doc_id] = prev.docs[doc_id]
            kept[doc_id] = prev.chunks_of(doc_id)
            sentences.keep(doc_id, prev.sentences.with_vectors(doc_id))
            unchanged.append(doc_id)
            continue
        try:
            doc = load_document(
                path, corpus_dir, sha, limits, pdf_options=pdf_options, ocr_progress=on_ocr
            )
            chunks = chunker.chunk(doc)
        except FoerderberaterError as exc:
            keep_old = bool(prev and doc_id in prev.docs)
            reason = getattr(exc, "reason", str(exc))
            skipped.append(SkippedFile(doc_id, reason, keep_old))
            if keep_old and prev is not None:
                docs[doc_id] = prev.docs[doc_id]
                kept[doc_id] = prev.chunks_of(doc_id)
                sentences.keep(doc_id, prev.sentences.with_vectors(doc_id))
            continue
        if not chunks:
            skipped.append(SkippedFile(doc_id, "kein verwertbarer Text nach dem Aufteilen"))
            continue
        docs[doc_id] = DocRecord(
            doc_id=doc.doc_id,
            slug=doc.slug,
            title=doc.title,
            sha256=sha,
            n_pages=len([p for p in doc.pages if p.number > 0]),
            meta=doc.meta,
        )
        fresh[doc_id] = chunks
        doc_sentences = document_sentences(doc, chunks)
        sentences.add(doc_id, doc_sentences)
        if prev is not None and doc_id in prev.docs:
            emb.seed_version(prev, [doc_id])  # a changed file: its unchanged texts are reused
        emb.add_chunks(chunks)  # embedded in the background while the next file is parsed
        emb.add_sentences([s.text for s in doc_sentences])
        (changed if doc_id in prev_files else added).append(doc_id)
    t_parse = time.perf_counter() - t0

    emb.show_progress()
    new_vectors = emb.finish()
    embedding = emb.close()  # the worker exits here: its memory is returned before writing
    counts = emb.counts()
    new_chunks = [c for cs in fresh.values() for c in cs]
    chunk_vectors = vectors_for(new_vectors, [c.embedding_text() for c in new_chunks], embedder.dim)
    vec_of = {c.chunk_id: chunk_vectors[i] for i, c in enumerate(new_chunks)}
    sentences.set_vectors(vectors_for(new_vectors, sentences.missing_texts(), embedder.dim))
    t_embed = time.perf_counter() - t0 - t_parse

    all_chunks: list[Chunk] = []
    vectors: list[np.ndarray] = []
    for doc_id in sorted(docs):
        if doc_id in kept:
            for chunk, vec in kept[doc_id]:
                all_chunks.append(chunk)
                vectors.append(vec)
        else:
            for chunk in fresh[doc_id]:
                all_chunks.append(chunk)
                vectors.append(vec_of[chunk.chunk_id])
    matrix = (
        np.vstack(vectors).astype(np.float32)
        if vectors
        else np.zeros((0, embedder.dim), dtype=np.float32)
    )

    removed = sorted(set(prev_files) - set(docs) - {s.path for s in skipped})
    now = dt.datetime.now(dt.UTC)
    name = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "embedder": describe(embedder),
        "chunker": cfg.as_dict(),
        "lexical": {"analyzer": ANALYZER_NAME},
        "embedding": embedding,  # how the vectors were made (information only, never compared)
        "build_time": now.isoformat(timespec="seconds"),
        "documents": len(docs),
        "chunks": len(all_chunks),
        "files": {
            d.doc_id: {
                "sha256": d.sha256,
                "kind": d.kind,
                "title": d.title,
                "pages": d.n_pages,
                "chunks": sum(1 for c in all_chunks if c.doc_id == d.doc_id),
            }
            for d in docs.values()
        },
        "skipped": [
            {"path": s.path, "reason": s.reason, "kept_previous": s.kept_previous} for s in skipped
        ],
    }
    notify(BuildProgress("write", 0, 1, name))
    all_sentences, sentence_vectors = sentences.ordered(sorted(docs), embedder.dim)
    manifest["sentences"] = len(all_sentences)
    session.publish(
        VersionData(
            name,
            manifest,
            list(docs.values()),
            all_chunks,
            matrix,
            skipped,
            all_sentences,
            sentence_vectors,
            embedder.dim,
        )
    )
    # OCR of PDFs no longer in the corpus; a file skipped as too large keeps its OCR
    too_large = [corpus_dir / s.path for s in scan.skipped if s.keep_previous]
    prune_for_corpus(settings.index_dir, [*files, *too_large])
    emb.prune([c.embedding_text() for c in all_chunks] + [s.text for s in all_sentences])
    seconds = time.perf_counter() - t0
    notify(BuildProgress("done", 1, 1, name))
    return BuildReport(
        version=name,
        full=prev is None,
        documents=len(docs),
        chunks=len(all_chunks),
        pages=sum(d.n_pages for d in docs.values()),
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=tuple(unchanged),
        skipped=tuple(skipped),
        embedded_chunks=counts.embedded_chunks,
        seconds=seconds,
        embedded_sentences=counts.embedded_sentences,
        reason_full=reason_full if prev is None else "",
        timings={"parse_chunk": t_parse, "embed": t_embed, "write": seconds - t_parse - t_embed},
        cached_chunks=counts.cached_chunks,
        cached_sentences=counts.cached_sentences,
        embedding=embedding,
    )
