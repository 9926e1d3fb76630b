"""Two app replicas on one PostgreSQL database, each with its own checkout of the corpus (as on
two hosts): a version published through one is served by the other without restart, one rebuild
at a time with its progress in every admin tab, shared feedback, a lock-out on one holds on the
other, uploads reach the other replica's corpus, and a rebuild killed with SIGKILL leaves the
live version untouched and the lock free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from foerderberater.core.errors import IndexNotFoundError
from foerderberater.core.settings import Settings
from foerderberater.web import admin_ops as ops
from foerderberater.web import auth
from foerderberater.web import handlers as h
from foerderberater.web.context import AppContext, create_context

pytest.importorskip("psycopg", reason="psycopg fehlt – bitte `make setup-dev` ausführen")

pytest_plugins = ("pg_fixtures",)
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "geheim-123"
DOC = "uploads/upload-pilzzucht.md"  # the upload route's name rule (security.upload_check)
UPLOAD = "# Pilzzucht im Tagebau\n\nChampignonkultur in stillgelegten Stollen des Tagebaus.\n"


class GateEmbedder(FakeEmbedder):
    """The fake embedder, held at its first passage batch until ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.gate.wait(120)
        return super().embed_passages(texts)


def host(root: Path, programme_md: Callable[..., str]) -> Path:
    corpus = root / "corpus" / "programme"
    corpus.mkdir(parents=True)
    (corpus / "waermenetz.md").write_text(programme_md(), "utf-8")
    (corpus / "wasserstoff.md").write_text(
        programme_md(
            {"titel": "Wasserstoff-Offensive Thüringen", "kurzname": "WOT"},
            body="## Kurzbeschreibung\n\nZuschüsse für Elektrolyseure in Thüringen.\n",
        ),
        "utf-8",
    )
    return root


def replica(root: Path, url: str, embedder: FakeEmbedder, build: FakeEmbedder) -> AppContext:
    settings = Settings(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        database_url=url,
        upload_store="database",
        database_poll_seconds=0,
        admin_password=PASSWORD,
        min_relevance=0.0,
    )
    return create_context(settings, embedder=embedder, build_embedder=lambda: build)


@pytest.fixture
def two(pg_url: str, tmp_path: Path, fake: FakeEmbedder, programme_md) -> list[AppContext]:
    gate = GateEmbedder()
    gate.gate.set()
    return [replica(host(tmp_path / name, programme_md), pg_url, fake, gate) for name in ("a", "b")]


def admin(ctx: AppContext, client: str = "10.0.0.1") -> h.Session:
    session = h.Session()
    assert ops.login(ctx, session, PASSWORD, client) == "Angemeldet."
    return session


def built(ctx: AppContext, full: bool = False) -> None:
    assert "gestartet" in ops.start_build(ctx, admin(ctx), full)
    ctx.builds.wait(120)
    job = ctx.builds.snapshot()
    assert not job.error and job.report is not None, job.error


def test_a_version_published_by_one_replica_is_served_by_the_other(two) -> None:
    a, b = two
    with pytest.raises(IndexNotFoundError):
        b.advisor.version  # noqa: B018 - nothing published yet
    built(a, full=True)
    job = b.builds.snapshot()  # the other replica's admin tab shows the finished build
    assert not job.running and job.report.documents == 2 and job.report.version
    assert {"parse", "embed", "write", "done"} <= set(job.history)
    assert b.advisor.version.name == job.report.version == a.advisor.version.name
    rec = h.ask(b, h.Session(), "Zuschuss für Elektrolyseure", h.make_filters())
    assert rec.answer.sources[0].doc_id == "programme/wasserstoff.md"

    # an upload through A reaches B's corpus; B rebuilds; A serves it without restart
    cache = a.settings.corpus_dir.parent / "gradio-upload"  # A's upload route stored it
    upload = cache / "abc123" / "pilzzucht.md"
    upload.parent.mkdir(parents=True)
    upload.write_text(UPLOAD, "utf-8")
    a.uploads.record([str(upload)], "10.0.0.1")
    assert DOC in ops.upload(a, admin(a), str(upload), "10.0.0.1", upload_folder=cache)
    session_b = admin(b)
    rows = {r[0]: r for r in ops.document_rows(b, session_b, ops.index_info(b, session_b)[0])}
    assert rows[DOC][3] == "nein"
    built(b)
    assert b.builds.snapshot().report.added == (DOC,)
    rec = h.ask(a, h.Session(), "Champignonkultur im Stollen", h.make_filters())
    assert rec.answer.sources[0].doc_id == DOC
    assert rec.version == b.advisor.version.name

    # removed on B: gone from A's corpus and, after A's rebuild, from the index of both
    assert "Entfernt" in ops.remove(b, session_b, DOC, True)
    assert DOC not in {r[0] for r in ops.document_rows(a, admin(a))}
    built(a)
    assert DOC not in b.advisor.version.docs


def test_one_rebuild_at_a_time_with_its_progress_on_every_replica(two) -> None:
    a, b = two
    built(a, full=True)
    gate = a.builds._embedder_factory()
    gate.gate.clear()
    (a.settings.corpus_dir / "neu.md").write_text(UPLOAD, "utf-8")
    assert "gestartet" in ops.start_build(a, admin(a), False)
    deadline = time.monotonic() + 60
    while b.builds.snapshot().stage != "embed" and time.monotonic() < deadline:
        time.sleep(0.05)
    job = b.builds.snapshot()
    assert job.running and job.stage == "embed"
    assert b.builds.running
    assert ops.start_build(b, admin(b), True) == "Es läuft bereits ein Indexaufbau."
    with pytest.raises(h.UserError, match="Während des Indexaufbaus"):
        ops.remove(b, admin(b), "programme/waermenetz.md", True)
    gate.gate.set()
    a.builds.wait(120)
    job = b.builds.snapshot()
    assert not job.running and job.report.added == ("neu.md",)
    assert b.advisor.version.name == job.report.version


