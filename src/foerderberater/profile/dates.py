"""German start-date expressions in free text: the planned start and whether it has begun.

Conventions (eval/check_freetext.yaml): a quarter or month is its first day; Frühjahr/Frühling
1 March, Sommer 1 June, Herbst 1 September, Winter 1 December; Anfang/Mitte/Ende of a year
January/July/October; a bare year 1 January; „nächstes Jahr“ 1 January of the next year;
„frühestens X“ the earliest day of X. Past expressions („letzten Monat angefangen“, „läuft
schon seit Oktober“) mean the project has begun. Founding years („gegründet 2024“, „seit 1998“)
are no start dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from foerderberater.profile.parse import MONTHS

SEASONS = {"frühjahr": 3, "frühling": 3, "sommer": 6, "herbst": 9, "winter": 12}
PART = {"anfang": 1, "beginn": 1, "mitte": 7, "ende": 10}
ORDINAL = {
    "ersten": 1,
    "zweiten": 2,
    "dritten": 3,
    "vierten": 4,
    "1.": 1,
    "2.": 2,
    "3.": 3,
    "4.": 4,
}
COUNT = {"einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6}
NEXT = r"(?:nächste[nms]?|kommende[nms]?)"
_MONTH = "|".join(MONTHS)
_YEAR = r"(20\d\d)"
_YY = r"(20\d\d|\d\d)"

# (pattern, kind); kinds are resolved in ``_resolve`` – first match in the text wins
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), kind)
    for p, kind in (
        (r"\b(\d{4})-(\d{2})-(\d{2})\b", "iso"),
        (r"\b(\d{1,2})\.(\d{1,2})\.(20\d\d)\b", "dmy"),
        (rf"\b(\d{{1,2}})\.\s*({_MONTH})\s+{_YEAR}\b", "day_month"),
        (r"\bin\s+(\d+|einem|einer|zwei|drei|vier|fünf|sechs)\s+(Monat|Woche)(?:en)?\b", "in_n"),
        (rf"\bQ\s?([1-4])\s*[/.\-]?\s*{_YY}\b", "quarter"),
        (rf"\b([1-4]\.|ersten|zweiten|dritten|vierten)\s+Quartal(?:s)?\s+{_YEAR}", "quarter"),
        (rf"\b(0?[1-9]|1[0-2])\s*/\s*{_YEAR}\b", "month_num"),
        (rf"\b(?:(Anfang|Mitte|Ende)\s+)?({_MONTH})\s+{_YEAR}\b", "month"),
        (rf"\b({'|'.join(SEASONS)})\s+{_YEAR}\b", "season"),
        (rf"\b{NEXT}\s+({'|'.join(SEASONS)})\b", "season_next"),
        (rf"\b(Anfang|Mitte|Ende)\s+{_YEAR}\b", "part"),
        (r"\b(?:im\s+)?übernächste[nms]?\s+Jahr(?:es)?\b", "year_after_next"),
        (rf"\b(?:im\s+)?{NEXT}\s+Jahr(?:es)?\b", "next_year"),
        (rf"\b(?:im\s+)?{NEXT}\s+Monat\b", "next_month"),
        (rf"\b({_MONTH})\b(?!\s+\d)", "month_only"),
        (rf"\b{_YEAR}\b", "year"),
    )
)
# a year right after these words is a founding year or a past, not the start
_NOT_START = re.compile(
    r"(?:gegründet|gründung\w*|gründungsjahr|seit|bestehend|bestehender|gmbh seit|am markt|"
    r"baujahr|im jahr der gründung)\s*(?:im\s+jahr\s+|:)?\s*$",
    re.I,
)
_NOT_START_AFTER = re.compile(r"^\s*(?:gegründet|bestehend|gegr\.)", re.I)
# „seit Oktober“, „letzten Monat angefangen“, „vor zwei Monaten begonnen“: begun
BEGUN = re.compile(
    r"(?:letzten|vorigen|vergangenen)\s+(?:Monat|Woche|Jahr)\w*\s+(?:\w+\s+){0,8}?"
    r"(?:angefangen|begonnen|gestartet|losgelegt)"
    r"|(?:angefangen|begonnen|gestartet)\s+(?:\w+\s+){0,2}(?:letzten|vorigen)\s+(?:Monat|Woche)"
    r"|vor\s+(?:\w+\s+)?(?:Monaten|Wochen|einem Monat|einer Woche)\s+(?:\w+\s+){0,4}?"
    r"(?:angefangen|begonnen|gestartet)"
    r"|(?:läuft|laufen)\s+(?:schon|bereits)|(?:schon|bereits)\s+(?:seit|begonnen|gestartet|"
    r"angefangen|losgelegt|bestellt|beauftragt)"
    r"|(?:haben|hat)\s+(?:\w+\s+){0,10}?(?:angefangen|begonnen)\b"
    r"|(?:bereits|schon)\s+(?:\w+\s+){0,3}(?:begonnen|gestartet|angefangen|bestellt|beauftragt)",
    re.I,
)
NOT_BEGUN = re.compile(
    r"noch nicht (?:begonnen|gestartet|angefangen|bestellt|beauftragt)"
    r"|(?:bestellt|beauftragt|begonnen|gebaut|gekauft)\s+(?:wird|werden)\s+(?:\w+\s+){0,3}"
    r"(?:erst|nach|wenn)"
    r"|erst\s+(?:nach|wenn|mit)\s+(?:der\s+)?(?:Förderzusage|Bewilligung|Zusage|Förderung)",
    re.I,
)


@dataclass(frozen=True)
class StartInfo:
    beginn: dt.date | None
    begonnen: bool | None  # only when the text says so; else the date decides (Profile.started)


def _quarter(raw: str) -> int:
    return ORDINAL.get(raw.casefold(), 0) or int(raw.rstrip("."))


def _year(raw: str) -> int:
    return int(raw) if len(raw) == 4 else 2000 + int(raw)


def _resolve(m: re.Match[str], kind: str, today: dt.date) -> dt.date | None:
    g = m.groups()
    try:
        if kind == "iso":
            return dt.date(int(g[0]), int(g[1]), int(g[2]))
        if kind == "dmy":
            return dt.date(int(g[2]), int(g[1]), int(g[0]))
        if kind == "day_month":
            return dt.date(int(g[2]), MONTHS[g[1].casefold()], int(g[0]))
        if kind == "in_n":
            n = COUNT.get(g[0].casefold()) or int(g[0])
            if g[1].casefold().startswith("woche"):
                return today + dt.timedelta(weeks=n)
            month = today.month - 1 + n
            return dt.date(today.year + month // 12, month % 12 + 1, min(today.day, 28))
        if kind == "quarter":
            return dt.date(_year(g[1]), 3 * _quarter(g[0]) - 2, 1)
        if kind == "month_num":
            return dt.date(int(g[1]), int(g[0]), 1)
        if kind == "month":
            return dt.date(int(g[2]), MONTHS[g[1].casefold()], 1)
        if kind == "season":
            return dt.date(int(g[1]), SEASONS[g[0].casefold()], 1)
        if kind == "season_next":
            month = SEASONS[g[0].casefold()]
            year = today.year if dt.date(today.year, month, 1) > today else today.year + 1
            return dt.date(year, month, 1)
        if kind == "part":
            return dt.date(int(g[1]), PART[g[0].casefold()], 1)
        if kind == "next_year":
            return dt.date(today.year + 1, 1, 1)
        if kind == "year_after_next":
            return dt.date(today.year + 2, 1, 1)
        if kind == "next_month":
            return dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)
        if kind == "month_only":
            month = MONTHS[g[0].casefold()]
            year = today.year if month >= today.month else today.year + 1
            return dt.date(year, month, 1)
        if kind == "year":
            return dt.date(int(g[0]), 1, 1)
    except ValueError:
        return None
    return None


def _is_founding(text: str, m: re.Match[str]) -> bool:
    before = text[max(0, m.start() - 30) : m.start()]
    return bool(_NOT_START.search(before) or _NOT_START_AFTER.match(text[m.end() : m.end() + 20]))


def find_start(text: str, today: dt.date) -> StartInfo:
    """The planned start and whether the project has begun on ``today`` (None: unknown)."""
    found: list[tuple[int, int, dt.date, bool]] = []  # start, end, day, in the past
    for rx, kind in PATTERNS:
        for m in rx.finditer(text):
            if any(a <= m.start() < b or m.start() <= a < m.end() for a, b, _, _ in found):
                continue  # inside a more specific expression („2027“ in „Q2/2027“)
            since = bool(re.search(r"seit\s*$", text[max(0, m.start() - 10) : m.start()]))
            if kind == "month_only" and since:
                found.append((m.start(), m.end(), today, True))
                continue
            if kind in ("year", "month", "part", "month_only") and _is_founding(text, m):
                continue
            day = _resolve(m, kind, today)
            if day is not None:
                found.append((m.start(), m.end(), day, False))
    begun: bool | None = None
    if NOT_BEGUN.search(text):
        begun = False
    elif BEGUN.search(text) or any(past for *_, past in found):
        begun = True
    future = sorted((a, day) for a, _, day, past in found if not past)
    return StartInfo(future[0][1] if future else None, begun)
