"""Text helpers for quoted passages and reason texts: windows around a match, joined values."""

from __future__ import annotations

from foerderberater.core.text import clean_passage, shorten


def excerpt(sentence: str, limit: int = 240) -> str:
    """A sentence as plain text, cut to ``limit`` characters."""
    return shorten(clean_passage(sentence), limit)


def window(sentence: str, focus: int, limit: int = 200) -> str:
    """The sentence, or a window of it that keeps the matched words visible."""
    s = clean_passage(sentence)
    if len(s) <= limit:
        return s
    if focus < limit - 60:
        return shorten(s, limit)
    start = max(0, min(focus - 60, len(s) - limit))
    cut = s[start:]
    cut = cut.split(" ", 1)[1] if " " in cut[:30] else cut
    return "… " + shorten(cut, limit)
