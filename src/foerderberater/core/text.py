"""German text clean-up for extracted PDF and Markdown text."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

SOFT_HYPHEN = "\u00ad"
# Letters that may end or start a hyphenated word part (German incl. umlauts/ß).
_LOWER = "a-zäöüß"
_WORD = "A-Za-zÄÖÜäöüß"
# "Förder-\nprogramm" -> "Förderprogramm"; keeps "Sachsen-\nAnhalt" -> "Sachsen-Anhalt".
# A conjunction after the break ("Wärme-\nund Kältenetze") is an elided compound part, not a
# continuation: the hyphen stays.
_HYPHEN_BREAK = re.compile(
    rf"([{_WORD}])[-\u2010\u2011]\s*\n\s*(?!(?:und|oder|bzw|sowie|bis)\b)([{_LOWER}])"
)
_HYPHEN_BREAK_UPPER = re.compile(rf"([{_WORD}])-\s*\n\s*([A-ZÄÖÜ0-9])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_DIGITS = re.compile(r"\d+")


def normalize(text: str) -> str:
    """NFC, no soft hyphens or ligatures, unified whitespace, trimmed lines."""
    text = unicodedata.normalize("NFC", text)
    for lig, repl in _LIGATURES.items():
        text = text.replace(lig, repl)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    # A soft hyphen at a line end marks a hyphenation point: join the word.
    text = re.sub(SOFT_HYPHEN + r"\s*\n\s*", "", text)
    text = text.replace(SOFT_HYPHEN, "")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def join_hyphenated(text: str) -> str:
    """Join words split across line ends by a hyphen.

    Lower-case continuation ("Förder-\\nprogramm") is one word; an upper-case continuation
    ("Sachsen-\\nAnhalt", "KfW-\\n270") is a real hyphenated compound and keeps its hyphen.
    """
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return _HYPHEN_BREAK_UPPER.sub(r"\1-\2", text)


def clean_page_text(text: str) -> str:
    return join_hyphenated(normalize(text))


_TRAILING_HYPHEN = re.compile(rf"([{_WORD}])-$")
_LEADING_LOWER_WORD = re.compile(rf"^([{_LOWER}][{_WORD}]*)([.,;:!?)]*)\s*")


def join_across_pages(pages: Sequence[str]) -> list[str]:
    """Join a word hyphenated from the end of one page onto the start of the next.

    The completed word stays on the earlier page. Run after running headers/footers are
    removed, otherwise the footer sits between the two halves.
    """
    out = list(pages)
    for i in range(len(out) - 1):
        head = out[i].rstrip()
        nxt = out[i + 1].lstrip()
        m = _LEADING_LOWER_WORD.match(nxt)
        if _TRAILING_HYPHEN.search(head) and m:
            out[i] = head[:-1] + m.group(1) + m.group(2)
            out[i + 1] = nxt[m.end() :]
    return out


def _line_key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _edge_sizes(n_lines: int, edge_lines: int) -> tuple[int, int]:
    """How many lines at the top and bottom count as page edges (never the middle line)."""
    return min(edge_lines, max(1, n_lines // 2)), min(edge_lines, n_lines // 2)


def strip_running_lines(pages: Sequence[str], edge_lines: int = 3) -> list[str]:
    """Remove running headers/footers: edge lines repeated (digits ignored) on many pages.

    Every repeated line within the edge window goes, also behind a line that changes from page
    to page (page number, chapter title), e.g. "9 / Kapitel / Bildungsplan 2016 – Deutsch".
    """
    if len(pages) < 2:
        return list(pages)
    split = [p.split("\n") for p in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        head, tail = _edge_sizes(len(lines), edge_lines)
        edges = lines[:head] + lines[len(lines) - tail :]
        counts.update({_line_key(x) for x in edges if x.strip()})
    threshold = max(2, (len(pages) + 1) // 2)
    repeated = {k for k, n in counts.items() if n >= threshold and len(k) <= 160}
    out = []
    for lines in split:
        n = len(lines)
        head, tail = _edge_sizes(n, edge_lines)
        # strip at the top and the bottom only, never from the middle of the page
        keep = [
            line
            for i, line in enumerate(lines)
            if not ((i < head or i >= n - tail) and line.strip() and _line_key(line) in repeated)
        ]
        while keep and not keep[0].strip():
            keep.pop(0)
        while keep and not keep[-1].strip():
            keep.pop()
        out.append("\n".join(keep))
    return out


_PAGE_NUMBER_ONLY = re.compile(r"^(seite\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(von|/)\s*\d{1,4})?$", re.I)


def drop_page_number_lines(page: str) -> str:
    """Remove lone page-number lines like "- 3 -" or "Seite 3 von 9" at page edges."""
    lines = page.split("\n")
    while lines and _PAGE_NUMBER_ONLY.match(lines[-1].strip()):
        lines.pop()
    while lines and _PAGE_NUMBER_ONLY.match(lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÄÖÜ0-9„\"(\[])")
# A split after these is no sentence end: "z. B.", "d. h.", "i. d. R.", "bis 50 Mio. Euro",
# "Nr. 3", "usw." and ordinals as in "am 1. Januar".
_ABBREVIATION_END = re.compile(
    r"(?:\b(?:Mio|Mrd|Tsd|ca|bzw|vgl|inkl|ggf|evtl|Nr|Abs|Art|Kap|gem|max|min|bspw|sog|usw|"
    r"Std|Jh|St|Dr|Prof|[a-zA-ZäöüÄÖÜ])|\b\d{1,2})\.$"
)
_LIST_MARK = re.compile(r"^(?:[-*+]|\d{1,2}\.)\s+")
_MD_NOISE = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*+]|\d{1,2}\.)\s+|^\s*\|", re.M)


def split_sentences(text: str) -> list[str]:
    """German sentence splitter that leaves abbreviations like "z. B." intact (lines joined)."""
    flat = re.sub(r"\s*\n\s*", " ", text.strip())
    merged: list[str] = []
    for part in _SENTENCE_END.split(flat):
        if merged and _ABBREVIATION_END.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [s.strip() for s in merged if s.strip()]


def line_sentences(text: str, *, tables: bool = False) -> list[str]:
    """Sentences line by line: a Markdown list item is its own line (marker dropped); table
    rows are skipped unless ``tables``."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or (line.startswith("|") and not tables):
            continue
        out.extend(split_sentences(clean_passage(line)))
    return out


def clean_passage(text: str) -> str:
    """A passage as plain text: Markdown emphasis, code marks, headings, list markers and
    table edges removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", _MD_NOISE.sub("", text)).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters, marked with " …"."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
