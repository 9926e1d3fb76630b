"""Rates and amounts from the structured ``foerdersaetze`` (rates.py is the fallback for
programmes without them).

Only Zuschuss and Steuerliche Förderung are a Fördersatz. A loan is shown as a loan amount
(„Kredit bis zu …“), never as „Förderung bis 100 %“; a guarantee as a share of the loan; the
grant part of a loan is computed on the loan amount; equity as an amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from foerderberater.core.fmt import fmt_eur, fmt_list, fmt_percent
from foerderberater.core.terms import Foerdersatz
from foerderberater.core.vocab import FOERDERSATZ_ARTEN
from foerderberater.eligibility.model import Amount, Citation, Context, Programme, Rate
from foerderberater.eligibility.programmes import cite_all, quote_cite
from foerderberater.eligibility.select import Match, Selection, select
from foerderberater.profile import FACT_LABELS, GROESSE_LABEL

PER = {  # how an amount or rate relates to its ``bezug``
    "Vorhaben": "",
    "Finanzierungsbedarf": " des Finanzierungsbedarfs",
    "Kredit": " des Kredits",
    "Beratung": " je Beratung",
    "Beratertag": " je Beratertag",
    "Jahr": " je Jahr",
    "Monat": " je Monat",
    "Person": " je Person",
    "Unternehmen": " je Unternehmen",
    "Kapital": " des Kapitals",
}
SIZE_WORDS = {"klein": "kleine", "mittel": "mittlere", "gross": "große Unternehmen"}
NOUN = {
    "Zuschuss": "Zuschuss",
    "Steuerliche Förderung": "Zulage",
    "Darlehen": "Kredit",
    "Bürgschaft": "Bürgschaft",
    "Beteiligung": "Beteiligung",
    "Zuschussanteil": "Zuschussanteil",
}


@dataclass(frozen=True)
class Figures:
    """What the check shows: the Fördersatz with its amount and the other kinds' amounts."""

    foerdersatz: Rate | None
    betrag: Amount | None
    weitere: tuple[Amount, ...]


def entry_cites(prog: Programme, matches: tuple[Match, ...] | list[Match]) -> tuple[Citation, ...]:
    """Metadata (``foerdersaetze[i]``) and the quoted passage of every entry."""
    out: list[Citation | None] = []
    for m in matches:
        data = m.entry.model_dump(mode="json", exclude_unset=True, exclude={"beleg"})
        out.append(
            Citation("metadaten", prog.doc_id, field=f"foerdersaetze[{m.index}]", value=data)
        )
        out.append(quote_cite(prog, m.entry.beleg))
    return cite_all(*out)


def _label(m: Match, ctx: Context) -> str:
    """Why this entry applies: matched size/region/Verbund, then its category or module."""
    e, parts = m.entry, []
    if "groesse" in m.matched and ctx.size.rate_class:
        parts.append(GROESSE_LABEL[ctx.size.rate_class])
    elif "groesse" in m.unknown:
        parts.append(fmt_list(SIZE_WORDS[g] for g in e.groesse))
    if "verbund" in m.matched or "verbund" in m.unknown:
        parts.append("Verbundprojekt" if e.verbund else "Einzelprojekt")
    if "vorhabenart" in m.unknown or "antragsteller" in m.unknown:
        parts.append(fmt_list((*e.vorhabenart, *e.antragsteller)))
    if "region" in m.matched:
        parts.append(f"Standort {ctx.profile.kreis if m.level == 2 else ctx.profile.land}")
    labels = [x for x in (e.modul, e.kategorie) if x]
    text = " ".join(labels).casefold()
    parts = [p for p in parts if p.casefold() not in text] + labels
    return ", ".join(dict.fromkeys(parts))


def _pct(value: float | None) -> str:
    return "nicht beziffert" if value is None else fmt_percent(value)


def _rate(prog: Programme, sel: Selection, ctx: Context) -> Rate | None:
    if not sel.rated:
        return None
    cites = entry_cites(prog, sel.rated)
    bezug = sel.rated[0].entry.bezug
    per = PER[bezug] if bezug not in ("Vorhaben", "Beratertag") else ""
    if not sel.quantified:
        known = [m for m in sel.rated if m.entry.satz_prozent is not None]
        blank = next(m for m in sel.rated if m.entry.satz_prozent is None)
        text = f"Satz im Korpus nicht beziffert ({_label(blank, ctx) or sel.art})"
        if known:
            text += "; andere Fälle: " + "; ".join(
                f"{_pct(m.entry.satz_prozent)} ({_label(m, ctx)})" for m in known
            )
        return Rate(None, None, text + ".", cites, sel.art, bezug)
    rates = [r for r in sel.rates if r is not None]
    low, high = min(rates), max(rates)
    if low == high:
        label = _label(sel.rated[0], ctx) if len(sel.rated) == 1 else ""
        text = f"bis zu {fmt_percent(high)}{per}" + (f" ({label})" if label else "")
    else:
        cases = "; ".join(f"{_label(m, ctx)}: {_pct(m.entry.satz_prozent)}" for m in sel.rated)
        known_staff = ctx.profile.beschaeftigte is not None
        facts = [
            FACT_LABELS["umsatz" if f == "beschaeftigte" and known_staff else f]
            for f in sel.open_facts()
        ]
        ask = f" – genauer mit Angabe: {fmt_list(facts)}" if facts else ""
        text = f"{fmt_percent(low)} bis {fmt_percent(high)}{per} je nach Fall ({cases}){ask}"
    return Rate(low, high, text, cites, sel.art, bezug)


