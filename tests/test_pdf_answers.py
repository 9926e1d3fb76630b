"""Issue 15 end to end with the real e5 model: a scanned PDF read by OCR and a rate table are
indexed, and ``Advisor.ask`` answers from them, quoting the text with its page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pdf_samples import (
    GERMAN_PAGE,
    HAS_TESSERACT,
    NO_SHARED,
    NO_TESSERACT,
    REAL_PDFS,
    rate_table_pdf,
    scan_of,
    text_pdf,
)
from pypdf import PdfWriter

from foerderberater.advisor import Advisor
from foerderberater.core.settings import Settings
from foerderberater.index.builder import build_index
from foerderberater.index.embedding import E5Embedder
from foerderberater.web.render import sources_html

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
SCANNED = "muenchen_riski_5913326.pdf"
QUOTE = re.compile(r"„([^“]*)“ \[(\d+), S\. (\d+)\]")


def _with_study(settings: Settings) -> None:
    """A real study of the corpus next to the PDF under test, so retrieval has to choose."""
    for name in ("revierkompass.pdf", "revierkompass.yaml"):
        shutil.copy(ROOT / "corpus" / "studien" / name, settings.corpus_dir / name)


@pytest.mark.skipif(not HAS_TESSERACT, reason=NO_TESSERACT)
def test_scanned_pdf_is_read_by_ocr_and_cited_with_its_page(
    make_settings: Callable[..., Settings], e5: E5Embedder
) -> None:
    scan = REAL_PDFS / SCANNED
    if not scan.is_file():
        pytest.skip(NO_SHARED if not REAL_PDFS.is_dir() else f"{SCANNED} fehlt in {REAL_PDFS}")
    settings = make_settings(chunk_tokens=256, chunk_overlap_tokens=48)
    shutil.copy(scan, settings.corpus_dir / SCANNED)
    _with_study(settings)
    report = build_index(settings, e5)
    assert report.documents == 2 and not report.skipped

    advisor = Advisor(settings, embedder=e5)
    meta = advisor.version.docs[SCANNED].meta
    assert meta.ocr is True and meta.ocr_seiten == (1,) and meta.ocr_confidence > 0.6
    answer = advisor.ask("Welche Beratungsstelle gibt es im Sozialbürgerhaus Sendling-Westpark?")
    assert not answer.abstained
    first = answer.sources[0]
    assert (first.slug, first.page) == ("muenchen_riski_5913326", 1)
    quotes = QUOTE.findall(answer.text)
    assert any(
        "Sozialbürgerhaus Sendling-Westpark" in q and (n, p) == ("1", "1") for q, n, p in quotes
    )
    assert "aus Scan erkannt" in sources_html(answer)


COVER_PAGE = (
    "Amtsblatt des Freistaates Sachsen",
    "Bekanntmachung des Sächsischen Staatsministeriums für Wirtschaft",
    "",
    "Die nachstehende Richtlinie wird hiermit öffentlich bekannt gemacht.",
    "Sie tritt am Tag nach ihrer Veröffentlichung in Kraft.",
)


@pytest.mark.skipif(not HAS_TESSERACT, reason=NO_TESSERACT)
def test_generated_scan_with_a_turned_page_is_cited_with_its_page(
    make_settings: Callable[..., Settings], e5: E5Embedder, font_path: Path, tmp_path: Path
) -> None:
    """No ../shared needed: a two-page Amtsblatt scan (page 2 turned by 90°, as it came out of
    the scanner) is indexed by OCR; the eligible districts are quoted from page 2."""
    cover = scan_of(text_pdf(tmp_path / "a.pdf", font_path, [COVER_PAGE]), tmp_path / "a-s.pdf")
    body = text_pdf(tmp_path / "b.pdf", font_path, [GERMAN_PAGE])
    turned = scan_of(body, tmp_path / "b-s.pdf", rotate=90)
    settings = make_settings(chunk_tokens=256, chunk_overlap_tokens=48)
    writer = PdfWriter()
    for part in (cover, turned):
        writer.append(str(part))
    writer.write(str(settings.corpus_dir / "amtsblatt-scan.pdf"))
    _with_study(settings)
    report = build_index(settings, e5)
    assert report.documents == 2 and not report.skipped

    advisor = Advisor(settings, embedder=e5)
    meta = advisor.version.docs["amtsblatt-scan.pdf"].meta
    assert meta.ocr is True and meta.ocr_seiten == (1, 2) and meta.ocr_confidence > 0.8
    extraction = advisor.document("amtsblatt-scan").report
    assert extraction is not None and [p.rotation for p in extraction.pages] == [0, 90]
    answer = advisor.ask("Aus welchen Landkreisen sind Unternehmen antragsberechtigt?")
    assert not answer.abstained and answer.sources[0].slug == "amtsblatt-scan"
    quotes = QUOTE.findall(answer.text)
    assert any("Burgenlandkreis" in q and (n, p) == ("1", "2") for q, n, p in quotes), quotes
    assert "aus Scan erkannt" in sources_html(answer)


@pytest.mark.parametrize(
    ("two_level", "cell"),
    [(False, "D-Fördergebiet: 15 %"), (True, "Fördergebiet D: 15 %")],
    ids=["einfach", "zweistufig"],
)
def test_rate_table_question_is_answered_with_the_cell_and_its_row_label(
    make_settings: Callable[..., Settings],
    e5: E5Embedder,
    font_path: Path,
    two_level: bool,
    cell: str,
) -> None:
    settings = make_settings(chunk_tokens=256, chunk_overlap_tokens=48)
    pdf = rate_table_pdf(settings.corpus_dir / "richtlinie.pdf", font_path, two_level=two_level)
    pdf.with_suffix(".yaml").write_text(
        'titel: "Richtlinie Investitionszuschuss Revier (Muster)"\n', "utf-8"
    )
    _with_study(settings)
    assert not build_index(settings, e5).skipped

    answer = Advisor(settings, embedder=e5).ask(
        "Wie hoch ist der Fördersatz für mittlere Unternehmen im D-Fördergebiet?"
    )
    assert not answer.abstained and answer.sources[0].slug == "richtlinie"
    quote, number, page = QUOTE.findall(answer.text)[0]  # the first quote is the asked row
    assert "Größe: Mittlere Unternehmen" in quote and cell in quote
    assert (number, page) == ("1", "1")
