"""Reading order of a text page from word boxes: lines, paragraphs and two-column layout.

Words are grouped into rows by vertical overlap. A page is read as two columns where a
vertical gutter in the middle half of the text body separates runs of at least three lines
on each side, and both sides hold prose: most lines fill their column (not a letterhead,
an address block or the cells of a borderless table). Rows that cross the gutter (a title,
a full-width paragraph, a table) end a run: the text reads left column, right column, then
the full-width row. Pre-formatted blocks (tables as row units) take part in the ordering by
their box and are never merged with words. Paragraph breaks (blank lines) follow gaps
clearly above the usual line gap.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

GUTTER_MIN = 9.0  # pt; wider than any word space, narrower than real column gaps
MIN_COLUMN_LINES = 3
MIN_COLUMN_WIDTH = 0.25  # widest line on each side, as a share of the text body width
FULL_LINE = 0.7  # a line "fills" its column at this share of the column's widest line
FULL_SHARE = 0.6  # share of a column's lines that must fill it


@dataclass(frozen=True)
class Box:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    block: bool = False  # pre-formatted block (table): kept whole, set off by blank lines


@dataclass(frozen=True)
class PageText:
    text: str
    columns: int  # 2 when at least one two-column run was found


@dataclass
class _Row:
    boxes: list[Box]

    @property
    def top(self) -> float:
        return min(b.top for b in self.boxes)

    @property
    def bottom(self) -> float:
        return max(b.bottom for b in self.boxes)

    @property
    def block(self) -> bool:
        return self.boxes[0].block


def _rows(boxes: Sequence[Box]) -> list[_Row]:
    """Group boxes into rows: a word joins the row it overlaps vertically by half its height."""
    rows: list[_Row] = []
    for box in sorted(boxes, key=lambda b: (b.top, b.x0)):
        row = rows[-1] if rows else None
        if box.block or row is None or row.block:
            rows.append(_Row([box]))
            continue
        overlap = min(row.bottom, box.bottom) - max(row.top, box.top)
        height = min(box.bottom - box.top, row.bottom - row.top)
        if overlap >= 0.5 * max(height, 0.1):
            row.boxes.append(box)
        else:
            rows.append(_Row([box]))
    for row in rows:
        row.boxes.sort(key=lambda b: b.x0)
    return rows


def _side_parts(row: _Row, g0: float, g1: float) -> tuple[list[Box], list[Box]] | None:
    """Split a row at the gutter [g0, g1]; None when a box crosses it."""
    left, right = [], []
    for b in row.boxes:
        if b.x1 <= g0:
            left.append(b)
        elif b.x0 >= g1:
            right.append(b)
        else:
            return None
    return left, right


def _runs(rows: list[_Row], g0: float, g1: float, body: float) -> list[tuple[int, int]]:
    """Index ranges [start, end) of rows that read as two columns at this gutter."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(len(rows) + 1):
        split = _side_parts(rows[i], g0, g1) if i < len(rows) else None
        if split is not None:
            continue
        if i - start >= MIN_COLUMN_LINES and _is_two_columns(rows[start:i], g0, g1, body):
            runs.append((start, i))
        start = i + 1
    return runs


def _is_two_columns(rows: list[_Row], g0: float, g1: float, body: float) -> bool:
    lefts, rights = [], []
    for row in rows:
        parts = _side_parts(row, g0, g1)
        if parts is None:
            return False
        left, right = parts
        if left:
            lefts.append(max(b.x1 for b in left) - min(b.x0 for b in left))
        if right:
            rights.append(max(b.x1 for b in right) - min(b.x0 for b in right))
    if len(lefts) < MIN_COLUMN_LINES or len(rights) < MIN_COLUMN_LINES:
        return False
    widest = min(max(lefts), max(rights))
    return widest >= MIN_COLUMN_WIDTH * body and _fills(lefts) and _fills(rights)


