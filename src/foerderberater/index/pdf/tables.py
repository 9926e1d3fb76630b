"""Ruled tables as tables: each data row becomes one text unit that names its header cells.

"Größe: Kleine Unternehmen | Fördergebiet C: 35 % | Fördergebiet D: 25 %" keeps the rate
with its row label and its column, so retrieval and answers can cite one row. Detection uses
pdfplumber's line strategy; nested tables (a framed note inside a cell), empty tables
(checkbox grids) and sparse layout grids (letterheads drawn with lines) are not tables.
A two-level header ("Fördergebiet" over "C" / "D") is merged into one name per column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from foerderberater.core.text import join_hyphenated, normalize

MAX_HEADER_CELL = 80  # characters; longer first-row cells are data, not a header
MAX_UNIT_CHARS = 700  # a longer row is split into one unit per cell, each with its row label
MIN_FILL = 0.35  # share of non-empty cells below which a grid is page layout, not a table
MAX_CARRY = 100  # cells up to this length are repeated into a row continued on the next page

# words after or before which a line break inside a header cell is a real space
_FUNCTION_WORDS = frozenset(
    [
        "und",
        "oder",
        "bzw",
        "sowie",
        "der",
        "die",
        "das",
        "des",
        "dem",
        "den",
        "in",
        "im",
        "mit",
        "für",
        "von",
        "vom",
        "bis",
        "zu",
        "zur",
        "zum",
        "je",
        "pro",
        "ab",
        "an",
        "auf",
        "aus",
        "bei",
        "nach",
        "über",
        "unter",
        "vor",
        "ohne",
        "als",
        "ein",
        "eine",
        "einer",
        "eines",
        "einem",
        "einen",
        "dieser",
        "diese",
        "dieses",
        "diesem",
        "diesen",
        "ist",
        "sind",
        "wird",
        "werden",
        "nicht",
        "am",
        "um",
        "wie",
        "auch",
        "nur",
        "noch",
        "per",
        "laut",
    ]
)
_NUMERIC = re.compile(r"^[\d\s.,%€+\-–/]*\d[\d\s.,%€+\-–/]*$")

Bbox = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True)
class Table:
    page: int  # 1-based page number
    bbox: Bbox
    header: tuple[str, ...]  # one name per column; empty when the table has no header row
    rows: tuple[tuple[str, ...], ...]  # data rows, cleaned; merged label cells filled down
    units: tuple[str, ...]  # the text units, one per row (or per cell of a very long row)

    @property
    def text(self) -> str:
        """The table as page text: units separated by blank lines."""
        return "\n\n".join(self.units)


def _join_header_lines(lines: list[str]) -> str:
    """'Zuwendungs' + 'bescheides' -> 'Zuwendungsbescheides' (narrow header columns)."""
    out = lines[0] if lines else ""
    for nxt in lines[1:]:
        last = out.rsplit(" ", 1)[-1]
        first = nxt.split(" ", 1)[0]
        glue = (
            last[-1:].islower()
            and first[:1].islower()
            and last.lower() not in _FUNCTION_WORDS
            and first.lower().rstrip(".,") not in _FUNCTION_WORDS
        )
        out = f"{out}{nxt}" if glue else f"{out} {nxt}"
    return out


def clean_cell(raw: str | None, *, header: bool = False) -> str:
    if not raw:
        return ""
    text = join_hyphenated(normalize(raw))
    lines = [line for line in text.split("\n") if line.strip()]
    joined = _join_header_lines(lines) if header else " ".join(lines)
    return re.sub(r"\s+", " ", joined).strip()


def _is_header_row(cells: Sequence[str | None]) -> bool:
    texts = [c for c in cells if c]
    if len(texts) < 2 or len(texts) < len(cells) - 1:  # only the corner cell may be empty
        return False
    return all(len(t) <= MAX_HEADER_CELL and not _NUMERIC.match(t) for t in texts) and not any(
        "%" in t or "€" in t for t in texts
    )


def _is_sub_header(cells: Sequence[str | None]) -> bool:
    """Second header row: label column merged from above, short non-numeric names."""
    texts = [c for c in cells[1:] if c]
    if cells[0] or len(texts) < 2:
        return False
    return all(len(t) <= MAX_HEADER_CELL and "%" not in t and "€" not in t for t in texts)


def _fill_right(cells: list[str | None]) -> list[str]:
    out: list[str] = []
    for c in cells:
        out.append(c if c is not None else (out[-1] if out else ""))
    return out


def structure(raw_rows: Sequence[Sequence[str | None]]) -> tuple[list[str], list[list[str]]]:
    """(header, data rows) from pdfplumber cells; None marks a cell merged with a neighbour."""
    rows = [[c for c in row] for row in raw_rows if any(c for c in row)]
    if not rows:
        return [], []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_rows: list[list[str | None]] = []
    body: list[list[str | None]] = []
    cleaned = [
        [None if c is None else clean_cell(c, header=i < 2) for c in r] for i, r in enumerate(rows)
    ]
    if _is_header_row(cleaned[0]):
        header_rows.append(cleaned[0])
        if len(cleaned) > 2 and _is_sub_header(cleaned[1]):
            header_rows.append(cleaned[1])
        body = [[None if c is None else clean_cell(c) for c in r] for r in rows[len(header_rows) :]]
    else:
        body = [[None if c is None else clean_cell(c) for c in r] for r in rows]
    header: list[str] = []
    if header_rows:
        levels = [_fill_right(list(h)) for h in header_rows]
        for j in range(width):
            parts = [lv[j] for lv in levels if lv[j]]
            header.append(" ".join(dict.fromkeys(parts)))  # no "C C" from a vertical merge
    data: list[list[str]] = []
    for row in body:
        filled = [c or "" for c in row]
        if row[0] is None and data:  # label merged over several rows: repeat it
            filled[0] = data[-1][0]
        data.append(filled)
    return header, data


def _label(header: Sequence[str], row: Sequence[str]) -> str:
    """Row label: the first cell, plus the second when the first is only a running number."""
    n = 2 if len(row) > 2 and len(row[0]) <= 6 and row[1] else 1
    parts = [_named(header, row, j) for j in range(n) if row[j]]
    return " | ".join(parts)


def _named(header: Sequence[str], row: Sequence[str], j: int) -> str:
    name = header[j] if j < len(header) else ""
    return f"{name}: {row[j]}" if name else row[j]


def row_units(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """One text unit per data row; a header-only table (blank form) yields its column names."""
    if header and not any(any(c for c in r) for r in rows):
        return ["Tabellenspalten: " + " | ".join(h for h in header if h)]
    units: list[str] = []
    for row in rows:
        if not any(row):
            continue
        if not header and len(row) == 2 and row[0] and row[1]:
            sep = " " if row[0].endswith(":") else ": "
            units.append(f"{row[0]}{sep}{row[1]}")
            continue
        cells = [_named(header, row, j) for j in range(len(row)) if row[j]]
        unit = " | ".join(cells)
        if len(unit) <= MAX_UNIT_CHARS:
            units.append(unit)
            continue
        label = _label(header, row)
        n_label = label.count(" | ") + 1 if label else 0
        rest = [j for j in range(len(row)) if row[j]][n_label:]
        for j in rest:
            units.append(f"{label} | {_named(header, row, j)}" if label else _named(header, row, j))
    return units


def _inside(inner: Bbox, outer: Bbox, slack: float = 2.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _is_table(raw: Sequence[Sequence[str | None]], header: Sequence[str], rows: list) -> bool:
    cells = [c for r in raw for c in r]
    filled = sum(1 for c in cells if c and c.strip())
    cols_used = {j for r in raw for j, c in enumerate(r) if c and c.strip()}
    if filled < 2 or len(cols_used) < 2:
        return False
    blank_form = bool(header) and not any(any(c for c in r) for r in rows)
    return blank_form or filled / max(1, len(cells)) >= MIN_FILL


def find_tables(page: Any, page_number: int) -> list[Table]:
    """Tables of one pdfplumber page, top to bottom; nested and layout grids left out."""
    found = page.find_tables()
    boxes = [tuple(t.bbox) for t in found]
    tables: list[Table] = []
    for i, t in enumerate(found):
        bbox: Bbox = boxes[i]
        if any(j != i and _inside(bbox, other) and other != bbox for j, other in enumerate(boxes)):
            continue  # a table drawn inside a cell of another table
        raw = t.extract()
        header, rows = structure(raw)
        if not _is_table(raw, header, rows):
            continue
        units = row_units(header, rows)
        if units:
            tables.append(
                Table(page_number, bbox, tuple(header), tuple(map(tuple, rows)), tuple(units))
            )
    return sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0]))


def continue_from(previous: Table, table: Table) -> Table:
    """A table continued on the next page under the same header: its first row, when it
    starts with empty label cells, carries the short leading cells of the previous page's
    last row (e.g. "Lfd. Nr.: 1 | Beschlussnummer: 08-14 / V 12487")."""
    if not table.rows or not previous.rows or table.header != previous.header:
        return table
    first, last = list(table.rows[0]), previous.rows[-1]
    if first[0] or len(first) != len(last):
        return table
    for j, cell in enumerate(first):
        if cell:
            break
        if len(last[j]) <= MAX_CARRY:
            first[j] = last[j]
    rows = (tuple(first), *table.rows[1:])
    units = tuple(row_units(table.header, [list(r) for r in rows]))
    return Table(table.page, table.bbox, table.header, rows, units)
