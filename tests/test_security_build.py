"""Index builds with hostile corpora (fake embedder, fast): symlinks, bad names, limits, scans.

The same holes are probed end to end through the CLI with the real model in tests/security;
these tests pin the builder rules: what is skipped, with which reason, and what stays indexed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from foerderberater.core.types import Document, Page
from foerderberater.index.builder import build_index
from foerderberater.index.chunking import Chunker, ChunkerConfig
from foerderberater.index.ingest import load_document
from foerderberater.index.limits import DocumentTooLarge, Limits
from foerderberater.index.store import open_current

TEXT = "# Wärmenetze\n\nDie Kommune fördert Wärmenetze und Wärmepumpen im Revier bei Leipzig.\n"


def _skips(report) -> dict[str, tuple[str, bool]]:
    return {s.path: (s.reason, s.kept_previous) for s in report.skipped}


def test_symlinked_content_leaves_the_index_and_is_reported(make_settings, fake, tmp_path):
    settings = make_settings()
    corpus = settings.corpus_dir
    (corpus / "a.md").write_text(TEXT, "utf-8")
    secret = tmp_path / "aussen" / "geheim.md"
    secret.parent.mkdir()
    secret.write_text("# Geheim\n\nGehälter der Geschäftsführung: vertraulich.\n", "utf-8")
    os.symlink(secret, corpus / "verweis.md")
    report = build_index(settings, fake)
    reason, kept = _skips(report)["verweis.md"]
    assert "aus dem Korpus heraus" in reason and not kept
    version = open_current(settings.index_dir)
    try:
        assert list(version.docs) == ["a.md"]
        assert not any("Gehälter" in c.text for c in version.doc_chunks("a.md"))
    finally:
        version.close()


def test_non_utf8_name_is_skipped_and_the_build_goes_on(make_settings, fake):
    settings = make_settings()
    (settings.corpus_dir / "a.md").write_text(TEXT, "utf-8")
    with open(os.path.join(os.fsencode(settings.corpus_dir), b"f\xfcr.md"), "wb") as fh:
        fh.write(TEXT.encode())
    report = build_index(settings, fake)
    assert report.documents == 1 and report.partial
    assert "kein gültiges UTF-8" in _skips(report)["f\\xfcr.md"][0]


def test_oversized_file_keeps_its_previous_version(make_settings, fake):
    settings = make_settings(max_file_mb=1)
    corpus = settings.corpus_dir
    (corpus / "a.md").write_text(TEXT, "utf-8")
    (corpus / "b.md").write_text(TEXT.replace("Wärmenetze", "Glasfaser"), "utf-8")
    first = build_index(settings, fake)
    assert first.documents == 2
    (corpus / "b.md").write_text(TEXT + "x" * (1024 * 1024), "utf-8")
    second = build_index(settings, fake)
    reason, kept = _skips(second)["b.md"]
    assert "Datei zu groß" in reason and "FOERDERBERATER_MAX_FILE_MB" in reason and kept
    assert second.documents == 2 and second.chunks == first.chunks and second.embedded_chunks == 0
    version = open_current(settings.index_dir)
    try:  # the kept version keeps its answer evidence (sentences with vectors) too
        assert any("Glasfaser" in s.text for s, _ in version.sentences.with_vectors("b.md"))
    finally:
        version.close()


def test_text_too_large_for_the_chunk_limit_is_refused_before_reading(make_settings, fake):
    settings = make_settings(max_chunks_per_doc=10)
    corpus = settings.corpus_dir
    (corpus / "a.md").write_text(TEXT, "utf-8")
    line = "Der Strukturwandel im Revier braucht Fachkräfte, Flächen und Förderung.\n"
    (corpus / "riesig.txt").write_text(line * 20_000, "utf-8")  # 1.5 MB, min. 700 chunks
    start = time.perf_counter()
    report = build_index(settings, fake)
    assert time.perf_counter() - start < 20
    reason, kept = _skips(report)["riesig.txt"]
    assert "Dokument zu groß: mindestens" in reason and "MAX_CHUNKS_PER_DOC" in reason
    assert report.documents == 1 and not kept


def test_chunker_stops_at_the_chunk_limit(fake):
    pages = tuple(Page(n, f"{n}. Abschnitt\n\n" + "Ein Satz über Förderung. " * 40) for n in (1, 2))
    doc = Document("s.pdf", "s", "S", pages)
    limits = Limits(max_chunks_per_doc=3, chunk_tokens=32)
    with pytest.raises(DocumentTooLarge, match="mehr als 3 Abschnitte"):
        Chunker(ChunkerConfig(32, 0), fake.count_tokens, limits).chunk(doc)
    assert len(Chunker(ChunkerConfig(32, 0), fake.count_tokens).chunk(doc)) > 3


def test_load_document_refuses_a_huge_text_without_reading_it(tmp_path):
    huge = tmp_path / "riesig.md"
    with huge.open("wb") as fh:  # sparse: 2 GB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    start = time.perf_counter()
    with pytest.raises(DocumentTooLarge, match="zu groß"):
        load_document(huge, tmp_path, limits=Limits())
    assert time.perf_counter() - start < 1


def test_near_identical_pages_are_text_not_a_scan(tmp_path: Path, make_pdf, fake: FakeEmbedder):
    lines = [
        "Anträge für den Ausbau von Glasfaser stellen Kommunen bei der Bewilligungsstelle.",
        "Gefördert werden Wirtschaftlichkeitslücken bis zu 90 Prozent.",
        "Der Eigenanteil der Kommune beträgt mindestens 10 Prozent.",
    ]
    pages = [[f"Merkblatt Breitbandförderung, Ausfertigung {n}", *lines] for n in (1, 2, 3)]
    doc = load_document(make_pdf(tmp_path / "m.pdf", pages, header=None, footer=False), tmp_path)
    assert "Eigenanteil" in doc.pages[0].text and len(doc.pages) == 3
    study = load_document(make_pdf(tmp_path / "s.pdf"), tmp_path)  # real headers still go
    assert not any("Seethermie-Studie Geiseltal" in p.text for p in study.pages)
