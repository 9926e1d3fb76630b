"""Compose grounded German answers: every line cites a numbered source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from foerderberater.answer.facts import facts_line
from foerderberater.core.schema import DocMeta, Meta, ProgrammeMeta, deadline_passed, is_stale
from foerderberater.core.text import clean_passage, line_sentences, shorten
from foerderberater.core.types import Answer, Hit, Source
from foerderberater.index.analysis import GermanAnalyzer

PROGRAMME_HINTS = (
    "förder",
    "programm",
    "zuschuss",
    "kredit",
    "darlehen",
    "finanz",
    "geld",
    "unterstütz",
    "bürgschaft",
    "beteiligung",
    "antrag",
    "zulage",
    "prämie",
    "bonus",
    "zuschüsse",
    "fördermittel",
    "subvention",
    "invest",
)
ABSTAIN_TEXT = (
    "Dazu finde ich im Korpus keine belastbare Grundlage, deshalb gebe ich keine Empfehlung ab. "
    "Bitte formulieren Sie die Frage konkreter (Vorhaben, Standort, Unternehmensgröße, "
    "Technologie) oder wenden Sie sich an die Förderberatung Ihres Landes: Sächsische Aufbaubank "
    "(SAB), Investitionsbank Sachsen-Anhalt, Thüringer Aufbaubank (TAB) oder die Förderberatung "
    "des Bundes (foerderinfo.bund.de)."
)


def group_sources(hits: Sequence[Hit], top_k: int, per_source: int) -> list[list[Hit]]:
    """Collapse chunks of one document into one source (best hit first), keep ``top_k`` sources."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        doc_id = hit.chunk.doc_id
        if doc_id not in groups:
            if len(groups) >= top_k:
                continue
            groups[doc_id] = []
        if len(groups[doc_id]) < per_source:
            groups[doc_id].append(hit)
    return list(groups.values())


MAX_QUOTE_CHARS = 320


def candidate_sentences(text: str) -> list[str]:
    """Sentences of a passage; Markdown list items and table rows count as separate lines."""
    return [s for s in line_sentences(text, tables=True) if len(s) > 25]


def best_sentences(text: str, query: str, analyzer: GermanAnalyzer, n: int = 1) -> list[str]:
    """The sentences of ``text`` sharing the most query terms (original order kept)."""
    q = set(analyzer.terms(query))
    sentences = candidate_sentences(text)
    if not sentences:
        return [shorten(clean_passage(text), MAX_QUOTE_CHARS)] if text.strip() else []
    scored = []
    for i, sentence in enumerate(sentences):
        overlap = len(q & set(analyzer.terms(sentence)))
        scored.append((overlap, -i, sentence))
    top = sorted(scored, reverse=True)[:n]
    return [shorten(s, MAX_QUOTE_CHARS) for _, _, s in sorted(top, key=lambda x: -x[1])]


def freshness_warnings(title: str, meta: Meta, today: dt.date, stale_days: int) -> list[str]:
    out = []
    if is_stale(meta, today, stale_days):
        out.append(
            f"Die Angaben zu „{title}“ haben Stand {meta.stand} (älter als "
            f"{stale_days // 30} Monate) – bitte beim Fördergeber prüfen."
        )
    if isinstance(meta, ProgrammeMeta) and deadline_passed(meta, today):
        out.append(f"Die Antragsfrist von „{title}“ ({meta.antragsfrist}) ist abgelaufen.")
    return out


EXPIRED_PENALTY = 0.85  # expired programmes rank lower but a strong match still shows (warned)


def _of_land(meta: DocMeta, land: str | None) -> bool:
    return isinstance(meta, ProgrammeMeta) and land is not None and land in meta.foerdergebiet


def _programmes_first(
    hits: Sequence[Hit], today: dt.date, land: str | None, land_boost: float
) -> list[Hit]:
    """For funding questions: programmes before studies; programmes of the user's Land get a
    relative bonus, expired programmes a penalty (a strong match still shows, with a warning)."""

    def key(h: Hit) -> tuple[bool, float]:
        factor = EXPIRED_PENALTY if deadline_passed(h.meta, today) else 1.0
        if _of_land(h.meta, land):
            factor *= 1.0 + land_boost
        return (not h.meta.is_programme, -h.score * factor)

    return sorted(hits, key=key)


