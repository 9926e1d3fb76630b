"""Compose grounded German answers: every line cites a numbered source."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from foerderberater.core.schema import deadline_passed, is_stale
from foerderberater.core.text import split_sentences
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
_MD_NOISE = re.compile(r"(\*\*|__|`|^#+\s*|^\s*[-*+]\s+|^\s*\|)", re.M)
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


def source_url(meta: dict[str, Any]) -> str | None:
    if meta.get("url"):
        return str(meta["url"])
    quellen = meta.get("quellen") or []
    return str(quellen[0]) if quellen else None


def clean_passage(text: str) -> str:
    return re.sub(r"\s+", " ", _MD_NOISE.sub("", text)).strip()


MAX_QUOTE_CHARS = 320


def _shorten(sentence: str) -> str:
    """Long list-like sentences are cut at a word boundary; the quote stays verbatim up to "…"."""
    if len(sentence) <= MAX_QUOTE_CHARS:
        return sentence
    return sentence[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def candidate_sentences(text: str) -> list[str]:
    """Sentences of a passage; Markdown list items and table rows count as separate lines."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s for s in split_sentences(clean_passage(line)) if len(s) > 25)
    return out


def best_sentences(text: str, query: str, analyzer: GermanAnalyzer, n: int = 1) -> list[str]:
    """The sentences of ``text`` sharing the most query terms (original order kept)."""
    q = set(analyzer.terms(query))
    sentences = candidate_sentences(text)
    if not sentences:
        return [_shorten(clean_passage(text))] if text.strip() else []
    scored = []
    for i, sentence in enumerate(sentences):
        overlap = len(q & set(analyzer.terms(sentence)))
        scored.append((overlap, -i, sentence))
    top = sorted(scored, reverse=True)[:n]
    return [_shorten(s) for _, _, s in sorted(top, key=lambda x: -x[1])]


