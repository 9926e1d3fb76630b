"""Lists in a document: an announcing sentence ("… vier Modellstandorte …", "… in drei
Modulen:") and the items that follow it – the next sentences of its section, or the table rows
with one first label that start right after it ("Modellstandort: Grimma · …")."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from foerderberater.index.sentences import STECKBRIEF, Sentence

LIST_MAX_CHARS = 700  # an announcing sentence with the items it announces
ROW_HEAD_CHARS = 110  # a row in a list quote: its first cells (the label and what it names)
LIST_MAX_ITEMS = 6
LIST_MAX_ROWS = 8
# "empfiehlt die Studie zwei Stränge." / "in vier Modulen:" – the next sentences are the items
_ANNOUNCES = re.compile(r":\s*$|\b(zwei|drei|vier|fünf|sechs)\s+(?:[a-zäöü]+\s+)?[A-ZÄÖÜ]\w+", re.I)
_COUNT_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6}
# a table row as the PDF reader writes it: "Modellstandort: Grimma · Landkreis: … · Land: …"
_ROW = re.compile(r"^([^:·]{2,60}): [^·]+ · ")


def announced_lists(sentences: Sequence[Sentence]) -> Iterator[tuple[int, list[int]]]:
    """(announcing sentence, its items) for every list with at least two items."""
    for i, a in enumerate(sentences):
        m = _ANNOUNCES.search(a.text)
        if not m or a.section == STECKBRIEF:
            continue
        count = _COUNT_WORDS.get((m.group(1) or "").lower(), 0)
        items = _rows_after(sentences, i, count) or _items_after(
            sentences, i, count or LIST_MAX_ITEMS
        )
        if len(items) >= 2:
            yield i, items


def _items_after(sentences: Sequence[Sentence], i: int, count: int) -> list[int]:
    """The sentences right after the announcing one, in its section, as items."""
    a, items = sentences[i], []
    for j in range(i + 1, min(len(sentences), i + 1 + count)):
        b, before = sentences[j], sentences[j - 1]
        if b.section != a.section or b.ordinal != before.ordinal + 1:
            break
        if sum(len(sentences[k].text) for k in [i, *items, j]) > LIST_MAX_CHARS:
            break
        items.append(j)
    return items


def _rows_after(sentences: Sequence[Sentence], i: int, count: int) -> list[int]:
    """Table rows with one first label that start within two sentences after the
    announcing one ("vier Modellstandorte …" – "Modellstandort: Grimma · …")."""
    a = sentences[i]
    for start in range(i + 1, min(len(sentences), i + 3)):
        first = _ROW.match(sentences[start].text)
        if first is None:
            continue
        rows: list[int] = []
        for j in range(start, min(len(sentences), start + (count or LIST_MAX_ROWS))):
            m = _ROW.match(sentences[j].text)
            if m is None or m.group(1) != first.group(1) or sentences[j].section != a.section:
                break
            if len(a.text) + sum(len(row_head(sentences[k].text)) for k in [*rows, j]) > (
                LIST_MAX_CHARS
            ):
                break
            rows.append(j)
        return rows
    return []


def row_head(text: str) -> str:
    """A table row's first cells, up to ROW_HEAD_CHARS; other sentences stay whole."""
    if not _ROW.match(text):
        return text
    cells = text.split(" · ")
    head = cells[0]
    for cell in cells[1:]:
        if len(head) + len(cell) + 3 > ROW_HEAD_CHARS:
            return f"{head} · …"
        head = f"{head} · {cell}"
    return head
