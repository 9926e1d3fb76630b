"""Programme records read from the index store, and the citations that back reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from foerderberater.core.fmt import fmt_number
from foerderberater.core.schema import ProgrammeMeta
from foerderberater.core.text import clean_passage
from foerderberater.eligibility.model import Citation, Programme
from foerderberater.eligibility.textutil import window
from foerderberater.index.store import IndexVersion


def programmes_from_index(version: IndexVersion) -> list[Programme]:
    """The programmes of a loaded index version: validated metadata from its document records,
    sections rebuilt from its chunks (no corpus file is read)."""
    out = []
    for doc_id, rec in sorted(version.docs.items()):
        if not isinstance(rec.meta, ProgrammeMeta):
            continue
        sections: dict[str, list[str]] = {}
        for chunk in version.doc_chunks(doc_id):
            sections.setdefault(chunk.section, []).append(chunk.text)
        out.append(
            Programme(
                rec.slug,
                rec.slug,
                rec.title,
                rec.meta,
                {k: "\n".join(v) for k, v in sections.items()},
                path=doc_id,
            )
        )
    return out


def passage(prog: Programme, pattern: str | None, sections: Sequence[str]) -> Citation | None:
    """First sentence in ``sections`` (in order) matching ``pattern`` (or the first sentence)."""
    rx = re.compile(pattern, re.I) if pattern else None
    for name in sections:
        for sentence in prog.sentences(name):
            m = rx.search(sentence) if rx else None
            if rx is None or m:
                text_excerpt = window(sentence, m.start() if m else 0)
                return Citation("text", prog.doc_id, section=name, excerpt=text_excerpt)
    return None


def first_passage(
    prog: Programme, patterns: Sequence[str], sections: Sequence[str]
) -> Citation | None:
    """Try the patterns in order (most specific first) over all ``sections``."""
    for pattern in patterns:
        found = passage(prog, pattern, sections)
        if found is not None:
            return found
    return None


def amount_pattern(value: float) -> str:
    """'30.000 Euro', '1 Mio. Euro', '10 Mio' – how the corpus writes an amount."""
    forms = [re.escape(fmt_number(value))]
    if value >= 1_000_000:
        forms.append(re.escape(fmt_number(value / 1_000_000)) + r"\s*Mio")
    return r"(?<![\d.,])(?:" + "|".join(forms) + r")(?![\d.,]\d)"


def quote_cite(prog: Programme, quote: str) -> Citation | None:
    """The verbatim ``beleg`` of a structured entry as a text citation with its section (None
    when the quote is not in the programme text – the corpus consistency test prevents that)."""
    wanted = clean_passage(quote)
    for name, text in prog.sections.items():
        if wanted in clean_passage(text):
            return Citation("text", prog.doc_id, section=name, excerpt=wanted)
    return None


def meta_cite(prog: Programme, key: str, value: Any = None) -> Citation:
    return Citation(
        "metadaten",
        prog.doc_id,
        field=key,
        value=prog.meta.json_value(key) if value is None else value,
    )


def cite_all(*items: Citation | None) -> tuple[Citation, ...]:
    return tuple(c for c in items if c is not None)


WHO = ("Wer wird gefördert", "Voraussetzungen", "Kurzbeschreibung")
REQ = ("Voraussetzungen", "Wer wird gefördert", "Antragsverfahren", "Hinweise")
WHAT = ("Was wird gefördert", "Kurzbeschreibung")