def _caps(sel: Selection) -> list[float]:
    return [m.entry.betrag_max_eur for m in sel.caps if m.entry.betrag_max_eur is not None]


def _value(sel: Selection, volume: float | None) -> tuple[float | None, str]:
    """(indicative amount per ``bezug``, how it was computed) for one kind."""
    fixed = [m.entry.betrag_eur for m in (*sel.rated, *sel.caps) if m.entry.betrag_eur is not None]
    if fixed:
        return max(fixed), "fester Betrag"
    top = sel.top()
    if top is None:
        return None, ""
    e = top.entry
    rate = e.satz_prozent or 0.0
    if e.bezug == "Beratertag":
        return e.betrag_max_eur, f"{fmt_percent(rate)} der Beratungskosten"
    if volume is None:
        return None, ""
    base = min(volume, e.kosten_max_eur) if e.kosten_max_eur is not None else volume
    value = base * rate / 100
    how = f"{fmt_percent(rate)} von {fmt_eur(base)}"
    if e.kosten_max_eur is not None and volume > e.kosten_max_eur:
        how += f" – förderfähige Kosten höchstens {fmt_eur(e.kosten_max_eur)}"
    caps = [c for c in (e.betrag_max_eur,) if c is not None]
    caps += [m.entry.betrag_max_eur for m in sel.caps if m.entry.bezug == "Vorhaben"]
    caps = [c for c in caps if c is not None]
    if caps and value > min(caps):
        value = min(caps)
        how += f", gedeckelt auf {fmt_eur(value)}"
    return value, how


def _amount(prog: Programme, sel: Selection, ctx: Context, base: float | None) -> Amount | None:
    """The amount of one kind; ``base`` replaces the volume (the loan for its grant part)."""
    entries = (*sel.rated, *sel.caps)
    if not entries:
        return None
    cites = entry_cites(prog, entries)
    top = sel.top()
    first: Foerdersatz = (top or entries[0]).entry
    bezug, per, noun = first.bezug, PER[first.bezug], NOUN[sel.art]
    each = per if per.startswith(" je") else ""
    value, how = _value(sel, base)
    share = top.entry.satz_prozent if top else None
    caps = _caps(sel) + ([top.entry.betrag_max_eur] if top and top.entry.betrag_max_eur else [])
    cap_text = f", höchstens {fmt_eur(max(caps))}{each}" if caps else ""
    if sel.art in FOERDERSATZ_ARTEN:
        if value is not None:
            words = "höchstens" if bezug == "Beratertag" else "bis zu"
            text = f"{noun} {words} {fmt_eur(value)}{per} ({how})"
        elif sel.quantified:
            text = "Für einen indikativen Betrag bitte das Volumen angeben" + (
                f" (Höchstbetrag {fmt_eur(max(caps))}{each})" if caps else ""
            )
        elif caps:
            text = f"Höchstbetrag laut Korpus: {fmt_eur(max(caps))}{each}; Satz nicht beziffert"
        else:
            return None
        return Amount(value, text + ".", cites, sel.art, bezug, share)
    low = min(r for r in sel.rates if r is not None) if share is not None else None
    share_text = f"bis {fmt_percent(share)}{per}" if share is not None else ""
    if low is not None and low != share:
        share_text = f"{fmt_percent(low)} bis {fmt_percent(share or 0)}{per} je nach Fall"
    if value is not None:
        text = f"{noun} bis zu {fmt_eur(value)}"
        text += f" ({share_text}{cap_text})" if share_text else ""
    elif share_text or cap_text:
        text = f"{noun} " + (share_text + cap_text if share_text else cap_text.lstrip(", "))
    else:
        text = f"{noun}: Höhe im Korpus nicht beziffert ({_label(entries[0], ctx) or sel.art})"
    minimum = [m.entry.betrag_min_eur for m in entries if m.entry.betrag_min_eur is not None]
    if minimum:
        text += f"; mindestens {fmt_eur(min(minimum))}"
    if sel.art == "Darlehen":
        text += " – ein Kredit, keine Förderung in Höhe des Betrags"
    return Amount(value, text.strip() + ".", cites, sel.art, bezug, share, low)


def figures_for(prog: Programme, ctx: Context) -> Figures:
    """Fördersatz, indicative amount and the other kinds for the profile."""
    selections = select(prog.meta.foerdersaetze, ctx)
    volume = ctx.profile.volumen_eur
    main = next((selections[a] for a in FOERDERSATZ_ARTEN if a in selections), None)
    rate = _rate(prog, main, ctx) if main else None
    amount = _amount(prog, main, ctx, volume) if main else None
    others: list[Amount] = []
    loan: float | None = None
    for art in ("Darlehen", "Zuschussanteil", "Bürgschaft", "Beteiligung"):
        if art not in selections:
            continue
        base = loan if art == "Zuschussanteil" else volume
        figure = _amount(prog, selections[art], ctx, base)
        if figure is None:
            continue
        if art == "Darlehen":
            loan = figure.betrag_eur
        others.append(figure)
    return Figures(rate, amount, tuple(others))
