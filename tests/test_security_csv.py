"""OWASP CSV-injection neutralisation for exports."""

from __future__ import annotations

import csv
import io

import pytest

from foerderberater.security.csv_safe import is_dangerous, neutralise, safe_row, to_csv


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("https://example.invalid";"klick")',
        "+41 341 1234",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",  # spreadsheets ignore the leading blanks
        "\n=1+1",
        "\uff1d1+1",  # full-width equals sign
    ],
)
def test_formula_prefixes_get_an_apostrophe(value):
    assert is_dangerous(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Frist fehlt", "", "1+1=2", "Zeitz – Burgenlandkreis", "'=x"])
def test_harmless_text_stays(value):
    assert not is_dangerous(value) and neutralise(value) == value


def test_numbers_stay_numbers():
    assert safe_row([-5, 3.5, None, "-5"]) == [-5, 3.5, None, "'-5"]


def test_to_csv_round_trip():
    rows = [[1, "=1+1", "gut"], [2, "@cmd", 'Kommentar; mit "Zitat"\nund Zeile']]
    text = to_csv(["id", "kommentar", "bewertung"], rows)
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0] == ["id", "kommentar", "bewertung"]
    assert parsed[1] == ["1", "'=1+1", "gut"]
    assert parsed[2] == ["2", "'@cmd", 'Kommentar; mit "Zitat"\nund Zeile']
    cells = [cell for row in parsed for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
