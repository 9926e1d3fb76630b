"""Numbers (and the size words next to them) in German programme text for the corpus
consistency check: rates („35 %“), amounts
(„1.750 Euro“, „20 Mio. Euro“, „0,5 bis 15 Mio.“ with the unit shared in a range) and plain
numbers (also number words), with their position."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS = {
    "ein": 1,
    "einem": 1,
    "eine": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "zwölf": 12,
    "fünfzehn": 15,
}
_UNITS = {"mrd": 1e9, "milliard": 1e9, "mio": 1e6, "million": 1e6, "tsd": 1e3, "tau": 1e3}
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_TOKEN = re.compile(
    rf"(?P<num>{_NUM}|\b(?:{'|'.join(WORDS)})\b)"
    r"(?P<unit>\s*(?:Mrd\.?|Milliarden?|Mio\.?|Millionen?|Tsd\.?|Tausend))?"
    r"(?P<cur>\s*(?:Euro\b|€|EUR\b))?"
    r"(?P<pct>\s*(?:%|Prozent))?",
    re.I,
)
SIZE_RX = {
    "klein": r"klein|KMU|KU\b",
    "mittel": r"mittler|mittel|KMU|MU\b",
    "gross": r"[Gg]ro(?:ß|ss)|GU\b|übrige|weitere Mittelständler",
}
_JOIN = re.compile(r"^\s*(?:bis(?: zu)?|und|oder|–|-|/|,|bzw\.)\s*$", re.I)
_BELOW = re.compile(r"weniger als|unter|kleiner als|<")


def norm(text: str) -> str:
    """Markdown emphasis and code marks removed, runs of blanks collapsed (lines kept)."""
    return re.sub(r"[ \t]+", " ", text.replace("**", "").replace("`", ""))


def flat(text: str) -> str:
    return " ".join(norm(text).split())


@dataclass
class Token:
    kind: str  # pct | eur | plain
    base: float
    factor: float
    start: int
    end: int

    @property
    def value(self) -> float:
        return self.base * self.factor


def _factor(unit: str) -> float:
    key = unit.strip().lower().rstrip(".")
    return next(v for k, v in _UNITS.items() if key.startswith(k))


def tokens(text: str) -> list[Token]:
    """Numbers in ``text`` with kind and value (euros for amounts)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        raw = m["num"]
        if raw.lower() in WORDS:
            base = float(WORDS[raw.lower()])
        else:
            base = float(raw.replace(".", "").replace(",", "."))
        if m["pct"]:
            kind = "pct"
        elif m["unit"] or m["cur"]:
            kind = "eur"
        else:
            kind = "plain"
        out.append(Token(kind, base, _factor(m["unit"]) if m["unit"] else 1.0, m.start(), m.end()))
    # a bare number joined to the next one ("0,5 bis 15 Mio. Euro", "60/50/40 %") takes its
    # kind; "0,5 bis 15 Mio." shares the unit, "100.000 bis 10 Mio." only the currency
    for i in range(len(out) - 2, -1, -1):
        a, b = out[i], out[i + 1]
        if a.kind == "plain" and b.kind != "plain" and _JOIN.match(text[a.end : b.start]):
            a.kind = b.kind
            a.factor = b.factor if a.base < 1000 else 1.0
    return out


def has_number(text: str, value: float, kind: str) -> list[Token]:
    """Tokens of ``text`` equal to ``value`` (kind ``pct``/``eur`` must match; any for plain)."""
    return [
        t
        for t in tokens(text)
        if abs(t.value - value) <= 0.5 + 1e-6 * value and (kind == "plain" or t.kind == kind)
    ]


def below(text: str, value: float) -> bool:
    """``value`` written as an exclusive bound: „weniger als 500“ supports 499."""
    for t in tokens(text):
        if abs(t.value - value) < 0.5 and _BELOW.search(text[max(0, t.start - 25) : t.start]):
            return True
    return False


def blocks(body: str) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs of ``body``."""
    spans, pos = [], 0
    for para in re.split(r"(\n\s*\n)", body):
        if para.strip() and not para.startswith("\n"):
            spans.append((pos, pos + len(para)))
        pos += len(para)
    return spans


def nearest_size(text: str, hit: Token) -> str | None:
    """Size word closest to a number: up to 100 characters before, or directly after it
    („60 % für kleine“, „40 % (klein)“)."""
    best, best_d = None, 10**9
    words = (("kmu", r"KMU"), *((s, SIZE_RX[s].replace("|KMU", "")) for s in SIZE_RX))
    for size, rx in words:
        for m in re.finditer(rx, text):
            if m.end() <= hit.start and hit.start - m.end() <= 100:
                d = hit.start - m.end()
            elif m.start() >= hit.end and m.start() - hit.end <= 30:
                between = text[hit.end : m.start()]
                if not re.fullmatch(r"[\s(]*(?:für|bei)?\s*(?:die\s+)?", between):
                    continue
                d = 0
            else:
                continue
            if d < best_d:
                best, best_d = size, d
    return best