def test_feedback_and_lockouts_are_shared(two) -> None:
    a, b = two
    built(a, full=True)
    session = h.Session()
    h.ask(a, session, "Wärmenetze für Kommunen", h.make_filters())
    assert "gespeichert" in h.submit_feedback(a, session, 0, "👎", "falsch", "Quelle fehlt")
    rows = h.feedback_rows(b, "", "", "Quelle fehlt")
    assert len(rows) == 1 and rows[0][5] == "Wärmenetze für Kommunen"
    assert rows[0][7] == b.advisor.version.name

    for _ in range(3):
        assert ops.login(a, h.Session(), "falsch", "1.2.3.4") == "Falsches Passwort."
    refused = h.Session()
    assert "Zu viele Fehlversuche" in ops.login(b, refused, PASSWORD, "1.2.3.4")
    assert auth.role_of(b, refused) is None
    assert ops.login(b, h.Session(), PASSWORD, "5.6.7.8") == "Angemeldet."


def test_a_stale_replica_reopens_the_live_version_after_gc(
    pg_url: str, tmp_path: Path, fake: FakeEmbedder, programme_md
) -> None:
    """Replica A checks the pointer only every hour; B publishes twice, and its garbage
    collection drops the version A still serves: A's next question reopens the live one."""
    from foerderberater.advisor import Advisor
    from foerderberater.core.errors import VersionGoneError

    def advisor(name: str) -> Advisor:
        root = host(tmp_path / name, programme_md)
        settings = Settings(
            corpus_dir=root / "corpus",
            index_dir=root / "index",
            database_url=pg_url,
            database_poll_seconds=3600,
            min_relevance=0.0,
        )
        return Advisor(settings, embedder=fake)

    a, b = advisor("a"), advisor("b")
    b.build(full=True)
    question = "Zuschuss für Elektrolyseure"
    first = a.ask(question)
    assert first.sources[0].doc_id == "programme/wasserstoff.md"
    old = a.version.name
    extra = b.settings.corpus_dir / "neu.md"
    for n in (1, 2):  # two publishes: the live one and one older version are kept
        extra.write_text(UPLOAD.replace("Pilzzucht", f"Pilzzucht {n}"), "utf-8")
        b.build()
    live = b.version.name
    assert old not in {live} and a.backend.pointer() == old  # A has not looked again yet
    with pytest.raises(VersionGoneError):  # what A's retriever meets without the reopen
        a.retriever().search(question, None)
    answer = a.ask(question)
    assert answer.index_version == live and a.version.name == live
    assert answer.text == b.ask(question).text
    assert a.search("Champignonkultur im Stollen")[0].chunk.doc_id == "neu.md"


def test_a_full_rebuild_on_another_host_reuses_the_vectors_in_the_database(
    pg_url: str, tmp_path: Path, counting, programme_md
) -> None:
    """The embedding cache is local to the building host; a --full build on a host without it
    fills it from the live version in the database and embeds nothing again."""
    from foerderberater.index.builder import build_index

    def settings(name: str) -> Settings:
        root = host(tmp_path / name, programme_md)
        return Settings(corpus_dir=root / "corpus", index_dir=root / "index", database_url=pg_url)

    first = build_index(settings("a"), counting, full=True)
    assert first.embedded_chunks == first.chunks > 0 and counting.calls > 0
    counting.reset()
    other = settings("b")
    assert not (other.index_dir / "embed-cache.sqlite3").exists()
    report = build_index(other, counting, full=True)
    assert report.full and report.cached_chunks == report.chunks and counting.calls == 0
    assert report.cached_sentences > 0 and report.embedded_sentences == 0


_SLOW_BUILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from conftest import FakeEmbedder
from foerderberater.core.settings import Settings
from foerderberater.index.builder import build_index

class Slow(FakeEmbedder):
    def embed_passages(self, texts):
        time.sleep(0.5 * len(texts))  # the bulk session may hand over all texts at once
        return super().embed_passages(texts)

build_index(Settings.from_env(embed_batch_size=1, embed_cache=False), Slow(), full=True)
"""


@pytest.mark.integration
def test_a_rebuild_killed_with_sigkill_leaves_the_live_version_and_frees_the_lock(two) -> None:
    a, b = two
    built(a, full=True)
    live = b.advisor.version.name
    s = a.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOERDERBERATER_")}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        FOERDERBERATER_CORPUS_DIR=str(s.corpus_dir),
        FOERDERBERATER_INDEX_DIR=str(s.index_dir),
        FOERDERBERATER_DATABASE_URL=s.database_url,
    )
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, str(ROOT / "tests")], env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = b.builds.snapshot()
            if job.running and job.stage == "embed":
                break
            time.sleep(0.1)
        assert job.running and job.stage == "embed", job
        assert not b.builds.start()  # the other process holds the rebuild
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # the server ends the killed session when it notices the closed socket: lock and job free
    deadline = time.monotonic() + 60
    while b.builds.snapshot().running and time.monotonic() < deadline:
        time.sleep(0.2)
    job = b.builds.snapshot()
    assert not job.running and "abgebrochen" in job.error
    assert b.advisor.version.name == live  # still served, complete
    assert len(b.advisor.version.docs) == 2
    built(b)  # the next rebuild takes the lock and publishes
    assert a.advisor.version.name == b.builds.snapshot().report.version != live
