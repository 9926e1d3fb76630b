"""Tables as tables: each row one text unit with its header, on generated and real PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdf_samples import NO_SHARED, RATE_ROWS, REAL_PDFS, rate_table_pdf
from pypdf import PdfReader

from foerderberater.core.schema import parse_meta
from foerderberater.core.types import Document, Page
from foerderberater.index.chunking import Chunker, ChunkerConfig, paragraph_units
from foerderberater.index.pdf.extract import ExtractOptions, extract_pdf
from foerderberater.index.pdf.tables import clean_cell, row_units, structure
from foerderberater.index.sentences import MAX_ROW_CHARS, document_sentences, table_row

NO_OCR = ExtractOptions(ocr=None)
real = pytest.mark.skipif(not REAL_PDFS.is_dir(), reason=NO_SHARED)


def _real(name: str) -> Path:
    path = REAL_PDFS / name
    if not path.is_file():
        pytest.skip(f"{name} fehlt in {REAL_PDFS}")
    return path


# --------------------------------------------------------------------------- generated


@pytest.mark.parametrize("two_level", [False, True], ids=["einfach", "zweistufig"])
def test_rate_table_rows_carry_row_label_and_column(
    tmp_path: Path, font_path: Path, two_level: bool
) -> None:
    path = rate_table_pdf(tmp_path / "richtlinie.pdf", font_path, two_level=two_level)
    # precondition: pypdf flattens the table: cells without their column names
    raw = PdfReader(str(path)).pages[0].extract_text()
    assert re.search(r"Kleine Unternehmen\s+35 %\s+25 %", raw)

    ex = extract_pdf(path, NO_OCR)
    assert len(ex.tables) == 1 and ex.report.tables == 1 and ex.report.pages[0].tables == 1
    table = ex.tables[0]
    c, d = (
        ("Fördergebiet C", "Fördergebiet D") if two_level else ("C-Fördergebiet", "D-Fördergebiet")
    )
    assert table.header == ("Größe", c, d)
    expected = [f"Größe: {size} | {c}: {rc} | {d}: {rd}" for size, rc, rd in RATE_ROWS]
    assert list(table.units) == expected
    text = ex.pages[0].text
    for unit in expected:  # each row is its own paragraph of the page text
        assert f"\n\n{unit}\n\n" in text
    # the rest of the page is kept, and no table cell is repeated outside its row unit
    assert text.startswith("4. Fördersätze\nDie Förderhöchstsätze richten sich")
    assert text.endswith("Freistellungsverordnung.")
    assert text.count("Mittlere Unternehmen") == 1 and text.count("Größe:") == 3
    assert [len(re.findall(rf"(?<!\d){v} %", text)) for v in (35, 25, 15, 5)] == [1, 2, 2, 1]
    assert ex.metadata()["tabellen"] == 1


def test_rate_rows_stay_whole_in_chunks(tmp_path: Path, font_path: Path) -> None:
    ex = extract_pdf(rate_table_pdf(tmp_path / "r.pdf", font_path), NO_OCR)
    meta = parse_meta(ex.metadata(), "studien/r.pdf", "Studie")
    doc = Document("studien/r.pdf", "r", "Richtlinie", ex.pages, meta)
    words = Chunker(ChunkerConfig(chunk_tokens=40, overlap_tokens=0), lambda t: len(t.split()))
    chunks = words.chunk(doc)
    assert len(chunks) >= 2  # the budget forces several chunks
    for unit in ex.tables[0].units:
        holders = [c for c in chunks if unit in c.text]
        assert holders and holders[0].pages == (1,), unit


@pytest.mark.parametrize("two_level", [False, True], ids=["einfach", "zweistufig"])
def test_rate_rows_are_whole_quotable_sentences(
    tmp_path: Path, font_path: Path, two_level: bool
) -> None:
    """Each row is one answer sentence with its row label: "Größe: … · C-Fördergebiet: …"."""
    ex = extract_pdf(rate_table_pdf(tmp_path / "r.pdf", font_path, two_level=two_level), NO_OCR)
    doc = Document("r.pdf", "r", "Richtlinie", ex.pages, parse_meta(ex.metadata(), "r", "Studie"))
    sentences = document_sentences(doc)
    c, d = (
        ("Fördergebiet C", "Fördergebiet D") if two_level else ("C-Fördergebiet", "D-Fördergebiet")
    )
    for size, rc, rd in RATE_ROWS:
        row = f"Größe: {size} · {c}: {rc} · {d}: {rd}"
        [hit] = [s for s in sentences if size in s.text]
        assert hit.text == row and hit.page == 1 and hit.section == "4. Fördersätze"


def test_table_row_sentences_keep_the_row_label() -> None:
    row = "Größe: Kleine Unternehmen | Zuschuss: bis 35 %. Zuschlag 10 % in der Grenzregion"
    assert table_row(row) == [
        "Größe: Kleine Unternehmen · Zuschuss: bis 35 %. Zuschlag 10 % in der Grenzregion"
    ]
    cells = [f"Gebiet {i}: " + "sehr lange Erläuterung " * 4 for i in range(6)]
    long = " | ".join(["Vorhaben: Wärmenetz", *cells])
    assert len(long) > MAX_ROW_CHARS
    parts = table_row(long)
    assert parts is not None and len(parts) == 6
    assert all(p.startswith("Vorhaben: Wärmenetz · Gebiet ") for p in parts)
    assert table_row("| **Instrument** | klein | mittel |") == ["Instrument · klein · mittel"]
    assert table_row("|---|:---:|") is None and table_row("Ein ganz normaler Satz.") is None
    markdown = "## Sätze\n\n| Fall | Satz |\n|---|---|\n| Verbund. Mit Partner | 80 % |\n"
    doc = Document("p.md", "p", "P", (Page(0, markdown),))
    texts = [s.text for s in document_sentences(doc)]
    assert "Verbund. Mit Partner · 80 %" in texts


def test_a_table_row_is_never_taken_for_a_heading() -> None:
    page = "2. Ergebnisse\nDie Tabelle zeigt die Quoten.\n\n1. Quartal | 25 %\n\n2. Quartal | 30 %"
    units = list(paragraph_units(Document("q.pdf", "q", "Q", (Page(1, page),))))
    assert [u.section for u in units] == ["2. Ergebnisse"] * 3
    assert [u.text for u in units][1:] == ["1. Quartal | 25 %", "2. Quartal | 30 %"]


# --------------------------------------------------------------------------- structure


def test_two_level_header_and_merged_row_labels() -> None:
    raw = [
        ["Größe", "Fördergebiet", None],
        [None, "C", "D"],
        ["Kleine\nUnternehmen", "35 %", "25 %"],
        [None, "40 % (Grenzregion)", "30 %"],
        ["Große Unter-\nnehmen", "15 %", ""],
    ]
    header, rows = structure(raw)
    assert header == ["Größe", "Fördergebiet C", "Fördergebiet D"]
    assert rows[1][0] == "Kleine Unternehmen"  # merged label cell repeated
    assert row_units(header, rows) == [
        "Größe: Kleine Unternehmen | Fördergebiet C: 35 % | Fördergebiet D: 25 %",
        "Größe: Kleine Unternehmen | Fördergebiet C: 40 % (Grenzregion) | Fördergebiet D: 30 %",
        "Größe: Große Unternehmen | Fördergebiet C: 15 %",  # empty cell left out
    ]


def test_key_value_table_without_header_and_long_rows() -> None:
    header, rows = structure([["Anlass", "Für die Beschleunigung " * 5], ["Ortsangabe", "./."]])
    assert header == []
    assert row_units(header, rows)[1] == "Ortsangabe: ./."
    long_cell = ("Der Beschluss wird umgesetzt. " * 30).strip()
    units = row_units(
        ["Nr.", "Titel", "Auftrag", "Status"], [["7", "Kantinen", long_cell, "Erledigt"]]
    )
    assert units == [
        f"Nr.: 7 | Titel: Kantinen | Auftrag: {long_cell}",
        "Nr.: 7 | Titel: Kantinen | Status: Erledigt",
    ]


def test_header_cells_broken_in_narrow_columns_are_joined() -> None:
    assert clean_cell("Zuwendungs\nbescheides", header=True) == "Zuwendungsbescheides"
    assert clean_cell("Beihilfe\ngeber", header=True) == "Beihilfegeber"
    assert clean_cell("Datum des\nAntrages", header=True) == "Datum des Antrages"
    assert clean_cell("Beschlossen\nam VPA/VV", header=True) == "Beschlossen am VPA/VV"
    assert clean_cell("Kleine und\nmittlere", header=True) == "Kleine und mittlere"
    assert clean_cell("Förder-\nprogramm") == "Förderprogramm"
    assert clean_cell("Zuwendungs\nbescheides") == "Zuwendungs bescheides"  # body: no guess


# --------------------------------------------------------------------------- real PDFs


@pytest.mark.integration
@real
def test_de_minimis_form_tables_keep_their_columns_once() -> None:
    ex = extract_pdf(_real("De-minimis-Erklaerung.pdf"), NO_OCR)
    assert [t.page for t in ex.tables] == [1, 2]
    first = ex.tables[0]
    assert first.units == (
        "Tabellenspalten: Datum des Antrages | Datum des Zuwendungsbescheides bzw. "
        "Zuwendungsvertrages1 | Beihilfegeber | Aktenzeichen | Allg. | Agrar | Fisch | DAWI | "
        "Subventionswert in Euro",
    )
    assert "Beihilfegeber | Aktenzeichen | Subventionswert in Euro" in ex.tables[1].units[0]
    page1 = ex.pages[0].text
    assert page1.count("Aktenzeichen |") == 1 and "Agrar" not in page1.replace(first.units[0], "")
    assert "folgende weiteren De-minimis-Beihilfen beantragt" in page1


@pytest.mark.integration
@real
def test_munich_landscape_table_rows_name_their_columns() -> None:
    ex = extract_pdf(_real("muenchen_riski_5932071.pdf"), NO_OCR)
    assert ex.report.n_pages == 28 and ex.report.tables == 28  # one per page, none nested
    first = ex.tables[0]
    assert first.header[:4] == (
        "Lfd. Nr.",
        "Beschlussnummer",
        "Beschlossen am VPA/VV",
        "Beschlusstitel (Betreff)",
    )
    title = [u for u in first.units if "Beschlusstitel (Betreff): Bio und Billig" in u]
    assert title and title[0].startswith("Lfd. Nr.: 1 | Beschlussnummer: 08-14 / V 12487")
    # the framed note inside a cell is no table of its own: its text appears once
    page1 = ex.pages[0].text
    assert page1.count("Ein abschließender Rückblick") == 1
    # the row continued on page 2 carries its number and Beschluss from page 1
    assert ex.tables[1].units[0].startswith("Lfd. Nr.: 1 | Beschlussnummer: 08-14 / V 12487")
    assert any(
        u.startswith("Lfd. Nr.: 2 | Beschlussnummer: 08-14 / V 13702") for u in ex.tables[1].units
    )


@pytest.mark.integration
@real
def test_munich_key_value_table_and_no_tables_from_empty_grids() -> None:
    ex = extract_pdf(_real("muenchen_riski_6414694.pdf"), NO_OCR)
    units = [u for t in ex.tables for u in t.units]
    assert any(re.match(r"Anlass: Für die Beschleunigung von Bebauungsplan", u) for u in units)
    assert "Ortsangabe: ./." in units
    for name in ("muenchen_riski_6409805.pdf", "muenchen_riski_6411697.pdf"):
        assert extract_pdf(_real(name), NO_OCR).tables == ()  # checkbox grids, empty frames
