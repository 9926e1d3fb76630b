"""Real PDFs for the extraction tests, made with fpdf2 (text) and pypdfium2 (scans)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

# ../shared/testdata/real-pdfs beside the repository; FOERDERBERATER_TEST_SHARED points
# elsewhere (a git worktree has no ../shared of its own).
_SHARED = os.environ.get("FOERDERBERATER_TEST_SHARED") or str(
    Path(__file__).resolve().parent.parent.parent / "shared"
)
REAL_PDFS = Path(_SHARED) / "testdata" / "real-pdfs"


def _tesseract_languages() -> set[str]:
    """Language data tesseract has installed (empty without tesseract)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {line.strip() for line in out.splitlines()[1:] if line.strip()}


# deu to read German, osd for the rotation of turned scans (tools/ensure_ocr.sh installs both)
HAS_TESSERACT = {"deu", "osd"} <= _tesseract_languages()
NO_TESSERACT = (
    "tesseract mit Sprachdaten deu und osd fehlt – `make test` installiert ihn über "
    "tools/ensure_ocr.sh"
)
NO_SHARED = f"Ordner mit echten PDFs fehlt: {REAL_PDFS} (../shared/testdata/real-pdfs)"

GERMAN_PAGE = (
    "Richtlinie zur Förderung von Investitionen kleiner und mittlerer Unternehmen",
    "im Mitteldeutschen Revier (Stand: 1. März 2025)",
    "",
    "1. Zuwendungszweck",
    "Der Freistaat Sachsen gewährt Zuschüsse für Vorhaben, die die Wettbewerbsfähigkeit",
    "gewerblicher Unternehmen stärken und dauerhafte Arbeitsplätze schaffen. Gefördert",
    "werden Investitionen in Gebäude, Maschinen und Anlagen sowie immaterielle Güter.",
    "",
    "2. Höhe der Zuwendung",
    "Kleine Unternehmen erhalten bis zu 35 % der förderfähigen Ausgaben, mittlere Unternehmen",
    "bis zu 25 % und große Unternehmen bis zu 15 %. Die Mindestinvestition beträgt 50.000 Euro;",
    "der Höchstbetrag liegt bei 2,5 Mio. € je Vorhaben. Anträge sind über das Förderportal der",
    "Sächsischen Aufbaubank (SAB) vor Beginn des Vorhabens einzureichen.",
    "",
    "3. Antragsberechtigte",
    "Antragsberechtigt sind Unternehmen der gewerblichen Wirtschaft mit Betriebsstätte im",
    "Landkreis Leipzig, im Burgenlandkreis oder im Saalekreis. Ausgeschlossen sind Vorhaben",
    "der Primärerzeugung landwirtschaftlicher Erzeugnisse und des Straßengüterverkehrs.",
    "Über die Gewährung entscheidet die Bewilligungsbehörde nach pflichtgemäßem Ermessen.",
)

RATE_ROWS = (
    ("Kleine Unternehmen", "35 %", "25 %"),
    ("Mittlere Unternehmen", "25 %", "15 %"),
    ("Große Unternehmen", "15 %", "5 %"),
)


def _pdf(font: Path) -> FPDF:
    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(font))
    bold = font.with_name("DejaVuSans-Bold.ttf")
    pdf.add_font("dejavu", style="B", fname=str(bold if bold.is_file() else font))
    pdf.set_font("dejavu", size=11)
    return pdf


def text_pdf(path: Path, font: Path, pages: Sequence[Sequence[str]]) -> Path:
    """One line per entry, no running header."""
    pdf = _pdf(font)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 7, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.output(str(path))
    return path


