"""Corpus walk rules (symlinks, undecodable names, special files, doc_id clashes) and limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from foerderberater.core.errors import ConfigError, IngestError
from foerderberater.index.chunking import additive_token_counter
from foerderberater.index.ingest import discover, scan_corpus
from foerderberater.index.limits import (
    DocumentTooLarge,
    Limits,
    check_chunk_count,
    check_text_size,
    file_size_reason,
    min_chunks,
)
from foerderberater.index.walk import safe_name, walk_corpus

SUFFIXES = (".pdf", ".md", ".markdown", ".txt")
IGNORED = {"readme.md", "readme.txt", "license", "license.md"}
PROJECT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def walk(corpus: Path, **kwargs):
    return walk_corpus(corpus, suffixes=SUFFIXES, ignored_names=IGNORED, **kwargs)


def reasons(result) -> dict[str, str]:
    return {s.path: s.reason for s in result.skipped}


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for rel in ("programme/zim.md", "studien/b.pdf", "studien/a.txt", "README.md", "x.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("# Text\n\nInhalt.\n", "utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "config.md").write_text("geheim", "utf-8")
    (root / "studien" / ".tmp-123-upload-x.md").write_text("halb", "utf-8")
    return root


def test_plain_corpus(corpus):
    result = walk(corpus)
    assert [p.relative_to(corpus).as_posix() for p in result.files] == [
        "programme/zim.md",
        "studien/a.txt",
        "studien/b.pdf",
    ]
    assert result.skipped == ()


def test_the_shipped_corpus_walks_without_skips():
    if not PROJECT_CORPUS.is_dir():
        pytest.skip("corpus/ des Projekts fehlt")
    result = scan_corpus(PROJECT_CORPUS)
    assert result.skipped == () and len(result.files) > 50
    assert list(result.files) == discover(PROJECT_CORPUS) == list(walk(PROJECT_CORPUS).files)
    # what the old rglob discovery found: every supported file except READMEs and hidden ones
    old = sorted(
        p
        for p in PROJECT_CORPUS.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and p.name.lower() not in IGNORED
        and not any(part.startswith(".") for part in p.relative_to(PROJECT_CORPUS).parts)
    )
    assert list(result.files) == old


def test_symlinks_are_never_followed(corpus, tmp_path):
    outside = tmp_path / "aussen"
    outside.mkdir()
    (outside / "geheim.md").write_text("# Geheim\n", "utf-8")
    (corpus / "programme" / "leck.md").symlink_to(outside / "geheim.md")
    (corpus / "extern").symlink_to(outside)
    (corpus / "programme" / "tot.md").symlink_to(tmp_path / "fehlt.md")
    (corpus / "programme" / "kopie.md").symlink_to(corpus / "programme" / "zim.md")
    (corpus / "programme" / "bild.png").symlink_to(outside / "geheim.md")  # not a corpus type
    result = walk(corpus)
    assert all(not p.is_symlink() for p in result.files)
    found = reasons(result)
    assert "aus dem Korpus heraus" in found["programme/leck.md"]
    assert "aus dem Korpus heraus" in found["extern"]
    assert "ins Leere" in found["programme/tot.md"]
    assert "im Korpus" in found["programme/kopie.md"]
    assert "programme/bild.png" not in found


def test_undecodable_names_are_reported_safely_and_the_walk_goes_on(corpus):
    root = os.fsencode(corpus)
    with open(os.path.join(root, b"programme", b"f\xfcrderung.md"), "wb") as fh:
        fh.write(b"# Text\n")
    os.mkdir(os.path.join(root, b"alt\xe4"))
    with open(os.path.join(root, b"alt\xe4", b"x.md"), "wb") as fh:
        fh.write(b"# Text\n")
    result = walk(corpus)
    found = reasons(result)
    assert "kein gültiges UTF-8" in found["programme/f\\xfcrderung.md"]
    assert "Ordnername" in found["alt\\xe4"]
    assert len(result.files) == 3
    for skip in result.skipped:
        skip.path.encode("utf-8")  # printable, encodable: safe for logs, JSON and HTML


def test_special_files_and_size_limit(corpus):
    os.mkfifo(corpus / "studien" / "rohr.md")
    (corpus / "studien" / "gross.txt").write_bytes(b"x" * 3000)
    result = walk(corpus, max_file_bytes=2000)
    found = reasons(result)
    assert "keine gewöhnliche Datei" in found["studien/rohr.md"]
    assert "zu groß" in found["studien/gross.txt"] and "MAX_FILE_MB" in found["studien/gross.txt"]


def test_doc_ids_are_unique_and_curated_files_win(corpus):
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "zim.md").write_text("# Hochgeladen\n", "utf-8")
    (corpus / "studien" / "zim.pdf").write_bytes(b"%PDF-1.4")
    result = walk(corpus)
    rel = [p.relative_to(corpus).as_posix() for p in result.files]
    assert (
        "programme/zim.md" in rel and "uploads/zim.md" not in rel and "studien/zim.pdf" not in rel
    )
    found = reasons(result)
    assert "programme/zim.md" in found["uploads/zim.md"]
    assert "schon vergeben" in found["studien/zim.pdf"]


def test_safe_name_escapes_control_characters():
    assert safe_name("a\nb.md") == "a\\nb.md"
    assert safe_name(b"f\xfcr.md") == "f\\xfcr.md"
    assert safe_name("Förderung.md") == "Förderung.md"


def test_limits_and_reasons():
    assert Limits() == Limits(50, 3000, 256)
    limits = Limits(max_file_mb=2, max_chunks_per_doc=100)
    assert limits.max_file_bytes == 2 * 1024 * 1024
    for bad in ({"max_file_mb": 0}, {"max_chunks_per_doc": 0}, {"chunk_tokens": 0}):
        with pytest.raises(ConfigError):
            Limits(**bad)
    assert file_size_reason(2 * 1024 * 1024, limits.max_file_bytes) is None
    assert "höchstens 2 MB" in file_size_reason(3 * 1024 * 1024, limits.max_file_bytes)


def test_text_size_is_refused_before_chunking():
    limits = Limits()
    assert min_chunks(0, 256) == 0 and min_chunks(2048, 256) == 1
    check_text_size("klein.txt", 1_000_000, limits)  # about 500 pages of text: fine
    with pytest.raises(DocumentTooLarge, match="zu groß") as too_big:
        check_text_size("riesig.txt", 50 * 1024 * 1024, limits)
    assert isinstance(too_big.value, IngestError) and too_big.value.path == "riesig.txt"
    assert "mindestens 25.600 Abschnitte" in too_big.value.reason
    assert "höchstens 3.000, einstellbar" in too_big.value.reason
    check_chunk_count("a.pdf", 3000, limits)
    with pytest.raises(DocumentTooLarge, match="mehr als 3.000 Abschnitte"):
        check_chunk_count("a.pdf", 3001, limits)


def test_additive_counter_with_a_constant_overhead():
    def count(text: str) -> int:  # 4 per call (prefix, special tokens) + one per word
        return 4 + len(text.split())

    counted = additive_token_counter(count)
    assert counted("eins zwei drei") == 3 and counted("") == 0


def test_additive_counter_makes_e5_counts_add_up(e5):
    counted = additive_token_counter(e5.count_tokens)
    text = (
        "Die Landesregierung fördert den Strukturwandel im Mitteldeutschen Revier mit "
        "Zuschüssen für Investitionen, Forschung und Qualifizierung von Fachkräften."
    )
    words = text.split()
    assert abs(sum(counted(w) for w in words) - counted(text)) <= 2
    assert sum(e5.count_tokens(w) for w in words) > 2 * e5.count_tokens(text)  # the old bias
