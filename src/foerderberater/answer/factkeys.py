"""Normalised keys of the checkable facts in German text: numbers, dates and name tokens.

"1.750" and "1750" are one number, "1,25 Mio. €" equals "1.250.000 Euro", "35 %" equals
"35 Prozent"; "12.01.2023", "2023-01-12" and "12. Januar 2023" are the date "2023-01-12".
Pure functions; the grounding check compares these keys between a sentence and its sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Unit = Literal["", "%", "€"]

_MONTHS = {
    "januar": 1,
    "jan": 1,
    "februar": 2,
    "feb": 2,
    "märz": 3,
    "mär": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}
_MONTH = (
    r"(januar|jan\.?|februar|feb\.?|märz|mär\.?|april|apr\.?|mai|juni|jun\.?|juli|jul\.?"
    r"|august|aug\.?|september|sept?\.?|oktober|okt\.?|november|nov\.?|dezember|dez\.?)"
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})(?!\d))?")
_TEXT_DATE = re.compile(rf"(?<!\d)(\d{{1,2}})\.\s*{_MONTH}(?:\s+(\d{{4}}))?(?!\w)", re.I)
_MONTH_YEAR = re.compile(rf"(?<!\w){_MONTH}\s+(\d{{4}})(?!\d)", re.I)

_NUMBER = re.compile(
    r"(?<![\w.,])(?:(?P<cur1>€|EUR)\s?)?"
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?![\d])"
    r"(?:\s?(?P<scale>Mio\.?|Millionen|Million|Mrd\.?|Milliarden|Milliarde|Tsd\.?|Tausend|T€|TEUR)"
    r"(?!\w))?"
    r"(?:\s?(?P<unit>%|Prozent|v\.\s?H\.|€|EUR\b|Euro\b))?"
)
_SCALES = {
    "mio": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "millionen": Decimal(10) ** 6,
    "mrd": Decimal(10) ** 9,
    "milliarde": Decimal(10) ** 9,
    "milliarden": Decimal(10) ** 9,
    "tsd": Decimal(1000),
    "tausend": Decimal(1000),
    "t€": Decimal(1000),
    "teur": Decimal(1000),
}
_WORD = re.compile(r"[\wÄÖÜäöüß][\w&ÄÖÜäöüß-]*")
_UPPER = re.compile(r"[A-ZÄÖÜ]")
_ACRONYM = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüß&]*$")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-zÄÖÜäöüß]")

# Acronyms so common in the domain that they name no programme; a model may use them freely.
GENERIC_ACRONYMS = frozenset({"kmu", "eu", "gmbh", "fue", "f&e", "it", "co2", "ag", "mwst", "ug"})


@dataclass(frozen=True)
class Number:
    value: Decimal
    unit: Unit
    raw: str = field(default="", compare=False)


def parse_decimal(raw: str) -> Decimal:
    """German formats first: "1.750" -> 1750, "1,25" -> 1.25; "1.5" (not a 3-digit group) -> 1.5."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        return Decimal(raw.replace(".", "").replace(",", "."))
    return Decimal(raw.replace(",", "."))


def extract_numbers(text: str) -> list[Number]:
    out: list[Number] = []
    for m in _NUMBER.finditer(text):
        value = parse_decimal(m.group("num"))
        scale = (m.group("scale") or "").rstrip(".").casefold()
        unit_raw = (m.group("unit") or "").casefold()
        unit: Unit = ""
        if unit_raw in {"%", "prozent"} or unit_raw.startswith("v."):
            unit = "%"
        elif unit_raw or m.group("cur1") or scale in {"t€", "teur"}:
            unit = "€"
        if scale:
            value *= _SCALES[scale]
        out.append(Number(value, unit, m.group(0).strip()))
    return out


def number_supported(num: Number, support: Iterable[Number]) -> bool:
    """Same value; a unit in the sentence must match the source's unit unless that has none."""
    return any(n.value == num.value and (not num.unit or n.unit in {"", num.unit}) for n in support)


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _key(year: int | None, month: int, day: int | None) -> str | None:
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    if day is None:
        return f"{year:04d}-{month:02d}" if year else None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def extract_dates(text: str) -> tuple[str, list[str]]:
    """ISO-like keys of all dates ("2023-01-12", "2023-01", "--01-12" without year) and the
    text with those dates blanked out, so their digits are not read again as numbers."""
    keys: list[str] = []

    def take(key: str | None, m: re.Match[str]) -> str:
        if key is None:
            return m.group(0)
        keys.append(key)
        return " "

    text = _ISO_DATE.sub(lambda m: take(_key(int(m[1]), int(m[2]), int(m[3])), m), text)
    text = _TEXT_DATE.sub(
        lambda m: take(_key(_year(m[3]), _MONTHS[m[2].rstrip(".").casefold()], int(m[1])), m),
        text,
    )
    text = _NUMERIC_DATE.sub(lambda m: take(_key(_year(m[3]), int(m[2]), int(m[1])), m), text)
    text = _MONTH_YEAR.sub(
        lambda m: take(_key(int(m[2]), _MONTHS[m[1].rstrip(".").casefold()], None), m), text
    )
    return text, keys


def date_years(keys: Iterable[str]) -> set[Number]:
    """Years of dates as plain numbers: a source dated "31.12.2026" supports "Ende 2026"."""
    return {Number(Decimal(int(k[:4])), "") for k in keys if not k.startswith("--")}


def date_supported(key: str, support: Iterable[str]) -> bool:
    """Exact match, or the sentence is less precise (month of a dated day, day without year)."""
    for s in support:
        if s == key:
            return True
        if len(key) == 7 and s.startswith(key + "-"):  # "2023-01" vs "2023-01-12"
            return True
        if key.startswith("--") and len(s) == 10 and s.endswith(key[1:]):  # "--01-12"
            return True
    return False


def _is_name(part: str) -> bool:
    if part.casefold() in GENERIC_ACRONYMS:
        return False
    if _HAS_DIGIT.search(part):
        return bool(_HAS_LETTER.search(part))
    return bool(_ACRONYM.match(part)) and len(_UPPER.findall(part)) >= 2


def name_tokens(text: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Name-like tokens: acronyms (ZIM, KfW, EEW), words with digits (H2-ready), known names."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        for part in m.group(0).strip("-").split("-"):
            if part and _is_name(part) and part not in out:
                out.append(part)
    folded = text.casefold()
    for name in sorted(known):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) and name not in out:
            out.append(name)
    return out


def mentions(name: str, text_folded: str) -> bool:
    """``name`` (casefolded) occurs as a whole word or word part in ``text_folded``."""
    return re.search(rf"(?<![\wÄÖÜäöüß]){re.escape(name)}(?![\wÄÖÜäöüß])", text_folded) is not None