def scan_of(text_pdf_path: Path, out: Path, *, dpi: int = 200, rotate: int = 0) -> Path:
    """An image-only copy of a text PDF, like a scanner makes (``rotate``: counter-clockwise)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(text_pdf_path))
    pdf = FPDF(unit="pt")
    try:
        for i in range(len(doc)):
            image = doc[i].render(scale=dpi / 72).to_pil().convert("L")
            if rotate:
                image = image.rotate(rotate, expand=True)
            w, h = image.size[0] * 72 / dpi, image.size[1] * 72 / dpi
            pdf.add_page(format=(w, h))
            pdf.image(image, x=0, y=0, w=w, h=h)
    finally:
        doc.close()
    pdf.output(str(out))
    return out


def rate_table_pdf(path: Path, font: Path, *, two_level: bool = False) -> Path:
    """A guideline page with a ruled size x region rate table between two paragraphs."""
    pdf = _pdf(font)
    pdf.add_page()
    pdf.multi_cell(0, 6, "4. Fördersätze", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(
        0,
        6,
        "Die Förderhöchstsätze richten sich nach der Größe des Unternehmens und nach dem "
        "Fördergebiet, in dem die Betriebsstätte liegt.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    with pdf.table(
        col_widths=(60, 45, 45), text_align="LEFT", num_heading_rows=2 if two_level else 1
    ) as table:
        if two_level:
            row = table.row()
            row.cell("Größe", rowspan=2)
            row.cell("Fördergebiet", colspan=2)
            row = table.row()
            row.cell("C")
            row.cell("D")
        else:
            row = table.row()
            for name in ("Größe", "C-Fördergebiet", "D-Fördergebiet"):
                row.cell(name)
        for values in RATE_ROWS:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)
    pdf.multi_cell(
        0,
        6,
        "Für Vorhaben in Gebieten ohne Fördergebietsstatus gelten die Sätze der "
        "Freistellungsverordnung.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.output(str(path))
    return path


LEFT_COLUMN = (
    "Die Seethermie nutzt die Wärme großer Seen. Eine Wärmepumpe entzieht dem Wasser Energie "
    "und hebt sie auf das Temperaturniveau eines Nahwärmenetzes. Im Geiseltal wurde das "
    "Verfahren an drei Standorten geprüft. Die Messungen liefen ein ganzes Jahr. Das Förder-"
)
RIGHT_COLUMN = (
    "programm des Landes trägt bis zu vierzig Prozent der Kosten. Die Gemeinden wollen den "
    "Antrag im Herbst stellen. Ein Wärmenetz für zweitausend Haushalte ist geplant. Der "
    "Zweckverband übernimmt den Betrieb der Anlage nach der Fertigstellung im Jahr 2028."
)


def two_column_pdf(path: Path, font: Path, pages: int = 2) -> Path:
    """Study pages: full-width title, two columns, running header and footer.

    The column lines are written row by row (left line 1, right line 1, left line 2, ...),
    as many PDF producers do: the content stream itself is not in reading order.
    """

    class _PDF(FPDF):
        def header(self) -> None:
            self.set_font("dejavu", size=8)
            self.cell(0, 5, "Seethermie-Studie Geiseltal", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(6)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 5, f"Seite {self.page_no()}", align="C")

    pdf = _PDF()
    pdf.add_font("dejavu", fname=str(font))
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("dejavu", size=14)
        pdf.cell(0, 8, f"{n}. Ergebnisse der Messreihe {n}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        pdf.set_font("dejavu", size=10)
        left = pdf.multi_cell(88, 5, LEFT_COLUMN, dry_run=True, output="LINES")
        right = pdf.multi_cell(88, 5, RIGHT_COLUMN, dry_run=True, output="LINES")
        top = pdf.get_y() + 4
        for i in range(max(len(left), len(right))):
            y = top + 5 * i
            if i < len(left):
                pdf.text(pdf.l_margin, y, left[i])
            if i < len(right):
                pdf.text(112, y, right[i])
        pdf.set_y(top + 5 * max(len(left), len(right)) + 6)
        pdf.multi_cell(
            0,
            5,
            "Zusammenfassung: Die Studie empfiehlt eine Projektgesellschaft mit Beteiligung "
            "der Stadtwerke und einen Förderantrag bis Ende 2026.",
        )
    pdf.output(str(path))
    return path


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def char_accuracy(reference: str, hypothesis: str) -> float:
    """1 - Levenshtein distance / reference length, on whitespace-collapsed text."""
    ref = re.sub(r"\s+", " ", reference).strip()
    hyp = re.sub(r"\s+", " ", hypothesis).strip()
    prev = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        cur = [i]
        for j, b in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return 1 - prev[-1] / max(1, len(ref))
