"""Two app replicas on one database through ``PgBackend``: a rebuild on one is picked up by the
other without restart, only one rebuild runs at a time, and its progress is shared."""

from __future__ import annotations

import numpy as np
import pytest
from test_pg_store import synthetic_version

from foerderberater.builder import BuildProgress
from foerderberater.settings import Settings

pytest.importorskip("psycopg", reason="psycopg ist nicht installiert")

from foerderberater.pg_backend import PgBackend  # noqa: E402
from foerderberater.pg_store import DatabaseLockedError  # noqa: E402

pytest_plugins = ("pg_fixtures",)


class _Vectors:
    """Query 'embedding' for synthetic test data: a fixed unit vector (never a real model)."""

    name = "test"
    dim = 384
    query_prefix = passage_prefix = ""
    max_tokens = 512

    def embed_query(self, text: str) -> np.ndarray:
        v = np.ones(self.dim, dtype=np.float32)
        return v / np.linalg.norm(v)


def test_rebuild_on_one_replica_is_served_by_the_other_without_restart(pg_url: str) -> None:
    a, b = PgBackend(pg_url), PgBackend(pg_url)
    a.migrate()
    emb, settings = _Vectors(), Settings()
    with a.build_session(full=True) as session:
        assert session.previous() is None
        session.progress(BuildProgress("embed", 3, 6))
        assert b.jobs.latest().stage == "embed"
        with pytest.raises(DatabaseLockedError), b.build_session():
            pass
        first = session.publish(*synthetic_version(3, 2, seed=1, word="alpha"))
    assert b.jobs.latest().state == "done" and b.jobs.latest().version == first
    r1 = b.retriever(emb, settings)
    assert r1.pg.name == first and r1.lexical("alpha", 5)
    assert b.retriever(emb, settings) is r1  # unchanged pointer: same loaded version

    with b.build_session() as session:
        prev = session.previous()
        assert prev.name == first and prev.lexical is None
        reused = prev.chunks_of("d00001.md")
        assert len(reused) == 2 and reused[0][1].shape == (384,)
        second = session.publish(*synthetic_version(4, 2, seed=2, word="beta"))
    r2 = b.retriever(emb, settings)
    assert r2 is not r1 and r2.pg.name == second
    assert a.retriever(emb, settings).pg.name == second  # the other replica too
    hits = r2.search("beta")
    assert hits and all("beta" in h.chunk.text for h in hits if h.lexical_rank)


def test_a_failed_rebuild_is_recorded_and_keeps_the_live_version(pg_url: str) -> None:
    a, b = PgBackend(pg_url), PgBackend(pg_url)
    a.migrate()
    with a.build_session() as session:
        live = session.publish(*synthetic_version(2, 2))
    with pytest.raises(RuntimeError), a.build_session():
        raise RuntimeError("PDF kaputt")
    job = b.jobs.latest()
    assert job.state == "failed" and "PDF kaputt" in job.error
    assert b.pointer() == live
    with b.build_session():  # the lock was released
        pass