def _fills(widths: list[float]) -> bool:
    """Prose fills its column: most lines are nearly as wide as the widest one. Letterheads,
    address blocks and the cells of a borderless table are ragged and fail this."""
    full = sum(1 for w in widths if w >= FULL_LINE * max(widths))
    return full >= FULL_SHARE * len(widths)


def _find_gutter(rows: list[_Row]) -> tuple[float, float, list[tuple[int, int]]] | None:
    words = [b for r in rows for b in r.boxes]
    x_min, x_max = min(b.x0 for b in words), max(b.x1 for b in words)
    body = x_max - x_min
    if body < 150 or len(rows) < 2 * MIN_COLUMN_LINES:
        return None
    scores: list[tuple[float, int, list[tuple[int, int]]]] = []
    x = x_min + body / 4
    while x + GUTTER_MIN <= x_min + 3 * body / 4:
        runs = _runs(rows, x, x + GUTTER_MIN, body)
        scores.append((x, sum(e - s for s, e in runs), runs))
        x += 2.0
    top = max((s for _, s, _ in scores), default=0)
    if not top:
        return None
    # the middle of the widest plateau of best positions: the gutter's centre, not its edge
    plateaus: list[list[int]] = []
    for i, (_, score, _) in enumerate(scores):
        if score == top:
            if plateaus and plateaus[-1][-1] == i - 1:
                plateaus[-1].append(i)
            else:
                plateaus.append([i])
    widest = max(plateaus, key=len)
    g0, _, runs = scores[widest[len(widest) // 2]]
    return g0, g0 + GUTTER_MIN, runs


_LEADER = re.compile(r"(?:\s?[.…·_]){5,}\s?")


def _line(boxes: Sequence[Box]) -> str:
    """Words of one line; a dot leader ("Kapitel . . . . 12") becomes one ellipsis."""
    return _LEADER.sub(" … ", " ".join(b.text for b in boxes if b.text)).strip()


_Item = tuple[float, float, str, bool, bool]  # top, bottom, text, block, column start


def _emit(seq: list[_Item], line_height: float) -> list[str]:
    """Lines in reading order -> text lines with blank lines at paragraph gaps and blocks.

    A paragraph gap is clearly larger than the page's usual gap between lines. At the start
    of the right column the gap is not measured: that column starts at its own top.
    """
    items = [it for it in seq if it[2]]
    gaps = [
        cur[0] - prev[1]
        for prev, cur in zip(items, items[1:], strict=False)
        if not (cur[3] or prev[3] or cur[4]) and cur[0] >= prev[1]
    ]
    threshold = (statistics.median(gaps) if gaps else 0.0) + 0.6 * line_height
    out: list[str] = []
    prev: _Item | None = None
    for item in items:
        top, _, text, block, column_start = item
        if prev is not None:
            gap = 0.0 if column_start else top - prev[1]
            if block or prev[3] or gap > threshold:
                out.append("")
        out.append(text)
        prev = item
    return out


def reading_order(boxes: Sequence[Box]) -> PageText:
    """Text of one page in reading order (columns, paragraphs, blocks)."""
    if not boxes:
        return PageText("", 1)
    rows = _rows(boxes)
    heights = [b.bottom - b.top for r in rows if not r.block for b in r.boxes]
    line_height = statistics.median(heights) if heights else 10.0
    gutter = _find_gutter(rows)
    runs = gutter[2] if gutter else []
    seq: list[_Item] = []
    i = 0
    for start, end in [*runs, (len(rows), len(rows))]:
        for row in rows[i:start]:
            seq.append((row.top, row.bottom, _line(row.boxes), row.block, False))
        if start == end:
            break
        assert gutter is not None
        for side in (0, 1):
            first = True
            for row in rows[start:end]:
                parts = _side_parts(row, gutter[0], gutter[1])
                part = parts[side] if parts else []
                if part:
                    top, bottom = min(b.top for b in part), max(b.bottom for b in part)
                    seq.append((top, bottom, _line(part), row.block, first and side == 1))
                    first = False
        i = end
    return PageText("\n".join(_emit(seq, line_height)), 2 if runs else 1)
