"""Ingestion of real-world German PDFs from ../shared/testdata/real-pdfs (read-only)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from pdf_samples import HAS_TESSERACT, NO_SHARED, REAL_PDFS
from pypdf import PdfReader

from foerderberater.core.errors import IngestError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Document
from foerderberater.index.builder import build_index
from foerderberater.index.chunking import Chunker, ChunkerConfig
from foerderberater.index.embedding import E5Embedder
from foerderberater.index.ingest import load_document

pytestmark = [pytest.mark.integration, pytest.mark.skipif(not REAL_PDFS.is_dir(), reason=NO_SHARED)]

# file -> (pages, words the extracted text must contain)
EXPECTED: dict[str, tuple[int, tuple[str, ...]]] = {
    "BW_ALLG.pdf": (
        109,
        ("Bildungsplan", "Kompetenzen", "Schülerinnen und Schüler", "Deutschunterricht"),
    ),
    "muenchen_riski_5932071.pdf": (
        28,
        ("Beschlussvollzugskontrolle", "Personal- und Organisationsreferat", "Stadtrat"),
    ),
    "muenchen_riski_6409805.pdf": (2, ("Bezirksausschuss", "Zuschuss", "Vortragsteam")),
    "muenchen_riski_6411697.pdf": (2, ("Gastronomie", "Gästelisten", "Grüßen")),
    "muenchen_riski_6414694.pdf": (12, ("Kommunalreferat", "Bebauungsplanverfahren")),
    "muenchen_riski_Einladung.pdf": (6, ("Bezirksausschuss", "Sendling", "Fußgängerinnen")),
}
SCANNED = "muenchen_riski_5913326.pdf"
AES_FORM = "De-minimis-Erklaerung.pdf"
HAS_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None


def _require(name: str) -> Path:
    path = REAL_PDFS / name
    if not path.is_file():
        pytest.skip(f"{name} fehlt in {REAL_PDFS}")
    return path


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {
        name: load_document(REAL_PDFS / name, REAL_PDFS)
        for name in EXPECTED
        if (REAL_PDFS / name).is_file()
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_pdf_text(docs: dict[str, Document], name: str) -> None:
    _require(name)
    pages, words = EXPECTED[name]
    doc = docs[name]
    assert len(doc.pages) == pages == len(PdfReader(str(REAL_PDFS / name)).pages)
    assert [p.number for p in doc.pages] == list(range(1, pages + 1))
    assert doc.meta.seiten == pages and doc.slug == Path(name).stem
    text = "\n".join(p.text for p in doc.pages)
    for word in words:
        assert word in text, word
    assert unicodedata.is_normalized("NFC", text)
    assert "\u00ad" not in text and "\ufffd" not in text
    assert not re.search(r"(?m)^Seite \d+( von \d+|/\d+)?$", text)  # page footers gone
    # hyphenated words are joined across line ends ("Beschluss-\nnummer" -> "Beschlussnummer")
    assert not re.search(r"[a-zäöüß]-\n(?!(und|oder|bzw|sowie|bis)\b)[a-zäöüß]", text)
    assert len(text) > 1000 * pages // 4  # a real text layer, not a few stray characters


def test_running_header_behind_page_number_is_removed(docs: dict[str, Document]) -> None:
    _require("BW_ALLG.pdf")
    raw = [p.extract_text() or "" for p in PdfReader(str(REAL_PDFS / "BW_ALLG.pdf")).pages[5:15]]
    header = "Bildungsplan 2016 – Gymnasium Deutsch"
    assert sum(header in r for r in raw) >= 8  # precondition: the header is on those pages
    text = "\n".join(p.text for p in docs["BW_ALLG.pdf"].pages)
    assert text.count(header) <= 2
    assert docs["BW_ALLG.pdf"].title == "Bildungsplan 2016"


def test_titles_skip_letterhead_lines(docs: dict[str, Document]) -> None:
    for name in ("muenchen_riski_5932071.pdf", "muenchen_riski_6409805.pdf"):
        _require(name)
        title = docs[name].title
        assert not re.match(r"(?i)(telefon|telefax|tel\.|fax|datum)", title), title
    assert docs["muenchen_riski_5932071.pdf"].title == "Bericht BVK"


def test_scanned_pdf_is_read_by_ocr() -> None:
    """The map scan has no text layer: tesseract reads it (turned by 90°); without the engine
    the reason names the missing program."""
    path = _require(SCANNED)
    if not HAS_TESSERACT:
        with pytest.raises(IngestError) as info:
            load_document(path, REAL_PDFS)
        assert "OCR nötig" in info.value.reason and "tesseract" in info.value.reason
        return
    doc = load_document(path, REAL_PDFS)
    assert doc.meta.ocr is True and doc.meta.ocr_seiten == (1,)
    assert 0.6 < doc.meta.ocr_confidence < 1
    assert "Sozialbürgerhaus Sendling-Westpark" in doc.pages[0].text
    report = doc.meta.extraktion or {}
    assert report["pages"][0]["source"] == "ocr" and report["pages"][0]["rotation"] == 90


def test_aes_encrypted_form() -> None:
    """The De-minimis form is AES-256 encrypted with an empty user password."""
    path = _require(AES_FORM)
    assert b"/Encrypt" in path.read_bytes()
    if HAS_CRYPTOGRAPHY:
        doc = load_document(path, REAL_PDFS)
        text = "\n".join(p.text for p in doc.pages)
        assert len(doc.pages) == 5 and "De-minimis" in text and "Förderprogramm" in text
    else:  # without the 'cryptography' package pypdf cannot decrypt AES: a clear reason
        with pytest.raises(IngestError) as info:
            load_document(path, REAL_PDFS)
        assert "verschlüsselte PDF" in info.value.reason
        assert "cryptography" in info.value.reason


def test_page_numbers_survive_chunking(docs: dict[str, Document], e5: E5Embedder) -> None:
    name = "muenchen_riski_6414694.pdf"
    _require(name)
    chunks = Chunker(ChunkerConfig(256, 48), e5.count_tokens).chunk(docs[name])
    assert {c.page for c in chunks} == set(range(1, 13)) - {
        p.number for p in docs[name].pages if not p.text.strip()
    }
    for chunk in chunks:
        assert all(1 <= p <= 12 for p in chunk.pages)
        page_text = " ".join(docs[name].pages[p - 1].text for p in chunk.pages)
        first_words = chunk.text.split()[:3]
        assert all(w in page_text for w in first_words), (chunk.pages, chunk.text[:80])


def test_index_real_pdfs_and_search(
    tmp_path: Path, e5: E5Embedder, make_settings: Callable[..., Settings]
) -> None:
    names = ["muenchen_riski_6409805.pdf", "muenchen_riski_6411697.pdf", SCANNED]
    settings = make_settings(chunk_tokens=256, chunk_overlap_tokens=32)
    for name in names:
        shutil.copy(_require(name), settings.corpus_dir / name)
    report = build_index(settings, e5)
    if HAS_TESSERACT:  # the scan is read by OCR
        assert report.documents == 3 and report.pages == 5 and not report.skipped
    else:
        assert report.documents == 2 and report.pages == 4
        assert [(s.path, "OCR nötig" in s.reason) for s in report.skipped] == [(SCANNED, True)]

    from foerderberater.advisor import Advisor

    hits = Advisor(settings, embedder=e5).search("Gästelisten in der Gastronomie während Corona")
    assert hits[0].chunk.slug == "muenchen_riski_6411697"
    assert hits[0].chunk.page in (1, 2)