def _ensure_land_programme(
    groups: list[list[Hit]], hits: Sequence[Hit], land: str, per_source: int
) -> list[list[Hit]]:
    """Prefer the user's Land: if no chosen source is a programme of that Land but a candidate
    is, it takes the last programme slot (Land programmes are often the main instrument)."""
    if any(_of_land(g[0].meta, land) for g in groups):
        return groups
    candidate = next((h for h in hits if _of_land(h.meta, land)), None)
    if candidate is None:
        return groups
    group = [h for h in hits if h.chunk.doc_id == candidate.chunk.doc_id][:per_source]
    programme_slots = [i for i, g in enumerate(groups) if g[0].meta.is_programme]
    out = list(groups)
    if programme_slots:
        out[programme_slots[-1]] = group
    else:
        out.insert(0, group)
        out = out[: max(1, len(groups))]
    return out


def is_programme_question(question: str, sources: Sequence[Source]) -> bool:
    q = question.lower()
    return any(h in q for h in PROGRAMME_HINTS) or bool(sources and sources[0].meta.is_programme)


def _sources(groups: list[list[Hit]], query: str, analyzer: GermanAnalyzer) -> list[Source]:
    sources: list[Source] = []
    for number, group in enumerate(groups, 1):
        best = group[0]
        snippet = " … ".join(
            s for h in group for s in best_sentences(h.chunk.text, query, analyzer, 1)
        )
        sources.append(
            Source(
                number,
                best.chunk.doc_id,
                best.chunk.slug,
                best.chunk.title,
                best.chunk.page,
                best.score,
                snippet,
                best.meta.source_url(),
                best.meta,
                tuple(group),
            )
        )
    return sources


def compose(
    question: str,
    hits: Sequence[Hit],
    *,
    analyzer: GermanAnalyzer,
    top_k: int,
    per_source: int,
    today: dt.date,
    stale_days: int,
    abstain: bool,
    region_label: str | None = None,
    standalone_query: str = "",
    filters: dict[str, Any] | None = None,
    land_boost: float = 0.0,
) -> Answer:
    query = standalone_query or question
    if abstain or not hits:
        return Answer(
            question, ABSTAIN_TEXT, True, (), (), region_label, query, filters or {}, tuple(hits)
        )
    funding = is_programme_question(question, ())
    land = (filters or {}).get("land")
    ordered = _programmes_first(hits, today, land, land_boost) if funding else list(hits)
    groups = group_sources(ordered, top_k, per_source)
    if funding and land:
        groups = _ensure_land_programme(groups, ordered, land, per_source)
    sources = _sources(groups, query, analyzer)
    lines: list[str] = []
    warnings: list[str] = []
    programmes = [s for s in sources if isinstance(s.meta, ProgrammeMeta)]
    others = [s for s in sources if not isinstance(s.meta, ProgrammeMeta)]
    region = f" (erkannte Region: {region_label}):" if region_label else ":"
    if is_programme_question(question, sources) and programmes:
        lines.append("Passende Förderprogramme im Korpus" + region)
        for s in programmes:
            meta = s.meta
            assert isinstance(meta, ProgrammeMeta)
            name = s.title
            if meta.kurzname and meta.kurzname.lower() not in name.lower():
                name = f"{name} ({meta.kurzname})"
            lines.append(f"- **{name}** – {facts_line(meta)} [{s.number}]")
            for sentence in best_sentences(s.hits[0].chunk.text, query, analyzer, 1):
                lines.append(f"  „{sentence}“ [{s.number}]")
            warnings.extend(freshness_warnings(s.title, meta, today, stale_days))
        if others:
            lines.append("Hintergrund aus Studien und weiteren Dokumenten:")
    else:
        lines.append("Relevante Aussagen im Korpus" + region)
        others = sources
    for s in others:
        where = f", S. {s.page}" if s.page else ""
        sentences = best_sentences(s.hits[0].chunk.text, query, analyzer, 2)
        lines.append(f"- **{s.title}**{where}: " + " ".join(sentences) + f" [{s.number}]")
        if s.meta.is_programme:
            warnings.extend(freshness_warnings(s.title, s.meta, today, stale_days))
    return Answer(
        question,
        "\n".join(lines),
        False,
        tuple(sources),
        tuple(warnings),
        region_label,
        query,
        filters or {},
        tuple(hits),
    )
