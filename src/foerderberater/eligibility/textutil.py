"""Text helpers for quoted passages and reason texts: sentences, cleaning, windows, joining."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„(])")
_LIST_MARK = re.compile(r"^(?:[-*]|\d{1,2}\.)\s+")
# a split after these is no sentence end: "bis 50 Mio. Euro", "z. B. Stadtwerke", "1. Januar"
_NO_END = re.compile(
    r"(?:\b(?:Mio|Mrd|Tsd|ca|bzw|vgl|inkl|ggf|Nr|Abs|Art|Kap|max|min|bspw|sog|usw|evtl|"
    r"Std|Jh|St|Dr|Prof|[a-zA-Zäöü])|\d{1,2})\.$"
)


def _sentences(text: str) -> Iterable[str]:
    for line in text.split("\n"):
        line = _LIST_MARK.sub("", line.strip()).strip()
        if not line or line.startswith("|"):
            continue
        merged: list[str] = []
        for piece in _SENTENCE_END.split(line):
            if merged and _NO_END.search(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        yield from (s.strip() for s in merged if s.strip())


def _clean(sentence: str, limit: int = 240) -> str:
    s = re.sub(r"\*\*|`", "", sentence)
    s = re.sub(r"\s*\n\s*(?:[-*]\s+|\d{1,2}\.\s+)?", " ", s).strip()
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + " …"


def _window(sentence: str, focus: int, limit: int = 200) -> str:
    """The sentence, or a window of it that keeps the matched words visible."""
    s = _clean(sentence, 10**6)
    if len(s) <= limit:
        return s
    if focus < limit - 60:
        return _clean(s, limit)
    start = max(0, min(focus - 60, len(s) - limit))
    cut = s[start:]
    cut = cut.split(" ", 1)[1] if " " in cut[:30] else cut
    return "… " + _clean(cut, limit)


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)
