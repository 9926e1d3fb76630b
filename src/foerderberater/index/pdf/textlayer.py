"""Does a page have a usable text layer? And running-line removal that cannot empty a page.

Today's ingest decides "kein Textlayer, OCR nötig" from the text left *after* running
headers and footers are removed. On a short document whose pages are near-identical (a
form printed three times, a one-line notice per page) every line is an "edge line repeated
on most pages", so all text is stripped and a PDF with a perfect text layer is reported as
a scan. Here the decision is made per page on the raw text layer, and the running-line
removal keeps a page's text when stripping would take most of it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from foerderberater.core.text import drop_page_number_lines

MIN_PAGE_CHARS = 15  # non-space characters for a page to count as having a text layer
MIN_IMAGE_SHARE = 0.3  # a page without text is a scan when images cover this much of it
MAX_STRIP_SHARE = 0.6  # running-line removal may take at most this share of a page's text
_CID = re.compile(r"\(cid:\d+\)")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class PageLayer:
    number: int
    chars: int  # non-space characters in the text layer
    image_share: float  # share of the page area covered by images (0..1)
    garbled: bool = False  # glyphs without Unicode mapping: text layer unusable

    @property
    def has_text(self) -> bool:
        return self.chars >= MIN_PAGE_CHARS and not self.garbled

    @property
    def needs_ocr(self) -> bool:
        """No usable text, but an image large enough to be a scanned page."""
        return not self.has_text and self.image_share >= MIN_IMAGE_SHARE


def count_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def is_garbled(text: str) -> bool:
    """pdfminer writes "(cid:12)" for glyphs it cannot map: mostly such tokens = unusable."""
    cids = _CID.findall(text)
    if not cids:
        return False
    return sum(len(c) for c in cids) > 0.5 * max(1, count_chars(text))


def image_share(
    images: Sequence[tuple[float, float, float, float]], width: float, height: float
) -> float:
    """Share of the page covered by image boxes (x0, top, x1, bottom), clipped to the page.

    Overlapping images count once: the union is measured on a grid of 100 x 100 cells.
    """
    if width <= 0 or height <= 0 or not images:
        return 0.0
    n = 100
    covered = [[False] * n for _ in range(n)]
    for x0, top, x1, bottom in images:
        c0, c1 = max(0, int(x0 / width * n)), min(n, int(x1 / width * n + 0.999))
        r0, r1 = max(0, int(top / height * n)), min(n, int(bottom / height * n + 0.999))
        for r in range(r0, r1):
            row = covered[r]
            for c in range(c0, c1):
                row[c] = True
    return sum(sum(row) for row in covered) / (n * n)


def document_has_text_layer(layers: Sequence[PageLayer]) -> bool:
    """The corrected document-level check: any page with its own usable text layer."""
    return any(layer.has_text for layer in layers)


def _key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _windows(lines: list[str], edge_lines: int) -> tuple[int, int]:
    """Edge lines at top and bottom, as in ``text.strip_running_lines``, but a window ends at
    a blank line: a header set off from the body by a gap never takes body lines with it."""
    n = len(lines)
    head, tail = min(edge_lines, max(1, n // 2)), min(edge_lines, n // 2)
    for i in range(1, head):
        if not lines[i].strip():
            head = i
            break
    for i in range(1, tail):
        if not lines[n - 1 - i].strip():
            tail = i
            break
    return head, tail


def strip_running_lines_guarded(pages: Sequence[str], edge_lines: int = 3) -> list[str]:
    """Remove running headers/footers: edge lines repeated (digits ignored) on most pages.

    Differences to ``text.strip_running_lines``: the edge window stops at a blank line
    (layout text marks paragraph gaps), and a page keeps its text when the removal would
    take more than ``MAX_STRIP_SHARE`` of it (near-identical pages are content, not
    headers). Lone page-number lines ("Seite 2 von 3") go in every case.
    """
    if len(pages) < 2:
        return [drop_page_number_lines(p) for p in pages]
    split = [p.split("\n") for p in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        head, tail = _windows(lines, edge_lines)
        edges = lines[:head] + lines[len(lines) - tail :]
        counts.update({_key(x) for x in edges if x.strip()})
    threshold = max(2, (len(pages) + 1) // 2)
    repeated = {k for k, c in counts.items() if c >= threshold and len(k) <= 160}
    out = []
    for raw, lines in zip(pages, split, strict=True):
        n = len(lines)
        head, tail = _windows(lines, edge_lines)
        keep = [
            line
            for i, line in enumerate(lines)
            if not ((i < head or i >= n - tail) and line.strip() and _key(line) in repeated)
        ]
        new = "\n".join(keep).strip()
        before = count_chars(raw)
        if before and count_chars(new) < (1 - MAX_STRIP_SHARE) * before:
            new = _drop_numbered_edges(raw)
        out.append(drop_page_number_lines(new))
    return out


_PAGE_LINE = re.compile(r"^(seite\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(von|/)\s*\d{1,4})?$", re.I)


def _drop_numbered_edges(page: str) -> str:
    """Remove page-number lines anywhere in the first/last three lines of a kept page."""
    lines = page.split("\n")
    n = len(lines)
    keep = [
        line
        for i, line in enumerate(lines)
        if not ((i < 3 or i >= n - 3) and _PAGE_LINE.match(line.strip()))
    ]
    return "\n".join(keep).strip()
