"""Shared state across replicas on a real PostgreSQL: feedback, login lock-outs, build jobs."""

from __future__ import annotations

import pytest

from foerderberater.builder import BuildProgress
from foerderberater.feedback import FeedbackError, FeedbackRecord

pytest.importorskip("psycopg", reason="psycopg ist nicht installiert")

from foerderberater.pg_db import PgDatabase  # noqa: E402
from foerderberater.pg_state import PgBuildJobs, PgFeedbackStore, PgLoginGuard  # noqa: E402
from foerderberater.pg_store import PgIndex  # noqa: E402

pytest_plugins = ("pg_fixtures",)


@pytest.fixture
def two_replicas(pg_url: str) -> tuple[PgDatabase, PgDatabase]:
    PgIndex(PgDatabase(pg_url)).migrate()
    return PgDatabase(pg_url), PgDatabase(pg_url)


def test_feedback_written_on_one_replica_is_listed_on_the_other(two_replicas) -> None:  # noqa: ANN001
    a, b = PgFeedbackStore(two_replicas[0]), PgFeedbackStore(two_replicas[1])
    first = a.add(
        FeedbackRecord(
            rating="schlecht",
            question="Wer fördert Wärmenetze?",
            answer="Die SAB [1].",
            reason="falsche Quelle",
            comment=" 50% falsch ",
            sources=[{"number": 1, "title": "X"}],
            filters={"land": "Sachsen"},
            index_version="v1",
        )
    )
    second = b.add(FeedbackRecord(rating="gut", question="Gründung?", answer="EXIST"))
    assert second > first
    rows = a.records()
    assert [r.id for r in rows] == [second, first]
    bad = rows[1]
    assert (bad.reason, bad.comment, bad.filters, bad.sources[0]["title"]) == (
        "falsche Quelle",
        "50% falsch",
        {"land": "Sachsen"},
        "X",
    )
    assert [r.id for r in b.records(rating="schlecht")] == [first]
    assert [r.id for r in b.records(text="50%")] == [first]  # % is literal, not a wildcard
    assert b.records(text="5_%") == []
    assert "falsche Quelle" in b.to_csv(b.records())
    with pytest.raises(FeedbackError):
        a.add(FeedbackRecord(rating="mittel", question="q", answer="a"))


def test_lockout_on_one_replica_holds_on_the_other(two_replicas) -> None:  # noqa: ANN001
    a = PgLoginGuard(two_replicas[0], "geheim", free_attempts=2, base_delay=60)
    b = PgLoginGuard(two_replicas[1], "geheim", free_attempts=2, base_delay=60)
    assert a.attempt("1.2.3.4", "falsch") == (False, "Falsches Passwort.")
    assert b.wait_seconds("1.2.3.4") == 0
    assert b.attempt("1.2.3.4", "auch falsch") == (False, "Falsches Passwort.")
    # the second failure (counted across replicas) starts a 60 s lock-out everywhere
    assert 55 <= a.wait_seconds("1.2.3.4") <= 60
    ok, message = a.attempt("1.2.3.4", "geheim")
    assert not ok and "Zu viele Fehlversuche" in message
    assert b.wait_seconds("5.6.7.8") == 0
    assert b.attempt("5.6.7.8", "geheim") == (True, "Angemeldet.")
    with two_replicas[0].connection() as conn:  # lock-out over: expire it in the database
        conn.execute("UPDATE login_failures SET locked_until = now() WHERE client = '1.2.3.4'")
    assert b.attempt("1.2.3.4", "geheim") == (True, "Angemeldet.")
    assert a.wait_seconds("1.2.3.4") == 0
    assert not PgLoginGuard(two_replicas[0], "").attempt("x", "")[0]


def test_build_progress_is_visible_to_every_replica(two_replicas) -> None:  # noqa: ANN001
    index = PgIndex(two_replicas[0])
    jobs_a, jobs_b = PgBuildJobs(two_replicas[0]), PgBuildJobs(two_replicas[1])
    assert jobs_b.latest() is None
    with index.build_lock() as lock:
        job = jobs_a.start(lock, full=False)
        jobs_a.progress(job, BuildProgress("parse", 1, 3, "a.md"))
        jobs_a.progress(job, BuildProgress("parse", 3, 3, "c.md"))
        jobs_a.progress(job, BuildProgress("embed", 10, 40))
        seen = jobs_b.latest()
        assert (seen.state, seen.stage, seen.done, seen.total) == ("running", "embed", 10, 40)
        assert seen.stages == ("parse", "embed")
        jobs_a.finish(job, version="v9", report={"chunks": 40})
    done = jobs_b.latest()
    assert (done.state, done.stage, done.version) == ("done", "done", "v9")
