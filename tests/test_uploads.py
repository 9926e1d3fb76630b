"""Corpus uploads and removals: type by content, safe names, size limit, no path traversal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from foerderberater.web.uploads import (
    UploadError,
    detect_type,
    list_corpus,
    remove_document,
    resolve_document,
    safe_filename,
    save_upload,
)

MD = "# Wärmepumpen im Revier\n\nEin kurzer Text über Wärmepumpen in Leipzig und Halle.\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "programme").mkdir(parents=True)
    (root / "programme" / "a.md").write_text(MD, "utf-8")
    return root


def test_detect_type_by_content():
    assert detect_type(b"%PDF-1.7\n...") == "pdf"
    assert detect_type("---\ntitel: Ä\n---\n# Text".encode()) == "markdown"
    assert detect_type(b"MZ\x90\x00\x03\x00") is None  # Windows executable
    assert detect_type(b"\x89PNG\r\n\x1a\n") is None
    assert detect_type("Öl".encode("latin-1") + b" und mehr") is None
    assert detect_type("abc ä".encode()[:-1]) == "markdown"  # cut multi-byte char at the end


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Förderübersicht 2025 (final).PDF", "pdf", "foerderuebersicht-2025-final.pdf"),
        ("../../etc/passwd", "markdown", "passwd.md"),
        ("..\\..\\boot.ini", "markdown", "boot-ini.md"),
        ("programm.pdf", "markdown", "programm.md"),  # the content decides the extension
        ("README.md", "markdown", "dokument-readme.md"),
        ("???.md", "markdown", "dokument.md"),
        (".versteckt.md", "markdown", "versteckt.md"),
    ],
)
def test_safe_filename(name, kind, expected):
    assert safe_filename(name, kind) == expected


def test_save_markdown_and_unique_names(corpus, tmp_path):
    src = tmp_path / "Wärme Studie.pdf"  # misleading name: the content is text
    src.write_text(MD, "utf-8")
    first = save_upload(corpus, src, src.name, 1_000_000)
    assert first.doc_id == "uploads/waerme-studie.md" and first.kind == "markdown"
    second = save_upload(corpus, src, src.name, 1_000_000)
    assert second.doc_id == "uploads/waerme-studie-2.md"
    assert sorted(f.doc_id for f in list_corpus(corpus)) == [
        "programme/a.md",
        "uploads/waerme-studie-2.md",
        "uploads/waerme-studie.md",
    ]
    assert not [p for p in (corpus / "uploads").iterdir() if p.name.startswith(".")]


def test_rejections(corpus, tmp_path):
    big = tmp_path / "gross.md"
    big.write_text(MD * 100, "utf-8")
    with pytest.raises(UploadError, match="zu groß"):
        save_upload(corpus, big, big.name, 1000)
    empty = tmp_path / "leer.md"
    empty.write_bytes(b"")
    with pytest.raises(UploadError, match="leer"):
        save_upload(corpus, empty, empty.name, 1000)
    exe = tmp_path / "tool.md"
    exe.write_bytes(b"MZ\x90\x00" + bytes(100))
    with pytest.raises(UploadError, match="Dateityp nicht erkannt"):
        save_upload(corpus, exe, exe.name, 10_000)
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")  # no %%EOF
    with pytest.raises(UploadError, match="nicht verwendbar"):
        save_upload(corpus, broken, broken.name, 10_000)
    bad_front = tmp_path / "programm.md"
    bad_front.write_text("---\ntitel: [kaputt\n---\nText über Förderung im Revier.\n", "utf-8")
    with pytest.raises(UploadError, match="YAML"):
        save_upload(corpus, bad_front, bad_front.name, 10_000)
    with pytest.raises(UploadError, match="Pfad"):
        save_upload(corpus, _text(tmp_path), "x.md", 10_000, subdir="../aussen")
    assert not (corpus.parent / "aussen").exists()


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "ok.md"
    path.write_text(MD, "utf-8")
    return path


def test_save_pdf_checked_with_ingest(corpus, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Eine Studie über Wasserstoff im Mitteldeutschen Revier. " * 5)
    src = tmp_path / "studie.bin"
    pdf.output(str(src))
    stored = save_upload(corpus, src, "Studie H2.pdf", 1_000_000)
    assert stored.doc_id == "uploads/studie-h2.pdf" and stored.kind == "pdf"


def test_scanned_pdf_upload_is_accepted_for_ocr_at_build_time(corpus, tmp_path, make_scanned_pdf):
    """The upload check does not OCR (the admin would wait): a scan is stored, the build reads
    it by OCR or reports why it cannot; a broken PDF is still refused."""
    scan = make_scanned_pdf(tmp_path / "scan.bin")
    stored = save_upload(corpus, scan, "Bescheid (Scan).pdf", 1_000_000)
    assert stored.doc_id == "uploads/bescheid-scan.pdf" and stored.path.is_file()
    broken = tmp_path / "kaputt.bin"
    broken.write_bytes(scan.read_bytes()[:400])
    with pytest.raises(UploadError, match="abgeschnitten"):
        save_upload(corpus, broken, "kaputt.pdf", 1_000_000)


def test_resolve_and_remove_stay_inside_the_corpus(corpus, tmp_path):
    outside = tmp_path / "geheim.md"
    outside.write_text(MD, "utf-8")
    for bad in (
        "../geheim.md",
        "/etc/passwd",
        "programme/../../geheim.md",
        "",
        ".git/config",
        "programme/\x00.md",
        "programme",
    ):
        with pytest.raises(UploadError):
            resolve_document(corpus, bad)
    os.symlink(outside, corpus / "programme" / "link.md")
    with pytest.raises(UploadError, match="Symlink"):
        remove_document(corpus, "programme/link.md")
    (corpus / "studien").mkdir()
    (corpus / "studien" / "s.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "studien" / "s.yaml").write_text("titel: S\n", "utf-8")
    assert remove_document(corpus, "studien/s.pdf") == ["studien/s.pdf", "studien/s.yaml"]
    assert remove_document(corpus, "programme/a.md") == ["programme/a.md"]
    assert outside.exists()
