"""Programme records (from the corpus files or the index) and the citations that back reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from foerderberater.core.errors import FoerderberaterError, IngestError
from foerderberater.eligibility.model import Citation, Programme
from foerderberater.eligibility.textutil import _sentences, _window
from foerderberater.index.ingest import discover, doc_id_for, load_document
from foerderberater.profile import fmt_number

_SECTION = re.compile(r"^##\s+(.+?)\s*#*$")


def split_sections(text: str) -> dict[str, str]:
    """'## Heading' blocks of a Markdown programme text."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.split("\n"):
        m = _SECTION.match(line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items() if "\n".join(v).strip()}


def load_programmes(corpus_dir: Path) -> tuple[list[Programme], list[str]]:
    """All programme documents below ``corpus_dir`` (front matter + sections), with warnings."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FoerderberaterError(f"Korpus-Ordner {corpus_dir} nicht gefunden")
    paths = [p for p in discover(corpus_dir) if p.suffix.lower() in (".md", ".markdown")]
    programmes: list[Programme] = []
    warnings: list[str] = []
    for path in paths:
        try:
            doc = load_document(path, corpus_dir)
        except IngestError as exc:
            warnings.append(f"Übersprungen: {doc_id_for(path, corpus_dir)}: {exc.reason}")
            continue
        if doc.kind != "programm":
            continue
        text = "\n".join(p.text for p in doc.pages)
        programmes.append(
            Programme(doc.doc_id, doc.slug, doc.title, doc.metadata, split_sections(text))
        )
    return programmes, warnings


def programmes_from_index(version: Any) -> list[Programme]:
    """Programme records of a loaded ``IndexVersion`` (sections rebuilt from its chunks)."""
    out = []
    for doc_id, rec in sorted(version.docs.items()):
        if rec.kind != "programm":
            continue
        sections: dict[str, list[str]] = {}
        for chunk, _ in version.chunks_of(doc_id):
            sections.setdefault(chunk.section, []).append(chunk.text)
        out.append(
            Programme(
                doc_id,
                rec.slug,
                rec.title,
                rec.metadata,
                {k: "\n".join(v) for k, v in sections.items()},
            )
        )
    return out


def programmes_for(advisor: Any) -> tuple[list[Programme], list[str]]:
    """The corpus files when present (authoritative, no index needed), else the live index."""
    corpus_dir = Path(advisor.settings.corpus_dir)
    if corpus_dir.is_dir():
        programmes, warnings = load_programmes(corpus_dir)
        if programmes:
            return programmes, warnings
    return programmes_from_index(advisor.version), []


def passage(prog: Programme, pattern: str | None, sections: Sequence[str]) -> Citation | None:
    """First sentence in ``sections`` (in order) matching ``pattern`` (or the first sentence)."""
    rx = re.compile(pattern, re.I) if pattern else None
    for name in sections:
        text = prog.sections.get(name)
        if not text:
            continue
        for sentence in _sentences(text):
            m = rx.search(sentence) if rx else None
            if rx is None or m:
                excerpt = _window(sentence, m.start() if m else 0)
                return Citation("text", prog.doc_id, section=name, excerpt=excerpt)
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


def _amount_pattern(value: float) -> str:
    """'30.000 Euro', '1 Mio. Euro', '10 Mio' – how the corpus writes an amount."""
    forms = [re.escape(fmt_number(value))]
    if value >= 1_000_000:
        forms.append(re.escape(fmt_number(value / 1_000_000)) + r"\s*Mio")
    return r"(?<![\d.,])(?:" + "|".join(forms) + r")(?![\d.,]\d)"


def meta_cite(prog: Programme, key: str, value: Any = None) -> Citation:
    return Citation(
        "metadaten",
        prog.doc_id,
        field=key,
        value=prog.metadata.get(key) if value is None else value,
    )


def _cites(*items: Citation | None) -> tuple[Citation, ...]:
    return tuple(c for c in items if c is not None)


WHO = ("Wer wird gefördert", "Voraussetzungen", "Kurzbeschreibung")
REQ = ("Voraussetzungen", "Wer wird gefördert", "Antragsverfahren", "Hinweise")
WHAT = ("Was wird gefördert", "Kurzbeschreibung")
