"""OCR of scanned PDFs with the real tesseract, its cache, and the text-layer decision."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pdf_samples import (
    GERMAN_PAGE,
    HAS_TESSERACT,
    NO_SHARED,
    NO_TESSERACT,
    REAL_PDFS,
    char_accuracy,
    scan_of,
    text_pdf,
)
from pypdf import PdfReader, PdfWriter

from foerderberater.core.errors import IngestError, OcrUnavailableError
from foerderberater.core.text import normalize, strip_running_lines
from foerderberater.index.pdf.extract import ExtractOptions, PdfExtraction, extract_pdf
from foerderberater.index.pdf.ocr import OcrOptions, TesseractEngine, parse_tsv
from foerderberater.index.pdf.ocr_cache import OcrCache, pdf_sha256
from foerderberater.index.pdf.textlayer import PageLayer, document_has_text_layer, image_share

needs_tesseract = pytest.mark.skipif(not HAS_TESSERACT, reason=NO_TESSERACT)
MISSING_ENGINE = OcrOptions(executable="tesseract-gibt-es-nicht")
REFERENCE = normalize("\n".join(GERMAN_PAGE))


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory, font_path: Path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("scans")
    text = text_pdf(d / "richtlinie.pdf", font_path, [GERMAN_PAGE])
    return {
        "text": text,
        "scan": scan_of(text, d / "scan.pdf"),
        "rotated": scan_of(text, d / "gedreht.pdf", rotate=90),
    }


@pytest.fixture(scope="module")
def ocr_once(
    scans: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[PdfExtraction, OcrCache]:
    if not HAS_TESSERACT:
        pytest.skip(NO_TESSERACT)
    cache = OcrCache.for_index(tmp_path_factory.mktemp("index"))
    return extract_pdf(scans["scan"], ExtractOptions(cache=cache), doc_id="amt/scan.pdf"), cache


# --------------------------------------------------------------------------- recognition


@needs_tesseract
def test_scanned_german_page_is_read_back(ocr_once: tuple[PdfExtraction, OcrCache]) -> None:
    ex, _ = ocr_once
    assert [p.number for p in ex.pages] == [1]
    assert char_accuracy(REFERENCE, ex.pages[0].text) >= 0.97
    assert "Sächsischen Aufbaubank" in ex.pages[0].text and "35 %" in ex.pages[0].text
    rep = ex.report
    assert rep.ocr_pages == (1,) and rep.pages[0].source == "ocr"
    assert rep.ocr_engine.startswith("tesseract ") and rep.ocr_cached_pages == 0
    assert rep.pages[0].ocr_confidence is not None and rep.pages[0].ocr_confidence > 0.8
    meta = ex.metadata()
    assert meta["ocr"] is True and meta["ocr_seiten"] == [1]
    assert meta["ocr_confidence"] == rep.pages[0].ocr_confidence


@needs_tesseract
def test_rotated_scan_is_turned_upright(scans: dict[str, Path]) -> None:
    assert len(PdfReader(str(scans["rotated"])).pages[0].extract_text().strip()) == 0
    ex = extract_pdf(scans["rotated"], ExtractOptions())
    page = ex.report.pages[0]
    assert page.source == "ocr" and page.rotation == 90  # scanned 90° counter-clockwise
    assert char_accuracy(REFERENCE, ex.pages[0].text) >= 0.95


@needs_tesseract
def test_only_pages_without_text_layer_are_ocred(tmp_path: Path, font_path: Path) -> None:
    typed = text_pdf(tmp_path / "a.pdf", font_path, [["Anlage 1: Antragsformular für Kommunen"]])
    scanned = scan_of(
        text_pdf(tmp_path / "b.pdf", font_path, [GERMAN_PAGE[:8]]), tmp_path / "c.pdf"
    )
    writer = PdfWriter()
    for src in (typed, scanned):
        writer.append(str(src))
    writer.add_blank_page(width=595, height=842)  # blank: neither text nor a scan
    mixed = tmp_path / "gemischt.pdf"
    writer.write(str(mixed))
    ex = extract_pdf(mixed, ExtractOptions())
    assert [p.source for p in ex.report.pages] == ["text", "ocr", "empty"]
    assert ex.pages[0].text == "Anlage 1: Antragsformular für Kommunen"
    assert "Zuwendungszweck" in ex.pages[1].text and ex.pages[2].text == ""
    assert "Seite 3: kein Text" in ex.report.warnings


@needs_tesseract
@pytest.mark.integration
@pytest.mark.skipif(not REAL_PDFS.is_dir(), reason=NO_SHARED)
def test_real_scanned_council_page_is_read_through_ocr() -> None:
    path = REAL_PDFS / "muenchen_riski_5913326.pdf"
    if not path.is_file():
        pytest.skip(f"{path.name} fehlt in {REAL_PDFS}")
    ex = extract_pdf(path, ExtractOptions())
    assert [p.number for p in ex.pages] == [1] and ex.report.ocr_pages == (1,)
    text = ex.pages[0].text
    for phrase in ("Stadtbezirk", "Regionale und bezuschusste Angebote", "Sozialbürgerhaus"):
        assert phrase in text
    assert ex.report.pages[0].rotation == 90 and (ex.report.ocr_confidence or 0) > 0.6


# --------------------------------------------------------------------------- cache


@needs_tesseract
def test_second_extraction_comes_from_the_cache(
    ocr_once: tuple[PdfExtraction, OcrCache], scans: dict[str, Path]
) -> None:
    first, cache = ocr_once
    sha = pdf_sha256(scans["scan"])
    stored = json.loads((cache.directory / f"{sha}.json").read_text("utf-8"))
    assert cache.directory.name == "ocr-cache" and list(stored["entries"]) == ["deu@300"]
    # a rebuild without any engine still gets the text: the engine is never started
    again = extract_pdf(scans["scan"], ExtractOptions(ocr=MISSING_ENGINE, cache=cache))
    assert again.pages == first.pages and again.report.ocr_cached_pages == 1
    assert again.report.ocr_confidence == first.report.ocr_confidence
    # other options (resolution) are another entry: that one would need the engine
    other = extract_pdf(scans["scan"], ExtractOptions(ocr=OcrOptions(dpi=150), cache=cache)).report
    assert other.ocr_cached_pages == 0 and other.ocr_pages == (1,)
    assert cache.prune({sha}) == 0 and cache.prune(set()) == 1
    assert not any(cache.directory.iterdir())


def test_cache_ignores_broken_files_and_rejects_bad_keys(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path / "ocr-cache")
    sha = "ab" * 32
    cache.directory.mkdir()
    (cache.directory / f"{sha}.json").write_text("{kaputt", "utf-8")
    assert cache.load(sha, OcrOptions()) == {}
    with pytest.raises(ValueError):
        cache.load("../../etc/passwd", OcrOptions())


# --------------------------------------------------------------------------- no engine


def test_scan_without_engine_keeps_todays_german_report(scans: dict[str, Path]) -> None:
    with pytest.raises(IngestError) as info:
        extract_pdf(scans["scan"], ExtractOptions(ocr=MISSING_ENGINE))
    reason = info.value.reason
    assert reason.startswith("kein Textlayer, OCR nötig (gescannte PDF ohne Text)")
    assert "tesseract nicht installiert" in reason and "tools/ensure_ocr.sh" in reason
    with pytest.raises(IngestError, match="OCR nötig"):
        extract_pdf(scans["scan"], ExtractOptions(ocr=None))


@needs_tesseract
def test_missing_language_data_is_named() -> None:
    with pytest.raises(OcrUnavailableError, match="tesseract-ocr-xyz"):
        TesseractEngine.detect(OcrOptions(languages="deu+xyz"))


@needs_tesseract
def test_picture_without_text_is_no_text(
    tmp_path: Path, make_scanned_pdf: Callable[[Path], Path]
) -> None:
    path = make_scanned_pdf(tmp_path / "balken.pdf")
    with pytest.raises(IngestError, match="Texterkennung \\(OCR\\) fand keinen Text"):
        extract_pdf(path, ExtractOptions())


# --------------------------------------------------------------------------- text layer


def test_near_identical_pages_are_not_reported_as_scan(tmp_path: Path, font_path: Path) -> None:
    lines = ["Stadt Leipzig – Amtsblatt", "Bekanntmachung", "Förderaufruf Wärmenetze 2025"]
    lines.append("Anträge bis 31. März 2026 an das Amt für Umweltschutz")
    path = text_pdf(tmp_path / "aushang.pdf", font_path, [lines, lines, lines])
    raw = [normalize(p.extract_text()) for p in PdfReader(str(path)).pages]
    # the cause of the false positive: after running-line removal nothing is left
    assert sum(len(p) for p in strip_running_lines(raw)) < 40
    ex = extract_pdf(path, ExtractOptions(ocr=MISSING_ENGINE))
    assert [p.source for p in ex.report.pages] == ["text", "text", "text"]
    assert all("Förderaufruf Wärmenetze 2025" in p.text for p in ex.pages)
    assert ex.report.ocr_pages == () and "ocr" not in ex.metadata()


def test_text_layer_decision_per_page() -> None:
    scan = PageLayer(1, 0, image_share([(0, 0, 595, 842)], 595, 842))
    photo_page = PageLayer(2, 400, 0.9)
    blank = PageLayer(3, 0, 0.0)
    garbled = PageLayer(4, 300, 0.95, garbled=True)
    assert scan.image_share == 1.0 and scan.needs_ocr
    assert not photo_page.needs_ocr and not blank.needs_ocr and garbled.needs_ocr
    assert document_has_text_layer([scan, photo_page]) and not document_has_text_layer([scan])
    assert image_share([(0, 0, 300, 842), (0, 0, 300, 842)], 600, 842) == 0.5  # union


def test_tesseract_tsv_becomes_paragraphs_with_weighted_confidence() -> None:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num"
    head += "\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t90\tFörder",
        "5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t60\tZiel",
        "5\t1\t1\t1\t2\t1\t0\t0\t9\t9\t90\tzwei",
        "4\t1\t1\t2\t1\t0\t0\t0\t9\t9\t-1\t",
        "5\t1\t1\t2\t1\t1\t0\t0\t9\t9\t-1\t ",
        "5\t1\t1\t2\t1\t2\t0\t0\t9\t9\t80\tneu",
    ]
    text, conf, words = parse_tsv("\n".join([head, *rows]))
    assert text == "Förder Ziel\nzwei\n\nneu"
    assert words == 4 and conf == round((90 * 6 + 60 * 4 + 90 * 4 + 80 * 3) / 17 / 100, 4)


def test_scanned_page_in_a_text_pdf_without_engine_is_a_warning(
    tmp_path: Path, font_path: Path, scans: dict[str, Path]
) -> None:
    writer = PdfWriter()
    writer.append(str(scans["text"]))
    writer.append(str(scans["scan"]))
    path = tmp_path / "teils.pdf"
    writer.write(str(path))
    ex = extract_pdf(path, ExtractOptions(ocr=MISSING_ENGINE))
    assert [p.source for p in ex.report.pages] == ["text", "empty"]
    assert "Zuwendungszweck" in ex.pages[0].text and ex.pages[1].text == ""
    assert ex.report.warnings[0].startswith(
        "Seite 2: kein Textlayer, OCR nötig – OCR-Programm tesseract nicht installiert"
    )
