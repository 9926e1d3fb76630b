"""Run the rules: one programme (``check_programme``), all programmes (``evaluate``, pure) and
the public entry point ``check_project`` with passages from the index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.schema import is_stale
from foerderberater.core.types import Hit
from foerderberater.eligibility.combine import combination_note, combinations
from foerderberater.eligibility.figures import Figures, figures_for
from foerderberater.eligibility.model import Canon, Citation, Context, Passage, Programme, Reason
from foerderberater.eligibility.programmes import programmes_from_index
from foerderberater.eligibility.rates import amount_for, rate_for
from foerderberater.eligibility.results import CheckResult, ProgrammeCheck
from foerderberater.eligibility.rules_applicant import (
    rule_freie_berufe,
    rule_rechtsform,
    rule_verbund,
    rule_zielgruppe,
)
from foerderberater.eligibility.rules_deadline import frist_text, rule_frist
from foerderberater.eligibility.rules_founding import (
    rule_alter,
    rule_hochschulgruendung,
    rule_vor_gruendung,
)
from foerderberater.eligibility.rules_project import (
    rule_beginn,
    rule_foerderart,
    rule_technologie,
    rule_volumen,
    rule_vorhabenart,
)
from foerderberater.eligibility.rules_region import rule_gebiet, rule_landkreise
from foerderberater.eligibility.rules_size import rule_beschaeftigte, rule_kmu, rule_umsatz
from foerderberater.eligibility.rules_text import rule_bedingungen
from foerderberater.eligibility.textutil import excerpt
from foerderberater.eligibility.verdicts import (
    KEINE_ANGABE,
    NICHT,
    OFFEN,
    PASST,
    STALE_DAYS,
    STATUS_ORDER,
    VERLETZT,
    VIELLEICHT,
)
from foerderberater.index.store import IndexVersion
from foerderberater.profile import FACT_LABELS, FACT_QUESTIONS, Profile

RULES: tuple[Callable[[Programme, Context], list[Reason]], ...] = (
    rule_zielgruppe,
    rule_verbund,
    rule_gebiet,
    rule_landkreise,
    rule_kmu,
    rule_beschaeftigte,
    rule_umsatz,
    rule_alter,
    rule_vor_gruendung,
    rule_hochschulgruendung,
    rule_rechtsform,
    rule_freie_berufe,
    rule_vorhabenart,
    rule_technologie,
    rule_foerderart,
    rule_volumen,
    rule_beginn,
    rule_frist,
    rule_bedingungen,
)


def status_of(reasons: Sequence[Reason]) -> str:
    if any(r.ergebnis == VERLETZT for r in reasons):
        return NICHT
    if any(r.ergebnis == OFFEN for r in reasons):
        return VIELLEICHT
    return PASST


def next_step(prog: Programme, ctx: Context) -> tuple[str, Citation | None]:
    cite = None
    sentences = prog.sentences("Antragsverfahren")
    if sentences:
        first = sentences[0]
        if first.endswith(":") and len(sentences) > 1:  # "Dreistufig:" + first step
            first = f"{first} {sentences[1]}"
        cite = Citation("text", prog.doc_id, section="Antragsverfahren", excerpt=excerpt(first))
    step = cite.excerpt if cite else f"Antrag bei: {prog.meta.antragsstelle}"
    if prog.meta.antrag_vor_vorhabenbeginn and ctx.profile.started(ctx.today) is False:
        when = f" (geplant: {ctx.profile.beginn.isoformat()})" if ctx.profile.beginn else ""
        step = f"Antrag vor Projektbeginn{when} stellen. {step}"
    return step, cite


def money(prog: Programme, ctx: Context) -> Figures:
    """Figures from ``foerdersaetze``; programmes without them use the single rate fields."""
    if prog.meta.foerdersaetze:
        return figures_for(prog, ctx)
    rate = rate_for(prog, ctx)
    return Figures(rate, amount_for(prog, ctx, rate), ())


def check_programme(prog: Programme, ctx: Context, stale_days: int = STALE_DAYS) -> ProgrammeCheck:
    reasons: list[Reason] = []
    for rule in RULES:
        reasons.extend(rule(prog, ctx))
    status = status_of(reasons)
    figs = money(prog, ctx)
    step, step_cite = next_step(prog, ctx)
    frist, expired = frist_text(prog, ctx.today)
    stale = is_stale(prog.meta, ctx.today, stale_days)
    combo, combo_cites = combination_note(prog)
    return ProgrammeCheck(
        programme=prog,
        status=status,
        gruende=tuple(reasons),
        foerdersatz=figs.foerdersatz,
        betrag=figs.betrag,
        weitere=figs.weitere,
        antragsstelle=prog.meta.antragsstelle or KEINE_ANGABE,
        naechster_schritt=step,
        naechster_schritt_beleg=step_cite,
        frist=frist,
        frist_abgelaufen=expired,
        stand=prog.meta.stand.isoformat(),
        stand_veraltet=stale,
        kombination=combo,
        kombination_belege=combo_cites,
    )


def _identity(name: str) -> str:
    return name


def evaluate(
    profile: Profile,
    programmes: Sequence[Programme],
    *,
    today: dt.date | None = None,
    canon: Canon | None = None,
    passages: dict[str, Passage] | None = None,
    stale_days: int = STALE_DAYS,
    hinweise: Sequence[str] = (),
) -> CheckResult:
    """Check ``profile`` against every programme; pure function of metadata (and sections)."""
    today = today or dt.date.today()
    ctx = Context(profile, profile.size(), today, canon or _identity)
    passages = passages or {}
    checks = []
    for prog in programmes:
        check = check_programme(prog, ctx, stale_days)
        if prog.slug in passages:
            check = _with_passage(check, passages[prog.slug])
        checks.append(check)

    def key(c: ProgrammeCheck) -> tuple[Any, ...]:
        open_count = sum(r.ergebnis == OFFEN for r in c.gruende)
        rank = c.textstelle.rang if c.textstelle else 10**6
        return (STATUS_ORDER[c.status], open_count, rank, c.programme.kurzname.casefold())

    checks.sort(key=key)
    fitting = [c for c in checks if c.status != NICHT]
    counter: Counter[str] = Counter()
    for c in fitting:
        for fact in {r.fehlt for r in c.gruende if r.ergebnis == OFFEN and r.fehlt}:
            counter[fact] += 1
    missing = [(FACT_LABELS[k], n) for k, n in counter.most_common()]
    notes = list(hinweise)
    if profile.volumen_eur is None:
        notes.append("Ohne Investitionsvolumen bzw. Projektkosten kein indikativer Betrag.")
    if profile.ort and not profile.land:
        notes.append(f"Standort „{profile.ort}“ nicht erkannt – bitte Ort oder Landkreis angeben.")
    return CheckResult(
        profile=profile,
        groesse=ctx.size,
        heute=today,
        ergebnisse=tuple(checks),
        kombinationen=tuple(combinations(fitting)),
        fehlende_angaben=tuple(missing),
        rueckfragen=tuple(FACT_QUESTIONS[k] for k, _ in counter.most_common()),
        hinweise=tuple(notes),
    )


def _with_passage(check: ProgrammeCheck, found: Passage) -> ProgrammeCheck:
    return replace(check, textstelle=found)


def _query(profile: Profile) -> str:
    if profile.text.strip():
        return profile.text.strip()
    parts = [*profile.vorhaben, *profile.technologien]
    if profile.art:
        parts.append(profile.art)
    return " ".join(parts)


Search = Callable[[str], Sequence[Hit]]


def retrieve_passages(search: Search, profile: Profile) -> dict[str, Passage]:
    """Best programme passage per slug for the free-text relevance (``search`` over programmes)."""
    query = _query(profile)
    if not query:
        return {}
    out: dict[str, Passage] = {}
    for hit in search(query):
        c = hit.chunk
        if c.slug not in out:
            out[c.slug] = Passage(len(out) + 1, c.slug, c.section, c.page, excerpt(c.text, 300))
    return out


def check_project(
    version: IndexVersion,
    profile: Profile,
    *,
    today: dt.date,
    canon: Canon | None = None,
    search: Search | None = None,
    stale_days: int = STALE_DAYS,
) -> CheckResult:
    """Check ``profile`` against the programmes of an index version (metadata from its document
    records); ``search`` (programme passages for the free text) is optional."""
    warnings: list[str] = []
    found: dict[str, Passage] = {}
    if search is not None:
        try:
            found = retrieve_passages(search, profile)
        except FoerderberaterError as exc:
            warnings.append(f"Textsuche nicht verfügbar ({exc}); Entscheidungen nur aus Metadaten.")
    return evaluate(
        profile,
        programmes_from_index(version),
        today=today,
        canon=canon,
        passages=found,
        stale_days=stale_days,
        hinweise=warnings,
    )
