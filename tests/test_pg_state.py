"""Shared state across replicas on a real PostgreSQL: feedback, login lock-outs, build jobs,
corpus uploads (two connection pools = two replicas)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from foerderberater.core.errors import FeedbackError
from foerderberater.index.builder import BuildProgress
from foerderberater.security.throttle import LoginResult, LoginThrottle, ThrottlePolicy
from foerderberater.web.feedback import FeedbackRecord

pytest.importorskip("psycopg", reason="psycopg fehlt – bitte `make setup-dev` ausführen")

from foerderberater.index.pg.db import PgDatabase  # noqa: E402
from foerderberater.index.pg.jobs import PgBuildJobs  # noqa: E402
from foerderberater.index.pg.state import (  # noqa: E402
    PgCorpusFiles,
    PgQuotaStore,
    PgThrottleStore,
)
from foerderberater.index.pg.store import PgIndex  # noqa: E402
from foerderberater.web.feedback_pg import PgFeedbackStore  # noqa: E402

pytest_plugins = ("pg_fixtures",)


@pytest.fixture
def two_replicas(pg_url: str) -> tuple[PgDatabase, PgDatabase]:
    PgIndex(PgDatabase(pg_url)).migrate()
    return PgDatabase(pg_url), PgDatabase(pg_url)


def test_feedback_written_on_one_replica_is_listed_on_the_other(two_replicas) -> None:
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
    assert bad.created.endswith("+00:00") and bad.index_version == "v1"
    assert [r.id for r in b.records(rating="schlecht")] == [first]
    assert [r.id for r in b.records(text="50%")] == [first]  # % is literal, not a wildcard
    assert [r.id for r in b.records(text="wärmenetze")] == [first]
    assert b.records(text="5_%") == []
    assert "falsche Quelle" in b.to_csv(b.records())
    with pytest.raises(FeedbackError):
        a.add(FeedbackRecord(rating="mittel", question="q", answer="a"))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_lockout_on_one_replica_holds_on_the_other(two_replicas) -> None:
    clock = Clock()
    policy = ThrottlePolicy(free_attempts=2, base_delay=60, max_delay=900)
    a = LoginThrottle(policy, PgThrottleStore(two_replicas[0]), clock)
    b = LoginThrottle(policy, PgThrottleStore(two_replicas[1]), clock)

    def attempt(throttle: LoginThrottle, client: str, password: str) -> LoginResult:
        return throttle.attempt(client, "admin", lambda: password == "geheim")

    assert attempt(a, "1.2.3.4", "falsch") == LoginResult(False, failures=1)
    assert b.wait_seconds("1.2.3.4", "admin") == 0
    assert attempt(b, "1.2.3.4", "auch falsch") == LoginResult(False, failures=2)
    # the second failure (counted across replicas) starts a 60 s lock-out everywhere
    assert a.wait_seconds("1.2.3.4", "admin") == 60
    assert a.wait_seconds("1.2.3.4", "staff") == 0  # per (client, account)
    assert attempt(a, "1.2.3.4", "geheim") == LoginResult(False, wait_seconds=60)
    assert b.wait_seconds("5.6.7.8", "admin") == 0
    assert attempt(b, "5.6.7.8", "geheim") == LoginResult(True)
    clock.now += 30
    assert b.wait_seconds("1.2.3.4", "admin") == 30
    assert attempt(b, "1.2.3.4", "falsch") == LoginResult(False, wait_seconds=30)  # not counted
    clock.now += 31
    assert attempt(b, "1.2.3.4", "nochmal falsch") == LoginResult(False, failures=3)
    assert a.wait_seconds("1.2.3.4", "admin") == 120  # third failure: the wait doubles
    clock.now += 121
    assert attempt(a, "1.2.3.4", "geheim") == LoginResult(True)  # success clears the counter
    assert b.store.get(("1.2.3.4", "admin")) is None


def test_concurrent_failures_on_two_replicas_all_count(two_replicas) -> None:
    policy = ThrottlePolicy(free_attempts=100, base_delay=1, max_delay=10)
    throttles = [LoginThrottle(policy, PgThrottleStore(db)) for db in two_replicas]

    def fail(throttle: LoginThrottle) -> None:
        for _ in range(10):
            throttle.attempt("9.9.9.9", "admin", lambda: False)

    threads = [threading.Thread(target=fail, args=(t,)) for t in throttles for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert throttles[0].store.get(("9.9.9.9", "admin")).failures == 40
    assert throttles[1].store.get(("9.9.9.9", "staff")) is None  # per account


def test_upload_quota_is_shared_by_the_replicas(two_replicas) -> None:
    from foerderberater.web.guard import UploadQuota

    a = UploadQuota(1000, store=PgQuotaStore(two_replicas[0]))
    b = UploadQuota(1000, store=PgQuotaStore(two_replicas[1]))
    assert a.charge("1.2.3.4", 600)
    assert not b.charge("1.2.3.4", 500)  # 600 already booked through A
    assert b.charge("1.2.3.4", 400)  # exactly the quota
    assert not a.charge("1.2.3.4", 1)
    assert a.charge("5.6.7.8", 1000)  # per client
    assert not a.charge("9.9.9.9", 1001)  # larger than the quota: nothing booked
    assert b.charge("9.9.9.9", 1000)
    # the window runs on the database clock: after it, the client starts from zero
    short = PgQuotaStore(two_replicas[1])
    assert not short.charge("1.2.3.4", 1, 1000, 0.3)
    time.sleep(0.4)
    assert short.charge("1.2.3.4", 900, 1000, 0.3)
    assert not PgQuotaStore(two_replicas[0]).charge("1.2.3.4", 200, 1000, 0.3)


def test_concurrent_uploads_on_two_replicas_never_exceed_the_quota(two_replicas) -> None:
    stores = [PgQuotaStore(db) for db in two_replicas]
    booked: list[int] = []

    def upload(store: PgQuotaStore) -> None:
        for _ in range(15):
            if store.charge("7.7.7.7", 100, 2000, 3600):
                booked.append(100)

    threads = [threading.Thread(target=upload, args=(s,)) for s in stores for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(booked) == 2000  # 60 attempts of 100 bytes: exactly 20 booked, no lost update
    with two_replicas[0].connection() as conn:
        used = conn.execute("SELECT used FROM upload_quota WHERE client = '7.7.7.7'").fetchone()
    assert used[0] == 2000


def test_build_progress_is_visible_to_every_replica(two_replicas) -> None:
    index = PgIndex(two_replicas[0])
    jobs_a, jobs_b = PgBuildJobs(two_replicas[0]), PgBuildJobs(two_replicas[1])
    assert jobs_b.latest() is None
    with index.build_lock() as lock:
        job = jobs_a.start(lock, full=False)
        jobs_a.progress(job, BuildProgress("parse", 1, 3, "a.md"))
        jobs_a.progress(job, BuildProgress("parse", 3, 3, "c.md"))
        jobs_a.progress(job, BuildProgress("embed", 10, 40))
        seen = jobs_b.latest()
        assert (seen.running, seen.stage, seen.done, seen.total) == (True, "embed", 10, 40)
        assert seen.stages == ("parse", "embed") and not seen.abandoned
        jobs_a.finish(job, version="v9", report={"chunks": 40})
    done = jobs_b.latest()
    assert (done.running, done.stage, done.version, done.report) == (
        False,
        "done",
        "v9",
        {"chunks": 40},
    )


def test_uploads_in_the_database_reach_every_replicas_corpus(two_replicas, tmp_path: Path) -> None:
    a, b = PgCorpusFiles(two_replicas[0]), PgCorpusFiles(two_replicas[1])
    corpus_a, corpus_b = tmp_path / "a", tmp_path / "b"
    (corpus_b / "programme").mkdir(parents=True)
    (corpus_b / "programme" / "bleibt.md").write_text("aus dem Repository", "utf-8")
    (corpus_b / "programme" / "weg.md").write_text("wird entfernt", "utf-8")
    a.put("uploads/neu.md", b"# Neu\n\nHochgeladen auf A.")
    a.remove("programme/weg.md")
    result = b.sync(corpus_b)
    assert result.written == ("uploads/neu.md",) and result.removed == ("programme/weg.md",)
    assert (corpus_b / "uploads" / "neu.md").read_text("utf-8").endswith("auf A.")
    assert not (corpus_b / "programme" / "weg.md").exists()
    assert (corpus_b / "programme" / "bleibt.md").exists()  # never heard of: untouched
    assert b.sync(corpus_b).written == ()  # unchanged hash: nothing rewritten
    b.put("uploads/neu.md", b"# Neu\n\nGeaendert auf B.")
    corpus_a.mkdir()
    assert a.sync(corpus_a).written == ("uploads/neu.md",)
    assert (corpus_a / "uploads" / "neu.md").read_bytes().endswith(b"auf B.")
    assert b.sync(corpus_b).written == ("uploads/neu.md",)
    a.put("../ausserhalb.md", b"nie")  # a path outside the corpus is never written
    assert b.sync(corpus_b).written == () and not (tmp_path / "ausserhalb.md").exists()
