"""Write the German answer from an ``AnswerPlan``: the asked fact first, every line cited.

- Fact questions (rate, amount, deadline, route, eligibility, combination, definition, study
  figure): one block per document the question is about – a direct line from the front matter
  where it answers the intent ("Fördersatz für kleine Unternehmen: bis zu 35 %"), then the
  sentences of the document that state it, quoted verbatim with [n] or [n, S. p].
- Options questions ("Welche Programme passen?"): a short list, one line per programme.
- Gaps (another Land, taxes, a company's grant, a figure the study lacks): the gap first, then
  covered alternatives labelled as such; the answer is marked ``partial``.
Sources are numbered in the order the text cites them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from foerderberater.answer.direct import direct_facts, overview_facts, term_quotes
from foerderberater.answer.engine import AnswerPlan, DocInfo
from foerderberater.answer.evidence import Evidence, pick
from foerderberater.answer.intent import Intent
from foerderberater.answer.lists import LIST_MAX_CHARS
from foerderberater.answer.scope import Gap
from foerderberater.answer.unstated import UNSTATED
from foerderberater.core.schema import DocMeta, ProgrammeMeta, deadline_passed, is_stale
from foerderberater.core.text import shorten
from foerderberater.core.types import Answer, Hit, Source

ABSTAIN_TEXT = (
    "Dazu finde ich im Korpus keine belastbare Grundlage, deshalb gebe ich keine Empfehlung ab. "
    "Bitte formulieren Sie die Frage konkreter (Vorhaben, Standort, Unternehmensgröße, "
    "Technologie) oder wenden Sie sich an die Förderberatung Ihres Landes: Sächsische Aufbaubank "
    "(SAB), Investitionsbank Sachsen-Anhalt, Thüringer Aufbaubank (TAB) oder die Förderberatung "
    "des Bundes (foerderinfo.bund.de)."
)
MAX_QUOTE_CHARS = 420
QUOTES_PER_DOC = 3
FACT_DOCS = 2  # documents answered in detail when a question names or implies several
EXPIRED_PENALTY = 0.85  # expired programmes rank lower but a strong match still shows (warned)
ALTERNATIVES = 2
LAND_SLOT = 4
KIND_BOOST = 0.1  # relative bonus for programmes of the asked kind of funding


@dataclass
class _Citations:
    """Numbers sources in the order the text cites them."""

    order: list[str] = field(default_factory=list)
    pages: dict[str, int | None] = field(default_factory=dict)
    quotes: dict[str, list[str]] = field(default_factory=dict)

    def cite(self, doc_id: str, page: int | None = None, quote: str | None = None) -> str:
        if doc_id not in self.order:
            self.order.append(doc_id)
            self.pages[doc_id] = page
        elif self.pages.get(doc_id) is None and page is not None:
            self.pages[doc_id] = page
        if quote:
            self.quotes.setdefault(doc_id, []).append(quote)
        n = self.order.index(doc_id) + 1
        return f"[{n}, S. {page}]" if page else f"[{n}]"


def freshness_warnings(title: str, meta: DocMeta, today: dt.date, stale_days: int) -> list[str]:
    out = []
    if is_stale(meta, today, stale_days):
        out.append(
            f"Die Angaben zu „{title}“ haben Stand {getattr(meta, 'stand', '')} (älter als "
            f"{stale_days // 30} Monate) – bitte beim Fördergeber prüfen."
        )
    if isinstance(meta, ProgrammeMeta) and deadline_passed(meta, today):
        out.append(f"Die Antragsfrist von „{title}“ ({meta.antragsfrist}) ist abgelaufen.")
    return out


def order_documents(
    hits: Sequence[Hit],
    *,
    funding: bool,
    today: dt.date,
    land: str | None,
    land_boost: float,
    kinds: frozenset[str] = frozenset(),
) -> list[str]:
    """Retrieved documents, best first. For funding questions programmes come before studies,
    programmes of the asker's Land and of the asked kind of funding (``kinds``) get a relative
    bonus and expired ones a penalty."""
    best: dict[str, tuple[bool, float]] = {}
    for h in hits:
        # an expired programme is no recommendation, but it may still be what a definition or
        # study question is about
        factor = EXPIRED_PENALTY if funding and deadline_passed(h.meta, today) else 1.0
        programme = funding and isinstance(h.meta, ProgrammeMeta)
        if programme and land and land in h.meta.foerdergebiet:
            factor *= 1.0 + land_boost
        if programme and kinds and kinds & set(h.meta.foerderart):
            factor *= 1.0 + KIND_BOOST
        key = (funding and not h.meta.is_programme, -h.score * factor)
        if h.chunk.doc_id not in best or key < best[h.chunk.doc_id]:
            best[h.chunk.doc_id] = key
    order = sorted(best, key=lambda d: best[d])
    if funding and land:
        order = _reserve_land_slot(order, hits, land)
    return order


def _reserve_land_slot(order: list[str], hits: Sequence[Hit], land: str) -> list[str]:
    """Land programmes are often the main instrument: if none is among the first
    ``LAND_SLOT`` documents, the best one takes the last of those places."""
    of_land = {
        h.chunk.doc_id
        for h in hits
        if isinstance(h.meta, ProgrammeMeta) and land in h.meta.foerdergebiet
    }
    if not of_land or of_land & set(order[:LAND_SLOT]):
        return order
    best = next(d for d in order if d in of_land)
    rest = [d for d in order if d != best]
    return rest[: LAND_SLOT - 1] + [best] + rest[LAND_SLOT - 1 :]


def quotes_for(plan: AnswerPlan) -> int:
    """Conditions and procedures are spread over several sentences: quote one more."""
    listy = plan.intent.has(Intent.ELIGIBILITY, Intent.ROUTE, Intent.COMBINATION)
    return QUOTES_PER_DOC + 1 if listy or not plan.intent.facts else QUOTES_PER_DOC


def _quote(e: Evidence) -> str:
    limit = LIST_MAX_CHARS if e.span > 2 else MAX_QUOTE_CHARS
    return f"„{shorten(e.sentence.text, limit)}“"


@dataclass(frozen=True)
class Writer:
    docs: Mapping[str, DocInfo]
    today: dt.date
    stale_days: int
    kreis: str | None = None
    land: str | None = None
    region_label: str | None = None
    canon: Callable[[str], str] = str  # district spellings -> canonical name (gazetteer)

    def _title_of(self) -> dict[str, str]:
        return {d.slug: d.name for d in self.docs.values()}

    def fact_lines(self, plan: AnswerPlan, cites: _Citations) -> list[str]:
        lines: list[str] = []
        targets = list(plan.about[:FACT_DOCS]) or ([plan.primary] if plan.primary else [])
        # the corpus says it lacks the asked detail: its own words come first, no card facts
        unstated = bool(plan.gaps) and plan.gaps[0].kind == "unstated"
        for doc_id in targets:
            info = self.docs[doc_id]
            evidence = pick(plan.evidence.get(doc_id, []), quotes_for(plan))
            if unstated:
                evidence.sort(key=lambda e: not UNSTATED.search(e.sentence.text))
            head = f"**{info.name}**: "
            facts: list[str] = []
            if isinstance(info.meta, ProgrammeMeta) and not unstated:
                facts = direct_facts(
                    info.meta,
                    plan.intent,
                    kreis=self.kreis,
                    land=self.land,
                    today=self.today,
                    title_of=self._title_of(),
                    question=plan.question,
                    canon=self.canon,
                )
            if facts:
                lines.append(head + "; ".join(facts) + " " + cites.cite(doc_id))
                head = ""
            terms = [] if unstated else self._term_quotes(info.meta, plan)
            for quote in terms:
                lines.append(f"{head}„{shorten(quote, MAX_QUOTE_CHARS)}“ {cites.cite(doc_id)}")
                head = ""
            evidence = [e for e in evidence if not any(t in e.sentence.text for t in terms)]
            for e in evidence:
                page = e.sentence.page
                lines.append(f"{head}{_quote(e)} {cites.cite(doc_id, page, e.sentence.text)}")
                head = ""
            missing = self._missing_fact(plan, info, facts, evidence)
            if missing:
                lines.append(f"{missing} {cites.cite(doc_id)}")
        return lines

    def _term_quotes(self, meta: DocMeta, plan: AnswerPlan) -> list[str]:
        if not isinstance(meta, ProgrammeMeta):
            return []
        return term_quotes(
            meta,
            plan.intent,
            kreis=self.kreis,
            land=self.land,
            canon=self.canon,
            question=plan.question,
        )

    @staticmethod
    def _missing_fact(
        plan: AnswerPlan, info: DocInfo, facts: Sequence[str], evidence: Sequence[Evidence]
    ) -> str | None:
        """Say so when a programme's rate or amount is asked and neither metadata nor text
        states one (a study has no funding rate: "wie viel Fläche" asks for a finding)."""
        if facts or not isinstance(info.meta, ProgrammeMeta):
            return None
        for intent, what in ((Intent.RATE, "Fördersatz"), (Intent.AMOUNT, "Höchstbetrag")):
            if plan.intent.has(intent) and not any(intent in e.features for e in evidence):
                return f"Einen {what} zu {info.name} nennen die ausgewerteten Quellen nicht."
        return None

    def overview_lines(self, plan: AnswerPlan, cites: _Citations) -> list[str]:
        docs = list(plan.evidence)
        programmes = [d for d in docs if isinstance(self.docs[d].meta, ProgrammeMeta)]
        region = f" (erkannte Region: {self.region_label})" if self.region_label else ""
        lines = [f"In Frage kommen{region}:"]
        for doc_id in programmes or docs:
            info = self.docs[doc_id]
            best = pick(plan.evidence.get(doc_id, []), 1)
            facts = overview_facts(info.meta) if isinstance(info.meta, ProgrammeMeta) else ""
            quote = f" – {_quote(best[0])}" if best else ""
            page = best[0].sentence.page if best else None
            text = best[0].sentence.text if best else None
            sep = f": {facts}" if facts else ""
            lines.append(f"- **{info.name}**{sep}{quote} {cites.cite(doc_id, page, text)}")
        return lines

    def gap_lines(self, plan: AnswerPlan, cites: _Citations) -> list[str]:
        lines = [g.message() for g in plan.gaps[:2]]
        if any(g.kind == "topic" for g in plan.gaps):
            return lines  # taxes or social benefits: no programme is an alternative
        alternatives = [d for d in plan.order if d in self.docs][:ALTERNATIVES]
        if alternatives:
            lines.append("Zum Vergleich aus dem Korpus (Alternative, nicht Ihre Frage):")
            for doc_id in alternatives:
                info = self.docs[doc_id]
                facts = overview_facts(info.meta) if isinstance(info.meta, ProgrammeMeta) else ""
                sep = f" – {facts}" if facts else ""
                lines.append(f"- {info.name}{sep} {cites.cite(doc_id)}")
        return lines

    def write(
        self,
        plan: AnswerPlan,
        hits: Sequence[Hit],
        *,
        index_version: str,
        top_k: int = 5,
        **context: Any,
    ) -> Answer:
        cites = _Citations()
        if plan.gaps and plan.gaps[0].kind in ("unstated", "place_figure"):
            lines = [plan.gaps[0].message(), *self.fact_lines(plan, cites)]
        elif plan.gaps:
            lines = self.gap_lines(plan, cites)
        elif plan.overview:
            lines = self.overview_lines(plan, cites)
        else:
            lines = self.fact_lines(plan, cites)
        sources = self._sources(cites, hits, top_k)
        warnings: list[str] = []
        for s in sources:
            if s.meta.is_programme and not plan.gaps:
                warnings.extend(freshness_warnings(s.title, s.meta, self.today, self.stale_days))
        return Answer(
            plan.question,
            "\n".join(lines),
            False,
            tuple(sources),
            tuple(dict.fromkeys(warnings)),
            self.region_label,
            context.get("standalone_query", plan.question),
            context.get("filters", {}),
            tuple(hits),
            index_version,
            partial=bool(plan.gaps),
            gaps=tuple(g.message() for g in plan.gaps),
            intents=tuple(sorted(plan.intent.intents)),
        )

    def _sources(self, cites: _Citations, hits: Sequence[Hit], top_k: int) -> list[Source]:
        """The cited documents in citation order, then further retrieved ones up to ``top_k``
        (numbered on, listed in the sources panel but not cited in the text)."""
        by_doc: dict[str, list[Hit]] = {}
        for h in hits:
            by_doc.setdefault(h.chunk.doc_id, []).append(h)
        further = [d for d in by_doc if d not in cites.order and d in self.docs]
        listed = cites.order + further[: max(0, top_k - len(cites.order))]
        sources = []
        for number, doc_id in enumerate(listed, 1):
            info = self.docs[doc_id]
            doc_hits = tuple(by_doc.get(doc_id, ())[:2])
            quotes = cites.quotes.get(doc_id) or [h.chunk.text for h in doc_hits[:1]]
            snippet = " … ".join(shorten(q, MAX_QUOTE_CHARS) for q in quotes[:2])
            score = max((h.score for h in doc_hits), default=0.0)
            sources.append(
                Source(
                    number,
                    doc_id,
                    info.slug,
                    info.title,
                    cites.pages.get(doc_id),
                    score,
                    snippet,
                    info.meta.source_url(),
                    info.meta,
                    doc_hits,
                )
            )
        return sources


def abstained(
    question: str,
    hits: Sequence[Hit],
    region_label: str | None,
    gaps: Sequence[Gap] = (),
    **context: Any,
) -> Answer:
    """No answer: the question is off-topic (too far from every passage). A gap the question
    names ("in Bayern", "Hebesatz") is said first, so the user learns why."""
    text = "\n".join([*(g.message() for g in gaps[:1]), ABSTAIN_TEXT])
    return Answer(
        question,
        text,
        True,
        (),
        (),
        region_label,
        context.get("standalone_query", question),
        context.get("filters", {}),
        tuple(hits),
        context.get("index_version", ""),
        partial=bool(gaps),
        gaps=tuple(g.message() for g in gaps[:1]),
    )
