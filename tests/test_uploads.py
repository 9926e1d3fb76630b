"""Corpus uploads and removals: checked with ingest, ``upload-`` names, no path traversal.

Size, type and "only a file from the upload folder" are the upload checks of
``security.upload_check`` (tests/test_security_upload.py); here the web side stores them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from foerderberater.security.upload_check import accept_upload
from foerderberater.web.uploads import (
    UploadError,
    list_corpus,
    remove_document,
    resolve_document,
    save_upload,
)

MD = "# Wärmepumpen im Revier\n\nEin kurzer Text über Wärmepumpen in Leipzig und Halle.\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "programme").mkdir(parents=True)
    (root / "programme" / "a.md").write_text(MD, "utf-8")
    return root


def _accepted(tmp_path: Path, name: str, data: bytes):
    """A file as Gradio's upload route leaves it in its upload folder, accepted for storing."""
    cache = tmp_path / "gradio-upload"
    path = cache / "5e1f" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return accept_upload(path, cache, max_bytes=1_000_000)


def test_save_markdown_and_unique_names(corpus, tmp_path):
    upload = _accepted(tmp_path, "Wärme Studie.pdf", MD.encode())  # the content is text
    first = save_upload(corpus, upload)
    assert first.doc_id == "uploads/upload-waerme-studie.md" and first.kind == "markdown"
    second = save_upload(corpus, upload)
    assert second.doc_id == "uploads/upload-waerme-studie-2.md"
    found, skipped = list_corpus(corpus)
    assert sorted(f.doc_id for f in found) == [
        "programme/a.md",
        "uploads/upload-waerme-studie-2.md",
        "uploads/upload-waerme-studie.md",
    ]
    assert skipped == ()
    assert not [p for p in (corpus / "uploads").iterdir() if p.name.startswith(".")]


def test_rejections_by_the_real_ingest(corpus, tmp_path):
    broken = _accepted(tmp_path, "kaputt.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")  # no %%EOF
    with pytest.raises(UploadError, match="nicht verwendbar"):
        save_upload(corpus, broken)
    bad_front = _accepted(
        tmp_path, "programm.md", b"---\ntitel: [kaputt\n---\nText \xc3\xbcber F\xc3\xb6rderung.\n"
    )
    with pytest.raises(UploadError, match="YAML"):
        save_upload(corpus, bad_front)
    with pytest.raises(UploadError, match="Pfad"):
        save_upload(corpus, _accepted(tmp_path, "x.md", MD.encode()), subdir="../aussen")
    assert not (corpus.parent / "aussen").exists()
    assert not (corpus / "uploads").exists() or not list((corpus / "uploads").iterdir())


def test_save_pdf_checked_with_ingest(corpus, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Eine Studie über Wasserstoff im Mitteldeutschen Revier. " * 5)
    stored = save_upload(corpus, _accepted(tmp_path, "Studie H2.pdf", bytes(pdf.output())))
    assert stored.doc_id == "uploads/upload-studie-h2.pdf" and stored.kind == "pdf"


def test_listing_reports_skipped_files_with_a_safe_name(corpus, tmp_path):
    os.symlink(tmp_path, corpus / "aussen")
    with open(os.path.join(os.fsencode(corpus), b"f\xfcr.md"), "wb") as fh:
        fh.write(MD.encode())
    found, skipped = list_corpus(corpus)
    assert [f.doc_id for f in found] == ["programme/a.md"]
    assert {s.path for s in skipped} == {"aussen", "f\\xfcr.md"}


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
