"""Neutralise spreadsheet formulas in CSV exports (OWASP "CSV Injection").

A cell that a spreadsheet would read as a formula gets a leading apostrophe: cells starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return, also after leading spaces or a line
feed, and after the full-width look-alikes some spreadsheets accept. The apostrophe makes
Excel and LibreOffice show the text as typed instead of evaluating it. Numbers that are real
numbers (``int``/``float`` values) stay as they are, so numeric columns remain numeric.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# full-width forms of = + - @ that some spreadsheet programs normalise before parsing
_LOOKALIKES = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = " \n\u00a0\u3000"


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could interpret ``text`` as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return True
    stripped = text.lstrip(_LEADING_BLANKS)
    return stripped.startswith(FORMULA_PREFIXES + _LOOKALIKES)


def neutralise(value: Any) -> Any:
    """The value to write into a CSV cell: dangerous text gets a leading apostrophe."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


def to_csv(header: Sequence[str], rows: Iterable[Iterable[Any]], delimiter: str = ";") -> str:
    """CSV text (all cells quoted when needed by the ``csv`` module) with neutralised cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue()
