"""Index builds: incremental updates, bad input, mismatch, atomicity (fake embedder), and
builds killed at any moment (real e5 in a subprocess)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CountingEmbedder, FakeEmbedder
from pypdf import PdfWriter

from foerderberater.advisor import Advisor
from foerderberater.core.errors import (
    FoerderberaterError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)
from foerderberater.core.messages import explain
from foerderberater.core.schema import ProgrammeMeta, StudyMeta, load_meta
from foerderberater.core.settings import Settings
from foerderberater.index.builder import build_index
from foerderberater.index.embedding import E5Embedder
from foerderberater.index.store import (
    CURRENT,
    LOCK_FILE,
    MANIFEST,
    VECTORS,
    VERSIONS,
    BuildLock,
    IndexVersion,
    open_current,
)

TXT = "Der Revierfonds unterstützt Vereine im Burgenlandkreis bei Projekten zur Industriekultur."
NEW_TXT = "Ein Radwegenetz verbindet die Tagebauseen im Leipziger Neuseenland mit der Stadt."


@pytest.fixture
def corpus(
    make_settings: Callable[..., Settings],
    make_pdf: Callable[..., Path],
    programme_md: Callable[..., str],
) -> Settings:
    """Settings over a small corpus: a programme, a plain text and a three-page study PDF."""
    settings = make_settings()
    c = settings.corpus_dir
    (c / "programme").mkdir()
    (c / "programme" / "waermenetz.md").write_text(programme_md(), encoding="utf-8")
    (c / "revierfonds.txt").write_text(TXT, encoding="utf-8")
    make_pdf(c / "studien" / "seethermie.pdf")
    return settings


def _open(settings: Settings, embedder: str = FakeEmbedder.name) -> IndexVersion:
    return open_current(settings.index_dir, embedder)


def _texts_of(version: IndexVersion, doc_id: str) -> list[str]:
    return [c.embedding_text() for c, _ in version.chunks_of(doc_id)]


def _embedded_of(version: IndexVersion, doc_id: str) -> list[str]:
    """What a build embeds for a document: its chunk texts, then its sentences."""
    return _texts_of(version, doc_id) + [s.text for s in version.sentences.sentences_of(doc_id)]


def _vectors_of(version: IndexVersion, doc_id: str) -> np.ndarray:
    return np.vstack([v for _, v in version.chunks_of(doc_id)])


def test_first_build_indexes_everything(corpus: Settings, counting: CountingEmbedder) -> None:
    report = build_index(corpus, counting)
    assert report.full and report.reason_full == "kein vorhandener Index"
    assert sorted(report.added) == [
        "programme/waermenetz.md",
        "revierfonds.txt",
        "studien/seethermie.pdf",
    ]
    assert report.documents == 3 and report.pages == 3 and not report.skipped
    assert not report.partial
    assert report.embedded_chunks == report.chunks
    assert report.embedded_chunks + report.embedded_sentences == len(counting.passages)

    version = _open(corpus)
    assert len(version) == version.faiss.ntotal == report.chunks
    assert version.manifest["files"]["studien/seethermie.pdf"]["pages"] == 3
    record = version.docs["programme/waermenetz.md"]
    assert record.kind == "Programm" and record.meta == load_meta(
        json.loads(json.dumps(record.meta.to_json())), "test"
    )
    assert isinstance(record.meta, ProgrammeMeta) and record.meta.kurzname == "WNF"
    assert version.docs["studien/seethermie.pdf"].meta == StudyMeta(seiten=3)
    pdf_chunks = [c for c, _ in version.chunks_of("studien/seethermie.pdf")]
    assert [c.page for c in pdf_chunks] == sorted(c.page for c in pdf_chunks)
    assert {c.page for c in pdf_chunks} == {1, 2, 3}
    # the stored vectors are the embedder's vectors of exactly these texts
    texts = _texts_of(version, "revierfonds.txt")
    np.testing.assert_allclose(
        _vectors_of(version, "revierfonds.txt"), counting.inner.embed_passages(texts), atol=1e-5
    )
    version.close()

    hits = Advisor(corpus, embedder=counting).search("Seethermie Großwärmepumpe Braunsbedra")
    assert hits[0].chunk.doc_id == "studien/seethermie.pdf" and hits[0].chunk.page == 2


def test_incremental_add_change_delete(corpus: Settings, counting: CountingEmbedder) -> None:
    build_index(corpus, counting)
    before = _open(corpus)
    old_pdf_vectors = _vectors_of(before, "studien/seethermie.pdf")
    old_txt_ids = [c.chunk_id for c, _ in before.chunks_of("revierfonds.txt")]
    old_txt_texts = set(_embedded_of(before, "revierfonds.txt"))
    before.close()

    # nothing changed: nothing embedded
    counting.reset()
    report = build_index(corpus, counting)
    assert not report.full and report.embedded_chunks == 0 and counting.calls == 0
    assert len(report.unchanged) == 3

    # one file added: only its chunks are embedded
    counting.reset()
    (corpus.corpus_dir / "neuseenland.txt").write_text(NEW_TXT, encoding="utf-8")
    report = build_index(corpus, counting)
    assert report.added == ("neuseenland.txt",) and not report.changed and not report.removed
    version = _open(corpus)
    assert counting.passages == _embedded_of(version, "neuseenland.txt")
    assert report.embedded_chunks + report.embedded_sentences == len(counting.passages) >= 2
    # unchanged documents keep their stored vectors (reused, not recomputed)
    np.testing.assert_array_equal(_vectors_of(version, "studien/seethermie.pdf"), old_pdf_vectors)
    version.close()

    # one file changed: only its changed chunk and its new sentence are embedded, the
    # unchanged sentences come from the embedding cache
    counting.reset()
    (corpus.corpus_dir / "revierfonds.txt").write_text(
        TXT + " Anträge stellt man bei der Stadt Zeitz.", encoding="utf-8"
    )
    report = build_index(corpus, counting)
    assert report.changed == ("revierfonds.txt",) and not report.added
    version = _open(corpus)
    new_texts = _embedded_of(version, "revierfonds.txt")
    assert counting.passages == [t for t in new_texts if t not in old_txt_texts]
    assert counting.passages and all("Zeitz" in t for t in counting.passages)
    assert report.embedded_chunks + report.embedded_sentences == len(counting.passages)
    assert report.cached_chunks + report.cached_sentences == len(new_texts) - len(counting.passages)
    assert report.cached_sentences > 0
    assert all("Zeitz" not in t for t in _texts_of(version, "neuseenland.txt"))
    version.close()

    # one file deleted: nothing embedded, its vectors are gone
    counting.reset()
    (corpus.corpus_dir / "revierfonds.txt").unlink()
    report = build_index(corpus, counting)
    assert report.removed == ("revierfonds.txt",) and counting.calls == 0
    version = _open(corpus)
    assert "revierfonds.txt" not in version.docs
    assert "revierfonds.txt" not in version.row_doc_ids()
    assert "revierfonds.txt" not in version.manifest["files"]
    assert version.faiss.ntotal == len(version) == report.chunks
    for chunk_id in old_txt_ids:
        with pytest.raises(RuntimeError):
            version.faiss.reconstruct(int(chunk_id))
    version.close()
    hits = Advisor(corpus, embedder=counting).search("Revierfonds Industriekultur Vereine")
    assert hits and all(h.chunk.doc_id != "revierfonds.txt" for h in hits)

    # --full rebuilds every document but embeds nothing: same embedder, same texts
    counting.reset()
    report = build_index(corpus, counting, full=True)
    assert report.full and report.reason_full == "--full angefordert"
    assert report.embedded_chunks == report.embedded_sentences == counting.calls == 0
    assert report.cached_chunks == report.chunks
    assert report.embedding["bulk_backend"] == "none"
    version = _open(corpus)
    assert sorted(report.added) == sorted(version.docs)
    np.testing.assert_array_equal(_vectors_of(version, "studien/seethermie.pdf"), old_pdf_vectors)
    version.close()


def test_changed_chunk_settings_trigger_full_rebuild(
    corpus: Settings, counting: CountingEmbedder
) -> None:
    build_index(corpus, counting)
    counting.reset()
    settings = Settings(corpus_dir=corpus.corpus_dir, index_dir=corpus.index_dir, chunk_tokens=96)
    report = build_index(settings, counting)
    assert report.full and report.reason_full == "Chunking-Einstellungen geändert"
    # new chunk texts are embedded; the sentences did not change and come from the cache
    assert 0 < report.embedded_chunks <= report.chunks and report.embedded_sentences == 0
    assert report.embedded_chunks + report.embedded_sentences == len(counting.passages)
    assert _open(settings).manifest["chunker"]["chunk_tokens"] == 96


def _write_bad_files(corpus_dir: Path, good_pdf: Path, scanned: Path) -> dict[str, str]:
    data = good_pdf.read_bytes()
    bad = corpus_dir / "kaputt"
    bad.mkdir()
    (bad / "leer.pdf").write_bytes(b"")
    (bad / "abgeschnitten.pdf").write_bytes(data[: len(data) // 3])
    (bad / "umbenannt.pdf").write_bytes(b"Ich bin eine Textdatei mit falscher Endung.\n" * 3)
    (bad / "yaml.md").write_text("---\ntitel: 'offen\n---\nGenug Text fuer ein Dokument.\n")
    writer = PdfWriter(clone_from=str(good_pdf))
    writer.encrypt(user_password="geheim", owner_password="chef")
    with (bad / "passwort.pdf").open("wb") as fh:
        writer.write(fh)
    (bad / "scan.pdf").write_bytes(scanned.read_bytes())
    return {
        "kaputt/leer.pdf": "leere Datei",
        "kaputt/abgeschnitten.pdf": "abgeschnitten",
        "kaputt/umbenannt.pdf": "keine PDF-Datei",
        "kaputt/yaml.md": "YAML-Front-Matter fehlerhaft",
        "kaputt/passwort.pdf": "passwortgeschützt",
        "kaputt/scan.pdf": "kein Textlayer, OCR nötig",
    }


def test_bad_files_are_reported_and_the_rest_is_indexed(
    corpus: Settings,
    counting: CountingEmbedder,
    tmp_path: Path,
    make_scanned_pdf: Callable[[Path], Path],
) -> None:
    scanned = make_scanned_pdf(tmp_path / "scan-src.pdf")
    expected = _write_bad_files(
        corpus.corpus_dir, corpus.corpus_dir / "studien" / "seethermie.pdf", scanned
    )
    report = build_index(corpus, counting)
    assert report.partial
    assert report.documents == 3
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == set(expected)
    for path, fragment in expected.items():
        assert fragment in reasons[path], (path, reasons[path])
    assert not any(s.kept_previous for s in report.skipped)
    version = _open(corpus)
    assert set(version.docs) == {
        "programme/waermenetz.md",
        "revierfonds.txt",
        "studien/seethermie.pdf",
    }
    assert {s.path for s in version.skipped()} == set(expected)
    assert {s["path"] for s in version.manifest["skipped"]} == set(expected)


def test_previous_version_stays_when_a_file_turns_bad(
    corpus: Settings, counting: CountingEmbedder
) -> None:
    build_index(corpus, counting)
    before = _open(corpus)
    pdf_texts = _texts_of(before, "studien/seethermie.pdf")
    pdf_vectors = _vectors_of(before, "studien/seethermie.pdf")
    md_texts = _texts_of(before, "programme/waermenetz.md")
    md_embedded = set(_embedded_of(before, "programme/waermenetz.md"))
    before.close()

    pdf = corpus.corpus_dir / "studien" / "seethermie.pdf"
    good_pdf = pdf.read_bytes()
    pdf.write_bytes(good_pdf[: len(good_pdf) // 2])
    md = corpus.corpus_dir / "programme" / "waermenetz.md"
    good_md = md.read_text("utf-8")
    md.write_text(good_md.replace("foerderart:", "foerderart: [offen\nx:", 1), "utf-8")

    for _ in range(2):  # also survives a second build with the file still broken
        counting.reset()
        report = build_index(corpus, counting)
        assert counting.calls == 0 and report.partial
        skipped = {s.path: s for s in report.skipped}
        assert set(skipped) == {"studien/seethermie.pdf", "programme/waermenetz.md"}
        assert all(s.kept_previous for s in skipped.values())
        assert "abgeschnitten" in skipped["studien/seethermie.pdf"].reason
        assert not report.removed and report.documents == 3
        version = _open(corpus)
        assert _texts_of(version, "studien/seethermie.pdf") == pdf_texts
        np.testing.assert_array_equal(_vectors_of(version, "studien/seethermie.pdf"), pdf_vectors)
        assert _texts_of(version, "programme/waermenetz.md") == md_texts
        assert all(s.kept_previous for s in version.skipped())
        version.close()
    hits = Advisor(corpus, embedder=counting).search("Seethermie Braunsbedra Wärmebedarf")
    assert hits[0].chunk.doc_id == "studien/seethermie.pdf"

    # restored to the indexed bytes: no longer skipped, nothing to embed
    pdf.write_bytes(good_pdf)
    counting.reset()
    report = build_index(corpus, counting)
    assert "studien/seethermie.pdf" in report.unchanged and counting.calls == 0
    assert [s.path for s in report.skipped] == ["programme/waermenetz.md"]

    # repaired with new content: parsed again, its changed texts embedded
    md.write_text(good_md.replace("40 Prozent", "45 Prozent"), "utf-8")
    report = build_index(corpus, counting)
    assert report.changed == ("programme/waermenetz.md",) and not report.skipped
    version = _open(corpus)
    new_texts = _embedded_of(version, "programme/waermenetz.md")
    assert counting.passages == [t for t in new_texts if t not in md_embedded]
    assert counting.passages and all("45 Prozent" in t for t in counting.passages)
    version.close()


def test_mismatched_embedder_or_schema(corpus: Settings, counting: CountingEmbedder) -> None:
    with pytest.raises(IndexNotFoundError):
        _open(corpus)
    build_index(corpus, counting)

    other = "sentence-transformers:/modelle/anderes"
    with pytest.raises(IndexMismatchError) as info:
        open_current(corpus.index_dir, other)
    err = info.value
    assert (err.what, err.found, err.expected) == ("embedder", FakeEmbedder.name, other)
    message = explain(err)
    assert "foerderberater index --full" in message and "embedder" in message and other in message

    # the query side (Advisor) refuses as well, before any model is loaded
    advisor = Advisor(corpus.with_overrides(embedder=other))
    with pytest.raises(IndexMismatchError):
        advisor.search("Wärmenetz")
    assert advisor._embedder is None

    version_dir = corpus.index_dir / VERSIONS / (corpus.index_dir / CURRENT).read_text().strip()
    manifest = json.loads((version_dir / MANIFEST).read_text("utf-8"))
    manifest["schema_version"] = 999
    (version_dir / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexMismatchError) as info:
        _open(corpus)
    assert info.value.what == "schema_version" and info.value.found == 999
    assert "foerderberater index --full" in explain(info.value)

    # a build notices the mismatch itself and rebuilds everything (the vectors of the same
    # embedder are reused: nothing is embedded again)
    counting.reset()
    report = build_index(corpus, counting)
    assert report.full and report.reason_full == "Index-Schema geändert"
    assert report.cached_chunks == report.chunks and counting.calls == 0
    _open(corpus).close()


def test_corrupt_index_is_detected_and_rebuilt(
    corpus: Settings, counting: CountingEmbedder
) -> None:
    build_index(corpus, counting)
    version_dir = corpus.index_dir / VERSIONS / (corpus.index_dir / CURRENT).read_text().strip()
    (version_dir / VECTORS).write_bytes(b"kaputt")
    with pytest.raises(IndexCorruptError):
        _open(corpus)
    assert "foerderberater index --full" in explain(IndexCorruptError("x"))
    report = build_index(corpus, counting)
    assert report.full and report.reason_full == "vorhandener Index nicht lesbar"
    assert len(_open(corpus)) == report.chunks


def test_versions_tmp_cleanup_and_lock(corpus: Settings, counting: CountingEmbedder) -> None:
    names = [build_index(corpus, counting).version]
    stale = corpus.index_dir / ".tmp-20240101T000000-deadbeef"
    (stale / "lexical").mkdir(parents=True)
    (stale / "chunks.sqlite3").write_bytes(b"halb geschrieben")
    stale_pointer = corpus.index_dir / f".{CURRENT}.20240101T000000-deadbeef"
    stale_pointer.write_text("20240101T000000-deadbeef\n")
    for _ in range(2):
        names.append(build_index(corpus, counting).version)
    assert not stale.exists() and not stale_pointer.exists()
    # CURRENT names the newest version; exactly one older version is kept
    assert (corpus.index_dir / CURRENT).read_text().strip() == names[-1]
    assert sorted(p.name for p in (corpus.index_dir / VERSIONS).iterdir()) == sorted(names[1:])
    assert not list(corpus.index_dir.glob(".tmp-*"))

    with BuildLock(corpus.index_dir / LOCK_FILE), pytest.raises(IndexLockedError) as info:
        build_index(corpus, counting)
    assert "läuft bereits ein Indexaufbau" in explain(info.value)
    assert (corpus.index_dir / CURRENT).read_text().strip() == names[-1]
    build_index(corpus, counting)  # the lock is released again


def test_empty_corpus_builds_an_empty_index(make_settings, counting: CountingEmbedder) -> None:
    settings = make_settings()
    report = build_index(settings, counting)
    assert report.documents == report.chunks == 0 and counting.calls == 0
    version = _open(settings)
    assert len(version) == 0
    assert Advisor(settings, embedder=counting).search("Wärmenetz") == []


def test_missing_corpus_dir(
    make_settings: Callable[..., Settings], counting: CountingEmbedder, tmp_path: Path
) -> None:
    settings = make_settings().with_overrides(corpus_dir=tmp_path / "gibt-es-nicht")
    with pytest.raises(FoerderberaterError, match="existiert nicht"):
        build_index(settings, counting)


# --------------------------------------------------------------------------- killed builds


def _big_corpus(corpus_dir: Path, n: int) -> None:
    """``n`` documents of three sections each: a build that embeds for a few seconds."""
    towns = ["Borna", "Zeitz", "Altenburg", "Markranstädt", "Hohenmölsen", "Weißenfels"]
    for i in range(n):
        town = towns[i % len(towns)]
        (corpus_dir / "viel" / f"projekt-{i:02d}.md").write_text(
            f"# Projekt {i} in {town}\n\n## Vorhaben\n\nDie Gemeinde {town} plant Vorhaben "
            f"Nummer {i}: ein Gewerbegebiet mit {i + 3} Hektar, einem eigenen Wärmenetz und "
            "Anschluss an die Bundesstraße für Logistikbetriebe.\n\n## Finanzierung\n\n"
            f"Die Kosten von {i + 2} Millionen Euro tragen Land, Bund und Kreis gemeinsam; der "
            "Eigenanteil der Gemeinde liegt bei zehn Prozent der förderfähigen Ausgaben.\n\n"
            f"## Zeitplan\n\nDer Bau beginnt {2026 + i % 3} und soll nach drei Jahren "
            "abgeschlossen sein, die ersten Betriebe ziehen im Folgejahr ein.\n",
            encoding="utf-8",
        )


def _start_build(settings: Settings, env_fn: Callable[..., dict[str, str]]) -> subprocess.Popen:
    env = env_fn(
        {
            "FOERDERBERATER_CORPUS_DIR": str(settings.corpus_dir),
            "FOERDERBERATER_INDEX_DIR": str(settings.index_dir),
            "FOERDERBERATER_CHUNK_TOKENS": str(settings.chunk_tokens),
            "FOERDERBERATER_CHUNK_OVERLAP_TOKENS": str(settings.chunk_overlap_tokens),
            "FOERDERBERATER_EMBED_BATCH_SIZE": "2",
        }
    )
    return subprocess.Popen(
        [sys.executable, "-m", "foerderberater", "index"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(
    proc: subprocess.Popen,
    predicate: Callable[[str], bool],
    then: Callable[[], bool] | None = None,
) -> bool:
    """SIGKILL ``proc`` once a progress line on stderr satisfies ``predicate`` and, if given,
    ``then()`` turns true (polled). Returns False if the build finished before that (the
    caller sees it: the new version is live)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=120)
            if line is None:
                raise AssertionError("build ended before the kill point:\n" + "".join(seen))
            seen.append(line)
            if predicate(line):
                break
        while then is not None and not then():
            if proc.poll() is not None:
                return False
            time.sleep(0.0005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    return True


def _restore(index_dir: Path, baseline: str) -> None:
    """Undo a build that published before it could be killed: the baseline is live again."""
    (index_dir / CURRENT).write_text(baseline + "\n", "utf-8")
    for version in (index_dir / VERSIONS).iterdir():
        if version.name != baseline:
            shutil.rmtree(version)


@pytest.mark.integration
@pytest.mark.slow
def test_killed_builds_leave_the_previous_index_usable(
    corpus: Settings,
    e5: E5Embedder,
    clean_env: Callable[..., dict[str, str]],
) -> None:
    baseline = build_index(corpus, e5).version
    (corpus.corpus_dir / "viel").mkdir()
    _big_corpus(corpus.corpus_dir, 20)

    def embed_at(pct: int) -> Callable[[str], bool]:
        return lambda line: line.startswith("Abschnitte einbetten") and f"({pct} %)" in line

    def writing() -> bool:  # the new version is being written, not yet published
        return bool(list(corpus.index_dir.glob(".tmp-*")))

    moments = [
        ("beim Einlesen", lambda line: line.startswith("Dateien:"), None),
        ("mitten im Einbetten", embed_at(50), None),
        ("beim Schreiben der neuen Version", embed_at(100), writing),
    ]
    for label, predicate, then in moments:
        for _attempt in range(5):
            proc = _start_build(corpus, clean_env)
            _kill_when(proc, predicate, then)
            current = (corpus.index_dir / CURRENT).read_text().strip()
            if current == baseline:
                break  # killed before publishing
            _restore(corpus.index_dir, baseline)  # too late: the build got through; again
        else:
            pytest.fail(f"{label}: in 5 Versuchen nie vor dem Veröffentlichen abgebrochen")
        # the previous version is still the live one, complete and consistent
        version = _open(corpus, "e5")
        assert version.name == baseline, label
        assert version.faiss.ntotal == len(version) == version.manifest["chunks"], label
        version.close()
        hits = Advisor(corpus, embedder=e5).search("Seethermie Großwärmepumpe Braunsbedra")
        assert hits and hits[0].chunk.doc_id == "studien/seethermie.pdf", label

    # the next build removes whatever a killed build left behind and embeds nothing new
    (corpus.index_dir / ".tmp-20240101T000000-abgebrochen").mkdir()
    for path in (corpus.corpus_dir / "viel").iterdir():
        path.unlink()
    counting = CountingEmbedder(e5)
    report = build_index(corpus, counting)
    assert counting.calls == 0 and report.documents == 3
    assert not list(corpus.index_dir.glob(".tmp-*"))