def _money(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") + " €"


def programme_facts(meta: dict[str, Any]) -> str:
    parts = []
    if meta.get("foerderart"):
        parts.append("Förderart: " + ", ".join(meta["foerderart"]))
    if meta.get("foerderberechtigte"):
        parts.append("für " + ", ".join(meta["foerderberechtigte"]))
    amount = []
    if meta.get("foerdersatz_max_prozent") is not None:
        amount.append(f"bis {meta['foerdersatz_max_prozent']:g} %")
    if meta.get("max_betrag_eur") is not None:
        amount.append(f"max. {_money(meta['max_betrag_eur'])}")
    if amount:
        parts.append("Höhe: " + ", ".join(amount))
    if meta.get("foerdergebiet"):
        parts.append("Gebiet: " + ", ".join(meta["foerdergebiet"]))
    if meta.get("antragsstelle"):
        parts.append(f"Antrag: {meta['antragsstelle']}")
    if meta.get("antragsfrist"):
        parts.append(f"Frist: {meta['antragsfrist']}")
    if meta.get("stand"):
        parts.append(f"Stand: {meta['stand']}")
    return "; ".join(parts)


def freshness_warnings(
    title: str, meta: dict[str, Any], today: dt.date, stale_days: int
) -> list[str]:
    out = []
    if is_stale(meta, today, stale_days):
        out.append(
            f"Die Angaben zu „{title}“ haben Stand {meta['stand']} (älter als "
            f"{stale_days // 30} Monate) – bitte beim Fördergeber prüfen."
        )
    if deadline_passed(meta, today):
        out.append(f"Die Antragsfrist von „{title}“ ({meta['antragsfrist']}) ist abgelaufen.")
    return out


EXPIRED_PENALTY = 0.85  # expired programmes rank lower but a strong match still shows (warned)


def _programmes_first(
    hits: Sequence[Hit], kinds: dict[str, str], today: dt.date, land: str | None, land_boost: float
) -> list[Hit]:
    """For funding questions: programmes before studies; programmes of the user's Land get a
    relative bonus, expired programmes a penalty (a strong match still shows, with a warning)."""

    def key(h: Hit) -> tuple[bool, float]:
        is_programme = kinds.get(h.chunk.doc_id) == "programm"
        factor = EXPIRED_PENALTY if deadline_passed(h.metadata, today) else 1.0
        if land and land in (h.metadata.get("foerdergebiet") or []):
            factor *= 1.0 + land_boost
        return (not is_programme, -h.score * factor)

    return sorted(hits, key=key)


def _ensure_land_programme(
    groups: list[list[Hit]], hits: Sequence[Hit], land: str, kinds: dict[str, str], per_source: int
) -> list[list[Hit]]:
    """Prefer the user's Land: if no chosen source is a programme of that Land but a candidate
    is, it takes the last programme slot (Land programmes are often the main instrument)."""

    def of_land(h: Hit) -> bool:
        return kinds.get(h.chunk.doc_id) == "programm" and land in (
            h.metadata.get("foerdergebiet") or []
        )

    if any(of_land(g[0]) for g in groups):
        return groups
    candidate = next((h for h in hits if of_land(h)), None)
    if candidate is None:
        return groups
    group = [h for h in hits if h.chunk.doc_id == candidate.chunk.doc_id][:per_source]
    programme_slots = [
        i for i, g in enumerate(groups) if kinds.get(g[0].chunk.doc_id) == "programm"
    ]
    out = list(groups)
    if programme_slots:
        out[programme_slots[-1]] = group
    else:
        out.insert(0, group)
        out = out[: max(1, len(groups))]
    return out


def is_programme_question(question: str, sources: Sequence[Source]) -> bool:
    q = question.lower()
    return any(h in q for h in PROGRAMME_HINTS) or bool(sources and sources[0].kind == "programm")


def compose(
    question: str,
    hits: Sequence[Hit],
    *,
    kinds: dict[str, str],
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
    ordered = _programmes_first(hits, kinds, today, land, land_boost) if funding else list(hits)
    groups = group_sources(ordered, top_k, per_source)
    if funding and land:
        groups = _ensure_land_programme(groups, ordered, land, kinds, per_source)
    sources: list[Source] = []
    for number, group in enumerate(groups, 1):
        best = group[0]
        meta = best.metadata
        snippet = " … ".join(
            s for h in group for s in best_sentences(h.chunk.text, query, analyzer, 1)
        )
        sources.append(
            Source(
                number,
                best.chunk.doc_id,
                best.chunk.slug,
                best.chunk.title,
                kinds.get(best.chunk.doc_id, "text"),
                best.chunk.page,
                best.score,
                snippet,
                source_url(meta),
                meta,
                tuple(group),
            )
        )
    lines: list[str] = []
    warnings: list[str] = []
    programmes = [s for s in sources if s.kind == "programm"]
    others = [s for s in sources if s.kind != "programm"]
    if is_programme_question(question, sources) and programmes:
        head = "Passende Förderprogramme im Korpus"
        lines.append(head + (f" (erkannte Region: {region_label}):" if region_label else ":"))
        for s in programmes:
            name = s.title
            short = s.metadata.get("kurzname")
            if short and short.lower() not in name.lower():
                name = f"{name} ({short})"
            lines.append(f"- **{name}** – {programme_facts(s.metadata)} [{s.number}]")
            for sentence in best_sentences(s.hits[0].chunk.text, query, analyzer, 1):
                lines.append(f"  „{sentence}“ [{s.number}]")
            warnings.extend(freshness_warnings(s.title, s.metadata, today, stale_days))
        if others:
            lines.append("Hintergrund aus Studien und weiteren Dokumenten:")
    else:
        lines.append(
            "Relevante Aussagen im Korpus"
            + (f" (erkannte Region: {region_label}):" if region_label else ":")
        )
        others = sources
    for s in others:
        where = f", S. {s.page}" if s.page else ""
        sentences = best_sentences(s.hits[0].chunk.text, query, analyzer, 2)
        lines.append(f"- **{s.title}**{where}: " + " ".join(sentences) + f" [{s.number}]")
        if s.kind == "programm":
            warnings.extend(freshness_warnings(s.title, s.metadata, today, stale_days))
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
