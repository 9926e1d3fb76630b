"""Reading order (two columns), running-line clean-up and the extraction report, on real PDFs."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pdf_samples import (
    LEFT_COLUMN,
    NO_SHARED,
    REAL_PDFS,
    RIGHT_COLUMN,
    text_pdf,
    two_column_pdf,
    words,
)
from pypdf import PdfReader

from foerderberater.core.text import strip_running_lines
from foerderberater.index.pdf.extract import ExtractOptions, extract_pdf
from foerderberater.index.pdf.layout import Box, reading_order
from foerderberater.index.pdf.report import (
    ExtractionReport,
    PageReport,
    format_report,
    report_from_json,
)
from foerderberater.index.pdf.textlayer import strip_running_lines_guarded

NO_OCR = ExtractOptions(ocr=None)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- two columns


def test_two_column_page_reads_left_column_then_right(tmp_path: Path, font_path: Path) -> None:
    path = two_column_pdf(tmp_path / "studie.pdf", font_path)
    # precondition: the content stream interleaves the columns line by line
    raw = PdfReader(str(path)).pages[0].extract_text()
    assert "Eine Wärmepumpe entzieht dem Wasser Prozent der Kosten" in _flat(raw)

    ex = extract_pdf(path, NO_OCR)
    assert [p.columns for p in ex.report.pages] == [2, 2]
    for n, page in enumerate(ex.pages, 1):
        flat = _flat(page.text)
        # the title (full width) first, both columns whole and in order, the summary last
        assert flat.startswith(f"{n}. Ergebnisse der Messreihe {n} Die Seethermie")
        left = _flat(LEFT_COLUMN).removesuffix("Das Förder-")
        assert left.strip() in flat
        assert "Das Förderprogramm des Landes" in flat  # hyphen across the column break
        assert _flat(RIGHT_COLUMN).removeprefix("programm ") in flat
        assert flat.index("Die Seethermie") < flat.index("Prozent der Kosten")
        assert flat.index("Jahr 2028") < flat.index("Zusammenfassung")
        # running header and footer removed as today
        assert "Seethermie-Studie Geiseltal" not in page.text
        assert not re.search(r"^Seite \d", page.text, re.M)


def test_single_column_text_stays_one_column(tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    ex = extract_pdf(make_pdf(tmp_path / "studie.pdf"), NO_OCR)
    assert [p.columns for p in ex.report.pages] == [1, 1, 1]
    first = ex.pages[0].text
    assert first.startswith("1. Einleitung")
    assert "Förderprogramm" in first and "Sachsen-Anhalt" in first
    assert "Wärmeversorgung" in first and "Mücheln" in first
    joined = "\n".join(p.text for p in ex.pages)
    assert "Seethermie-Studie" not in joined and "von 3" not in joined


def _grid(rows: list[list[str]], xs: list[float], top: float = 100.0) -> list[Box]:
    """Word boxes of a grid: each cell is one word of 6 pt per character."""
    boxes = []
    for r, row in enumerate(rows):
        for x, cell in zip(xs, row, strict=True):
            y = top + 14 * r
            boxes.append(Box(x, x + 6 * len(cell), y, y + 10, cell))
    return boxes


def test_borderless_table_and_letterhead_are_not_columns() -> None:
    # label | number columns: the right side is no prose column
    table = _grid([[f"Position{i}", f"{i * 7},00"] for i in range(8)], [60, 400])
    laid = reading_order(table)
    assert laid.columns == 1
    assert laid.text.split("\n")[:2] == ["Position0 0,00", "Position1 7,00"]
    # address block left, ragged sender block right: row by row
    letter = _grid(
        [["Herrn", "Direktorium"], ["Stadtrat", "Telefon 233"], ["Rathaus", "Datum"]]
        + [["München", "Raum 12 und 14"]],
        [60, 380],
    )
    assert reading_order(letter).columns == 1


def test_prose_columns_are_found_from_word_boxes() -> None:
    line = "wort " * 10
    left = [[w for w in line.split()] for _ in range(6)]
    boxes = []
    for r, row in enumerate(left):
        for c in range(len(row)):
            for side, x0 in (("L", 50), ("R", 320)):
                x = x0 + c * 24
                boxes.append(Box(x, x + 22, 100 + 12 * r, 110 + 12 * r, f"{side}{r}{c}"))
    laid = reading_order(boxes)
    assert laid.columns == 2
    tokens = laid.text.split()
    assert tokens.index("L59") < tokens.index("R00")


def test_paragraph_gaps_become_blank_lines() -> None:
    boxes = [Box(50, 300, 100 + 12 * i, 110 + 12 * i, f"Zeile {i}") for i in range(3)]
    boxes += [Box(50, 300, 160 + 12 * i, 170 + 12 * i, f"Absatz {i}") for i in range(2)]
    text = reading_order(boxes).text
    assert text == "Zeile 0\nZeile 1\nZeile 2\n\nAbsatz 0\nAbsatz 1"


# --------------------------------------------------------------------------- running lines


def test_guarded_strip_keeps_near_identical_pages_and_drops_headers() -> None:
    pages = [
        f"Amtsblatt Leipzig\n\nBekanntmachung zur Förderung\nAntragsfrist 31. März\nSeite {n}"
        for n in (1, 2, 3)
    ]
    # today's behaviour: every edge line counts as a running line, most of the text goes
    assert not any("Antragsfrist" in p or "Amtsblatt" in p for p in strip_running_lines(pages))
    kept = strip_running_lines_guarded(pages)
    assert all("Bekanntmachung zur Förderung" in p and "Antragsfrist" in p for p in kept)
    assert not any("Seite" in p for p in kept)
    # a real running header above a gap still goes, body lines below it stay
    body = "\n".join(f"Kompetenz {i}: Texte erschließen und beurteilen" for i in range(8))
    study = [f"Bildungsplan 2016\n\nDie Schüler können\n{body}\n\n{n}" for n in range(6)]
    assert not any("Die Schüler können" in p for p in strip_running_lines(study))
    out = strip_running_lines_guarded(study)
    assert all(p.startswith("Die Schüler können\nKompetenz 0") for p in out)
    assert all(p.endswith("Kompetenz 7: Texte erschließen und beurteilen") for p in out)


# --------------------------------------------------------------------------- report


def test_report_counts_pages_and_warns_in_german(tmp_path: Path, font_path: Path) -> None:
    body = ["Das Programm fördert Wärmenetze in Kommunen des Reviers mit Zuschüssen."] * 3
    path = text_pdf(tmp_path / "kurz.pdf", font_path, [body, ["Anlage 4"], body])
    ex = extract_pdf(path, NO_OCR, doc_id="studien/kurz.pdf")
    rep = ex.report
    assert rep.path == "studien/kurz.pdf" and rep.n_pages == 3
    assert [p.chars for p in rep.pages] == [len(p.text) for p in ex.pages]
    assert rep.pages[1].chars == len("Anlage 4") and rep.ocr_pages == ()
    assert rep.warnings == ("Seite 2: nur 8 Zeichen",)
    with pytest.raises(FrozenInstanceError):
        rep.tables = 3  # type: ignore[misc]
    text = format_report(rep.with_chunks(4))
    assert "Seiten: 3" in text and "Abschnitte (Chunks): 4" in text
    assert "Aus Scan erkannt (OCR): keine Seite" in text
    assert "- Seite 2: nur 8 Zeichen" in text
    assert rep.to_json()["pages"][1] == {
        "number": 2,
        "chars": 8,
        "source": "text",
        "ocr_confidence": None,
        "rotation": 0,
        "tables": 0,
        "columns": 1,
    }


def test_report_text_for_ocr_pages() -> None:
    rep = ExtractionReport(
        "scan.pdf",
        (PageReport(1, 900, "ocr", 0.83, 90), PageReport(2, 0, "empty")),
        0,
        ("Seite 2: kein Text",),
        "tesseract 5.3.0",
        1,
    )
    text = format_report(rep)
    assert report_from_json(json.loads(json.dumps(rep.to_json()))) == rep
    assert "Aus Scan erkannt (OCR, tesseract 5.3.0): Seite 1 · mittlere Konfidenz 83 %" in text
    assert "1 aus dem Zwischenspeicher" in text and "(gedreht 90°)" in text
    assert rep.ocr_confidence == 0.83


# --------------------------------------------------------------------------- real PDFs

EXPECTED: dict[str, tuple[int, tuple[str, ...]]] = {
    "BW_ALLG.pdf": (109, ("Bildungsplan", "Kompetenzen", "Schülerinnen und Schüler")),
    "muenchen_riski_5932071.pdf": (28, ("Beschlussvollzugskontrolle", "Stadtrat")),
    "muenchen_riski_6409805.pdf": (2, ("Bezirksausschuss", "Zuschuss", "Vortragsteam")),
    "muenchen_riski_6411697.pdf": (2, ("Gastronomie", "Gästelisten", "Grüßen")),
    "muenchen_riski_6414694.pdf": (12, ("Kommunalreferat", "Bebauungsplanverfahren")),
    "muenchen_riski_Einladung.pdf": (6, ("Bezirksausschuss", "Sendling", "Fußgängerinnen")),
    "De-minimis-Erklaerung.pdf": (5, ("De-minimis", "Unternehmen", "Strafgesetzbuch")),
}


@pytest.mark.integration
@pytest.mark.skipif(not REAL_PDFS.is_dir(), reason=NO_SHARED)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_pdfs_keep_the_text_of_todays_extraction(name: str) -> None:
    from foerderberater.index.ingest import load_document

    path = REAL_PDFS / name
    if not path.is_file():
        pytest.skip(f"{name} fehlt in {REAL_PDFS}")
    pages, phrases = EXPECTED[name]
    ex = extract_pdf(path, NO_OCR)
    text = "\n".join(p.text for p in ex.pages)
    assert [p.number for p in ex.pages] == list(range(1, pages + 1))
    flat = _flat(text)
    assert all(phrase in flat for phrase in phrases)
    # nearly every word pypdf found is still there (losses: words now joined correctly)
    old = Counter(words("\n".join(p.text for p in load_document(path, path.parent).pages)))
    lost = old - Counter(words(text))
    assert sum(lost.values()) <= 0.015 * sum(old.values()), lost.most_common(10)


# --------------------------------------------------------------------------- bad files


def test_unreadable_pdfs_get_german_reasons(tmp_path: Path, font_path: Path) -> None:
    from pypdf import PdfWriter

    from foerderberater.core.errors import IngestError

    good = text_pdf(tmp_path / "gut.pdf", font_path, [["Förderaufruf Wärmenetze 2025"] * 4])
    locked = PdfWriter(clone_from=str(good))
    locked.encrypt(user_password="geheim", owner_password="o", algorithm="AES-256")
    locked.write(str(tmp_path / "passwort.pdf"))
    owner_only = PdfWriter(clone_from=str(good))
    owner_only.encrypt(user_password="", owner_password="o", algorithm="AES-256")
    owner_only.write(str(tmp_path / "rechte.pdf"))
    data = good.read_bytes()
    (tmp_path / "halb.pdf").write_bytes(data[: len(data) // 2] + b"\n%%EOF\n")
    (tmp_path / "muell.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00Muell" * 100 + b"\n%%EOF\n")
    expected = {
        "passwort.pdf": "passwortgeschützte PDF",
        "halb.pdf": "PDF beschädigt, nicht lesbar",
        "muell.pdf": "PDF beschädigt, nicht lesbar",
    }
    for name, reason in expected.items():
        with pytest.raises(IngestError) as info:
            extract_pdf(tmp_path / name, NO_OCR)
        assert info.value.reason.startswith(reason) and name in str(info.value)
    readable = extract_pdf(tmp_path / "rechte.pdf", NO_OCR)
    assert "Förderaufruf Wärmenetze 2025" in readable.pages[0].text


def test_dot_leaders_of_a_table_of_contents_become_one_ellipsis() -> None:
    words_ = ["1.1", "Bildungswert", "des", "Faches", ".", ".", ".", ".", ".", ".", ".", ".", "3"]
    boxes = [Box(50 + 12 * i, 60 + 12 * i, 100, 110, w) for i, w in enumerate(words_)]
    assert reading_order(boxes).text == "1.1 Bildungswert des Faches … 3"
    short = [Box(50 + 30 * i, 75 + 30 * i, 100, 110, w) for i, w in enumerate(["z.", "B.", "..."])]
    assert reading_order(short).text == "z. B. ..."
