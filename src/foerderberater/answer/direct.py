"""The direct first line of an answer: the asked fact of one programme from its metadata.

Rate for the asker's size and region, cap, deadline and Stand, application office, who may
apply, combination rules – each worded in German from the typed front matter. The evidence
sentences quoted below it come from the body text of the same document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from foerderberater.answer.intent import Intent, QuestionIntent
from foerderberater.answer.related import RUNNING_COSTS
from foerderberater.core.fmt import fmt_eur, fmt_list, fmt_number, fmt_percent
from foerderberater.core.schema import LAUFEND, ProgrammeMeta
from foerderberater.core.terms import Foerdersatz
from foerderberater.core.vocab import LAENDER

Canon = Callable[[str], str]
TERM_QUOTES = 2

SIZE_LABEL = {
    "klein": "kleine Unternehmen",
    "mittel": "mittlere Unternehmen",
    "gross": "große Unternehmen",
}
_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def german_date(value: dt.date) -> str:
    """2026-12-31 -> "31. Dezember 2026" (how the corpus writes dates)."""
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


def euro_with_words(value: float) -> str:
    """20000000 -> "20.000.000 € (20 Mio. €)"; small amounts stay plain."""
    if value >= 1_000_000:
        return f"{fmt_eur(value)} ({fmt_number(round(value / 1_000_000, 2))} Mio. €)"
    return fmt_eur(value)


def rate_for(
    meta: ProgrammeMeta, size: str | None, kreis: str | None, land: str | None
) -> tuple[float | None, str]:
    """The highest rate that applies to the asker, and for whom it applies (German)."""
    regions = meta.foerdersatz_nach_region or {}
    for where in (kreis, land):
        if not where or where not in regions:
            continue
        value = regions[where]
        if value is None:
            return None, f"in {where} nennt der Korpus keinen Satz"
        if isinstance(value, dict):
            if size and size in value:
                return float(value[size]), f"für {SIZE_LABEL[size]} in {where}"
            return float(max(value.values())), f"in {where} (je nach Größe)"
        return float(value), f"in {where}"
    sizes = meta.foerdersatz_nach_groesse or {}
    if size and size in sizes:
        return float(sizes[size]), f"für {SIZE_LABEL[size]}"
    if meta.foerdersatz_max_prozent is not None:
        return float(meta.foerdersatz_max_prozent), "Höchstsatz"
    return None, ""


def deadline_text(meta: ProgrammeMeta, today: dt.date) -> str:
    if meta.antragsfrist == LAUFEND:
        text = "Anträge laufend möglich (keine feste Antragsfrist)"
    else:
        frist = meta.antragsfrist
        assert isinstance(frist, dt.date)
        text = f"Antragsfrist {german_date(frist)}"
        if frist < today:
            text += " – abgelaufen"
    if meta.frist_hinweis:
        text += f"; {meta.frist_hinweis.rstrip('.')}"
    return f"{text}; Stand der Angaben: {german_date(meta.stand)}"


def eligibility_text(meta: ProgrammeMeta) -> str:
    parts = [f"förderberechtigt: {fmt_list(meta.foerderberechtigte)}"]
    if meta.nur_kmu:
        parts.append("nur KMU")
    if meta.landkreise:
        parts.append(f"nur in {fmt_list(meta.landkreise)}")
    else:
        parts.append(f"Gebiet: {fmt_list(meta.foerdergebiet)}")
    return "; ".join(parts)


def site_text(
    meta: ProgrammeMeta, kreis: str | None, canon: Canon, land: str | None = None
) -> str | None:
    """Whether the asker's place lies in the programme area: a Land programme asked about
    from another Land ("Standort Burgenlandkreis (Sachsen-Anhalt): liegt nicht im Fördergebiet
    Sachsen"), or an area limited to some districts."""
    lands = [g for g in meta.foerdergebiet if g in LAENDER]
    if land and lands and land not in lands:
        where = f"{canon(kreis)} ({land})" if kreis else land
        return f"Standort {where}: liegt nicht im Fördergebiet {fmt_list(lands)}"
    if not kreis or not meta.landkreise:
        return None
    inside = any(canon(k) == canon(kreis) for k in meta.landkreise)
    verdict = "liegt im Fördergebiet" if inside else "liegt nicht im Fördergebiet"
    return f"Standort {canon(kreis)}: {verdict}"


def combination_text(meta: ProgrammeMeta, title_of: dict[str, str]) -> str | None:
    parts = []
    if meta.kumulierung_hinweis:
        parts.append(meta.kumulierung_hinweis.rstrip("."))
    if meta.kumulierbar_mit:
        names = [title_of.get(s, s) for s in meta.kumulierbar_mit]
        parts.append(f"kombinierbar mit {fmt_list(names)}")
    if meta.nicht_kumulierbar_mit:
        names = [title_of.get(s, s) for s in meta.nicht_kumulierbar_mit]
        parts.append(f"nicht kombinierbar mit {fmt_list(names)}")
    return "; ".join(parts) or None


def _region_ok(entry_regions: Sequence[str], where: set[str], canon: Canon) -> bool | None:
    """True/False when the entry names regions and the asker's place is known, else None."""
    if not entry_regions or not where:
        return None
    return any(r in where or canon(r) in where for r in entry_regions)


def _size_ok(entry_sizes: Sequence[str], size: str | None) -> bool | None:
    if not entry_sizes or size is None:
        return None
    sizes = set(entry_sizes) | ({"klein"} if "kleinst" in entry_sizes else set())
    return size in sizes


# label words too general to say which entry is meant ("Unternehmen", "in der Regel", …)
_GENERIC = frozenset(
    [
        "unternehmen",
        "richtlinie",
        "regelfall",
        "höchstens",
        "höchste",
        "höchstsatz",
        "förderung",
        "förderquote",
        "vorhaben",
        "vorhabenart",
        "projekt",
        "angaben",
        "zuschuss",
        "zuschüsse",
        "region",
        "kalenderjahr",
        "niedrigere",
        "individuelle",
        "einzelfällen",
        "bestimmte",
        "insgesamt",
    ]
)


def _label_words(label: str | None) -> list[str]:
    words = re.findall(r"\w{5,}", (label or "").lower())
    return [w[:6] for w in words if w not in _GENERIC]


# "Wir haben schon im Januar losgelegt": the asker's project has begun
_STARTED = re.compile(
    r"losgelegt|angefangen|schon begonnen|bereits begonnen|gestartet|nachträglich|schon gekauft|"
    r"schon bestellt|bereits bestellt",
    re.I,
)


def names_label(entry: Foerdersatz, question: str) -> bool:
    """True when the question names the entry's module or category ("für Betriebsmittel")."""
    words = _label_words(entry.kategorie) + _label_words(entry.modul)
    asked = {w[:6].lower() for w in re.findall(r"\w{5,}", question)}
    if RUNNING_COSTS.search(question):
        asked.add("betrie")  # "laufende Kosten wie Miete und Personal" are Betriebsmittel
    return any(w in asked for w in words)


def matching_terms(
    meta: ProgrammeMeta,
    intent: QuestionIntent,
    *,
    kreis: str | None,
    land: str | None,
    canon: Canon,
    question: str = "",
) -> list[Foerdersatz]:
    """The structured rates/amounts (``foerdersaetze``) that fit the asker's place and size,
    most specific first (an entry whose module/category the question names comes first);
    entries for another place or size are left out."""
    where = {w for w in (kreis, land) if w}
    scored = []
    for i, entry in enumerate(meta.foerdersaetze):
        checks = (
            _region_ok(entry.region, where, canon),
            _size_ok(entry.groesse, intent.asker.size),
        )
        if False in checks:
            continue
        named = bool(question) and names_label(entry, question)
        scored.append((-2 * named - sum(c is True for c in checks), i, entry))
    return [e for _, _, e in sorted(scored, key=lambda x: x[:2])]


def term_quotes(
    meta: ProgrammeMeta,
    intent: QuestionIntent,
    *,
    kreis: str | None,
    land: str | None,
    canon: Canon,
    limit: int = TERM_QUOTES,
    question: str = "",
) -> list[str]:
    """Verbatim programme text behind the asked figure or rule: the ``beleg`` of matching
    ``foerdersaetze`` for a rate/amount question, of ``bedingungen`` for an eligibility one."""
    quotes: list[str] = []
    if intent.has(Intent.RATE, Intent.AMOUNT):
        entries = matching_terms(
            meta, intent, kreis=kreis, land=land, canon=canon, question=question
        )
        rates = [
            e
            for e in entries
            if e.satz_prozent is not None or not intent.has(Intent.RATE) or names_label(e, question)
        ]
        quotes += [e.beleg for e in (rates or entries)]
    if intent.has(Intent.ELIGIBILITY):
        quotes += [b.beleg for b in meta.bedingungen]
    return list(dict.fromkeys(quotes))[:limit]


def direct_facts(
    meta: ProgrammeMeta,
    intent: QuestionIntent,
    *,
    kreis: str | None,
    land: str | None,
    today: dt.date,
    title_of: dict[str, str],
    question: str = "",
    canon: Canon = str,
) -> list[str]:
    """What the metadata says to the asked intents, one German phrase each."""
    out: list[str] = []
    if intent.has(Intent.AMOUNT) and question:
        out += [labelled_amount(e) for e in meta.foerdersaetze if names_label(e, question)]
        out = [line for line in out if line]
    if intent.has(Intent.RATE):
        value, who = rate_for(meta, intent.asker.size, kreis, land)
        if value is not None:
            out.append(f"Fördersatz {who}: bis zu {fmt_percent(value)}")
    if intent.has(Intent.AMOUNT) and meta.max_betrag_eur is not None:
        out.append(f"Höchstbetrag: {euro_with_words(meta.max_betrag_eur)}")
    if intent.has(Intent.DEADLINE):
        out.append(deadline_text(meta, today))
    if intent.has(Intent.ROUTE):
        out.append(f"Antrag: {meta.antragsstelle}")
    if intent.has(Intent.ELIGIBILITY):
        where = site_text(meta, kreis, canon, land)
        out += [where] if where else []
        size = headcount_text(meta, intent.asker.employees)
        out += [size] if size else []
        if meta.antrag_vor_vorhabenbeginn and _STARTED.search(question):
            out.append("Antrag vor Vorhabenbeginn – das Vorhaben darf noch nicht begonnen haben")
        out.append(eligibility_text(meta))
    if intent.has(Intent.COMBINATION):
        text = combination_text(meta, title_of)
        if text:
            out.append(text)
    return out


def headcount_text(meta: ProgrammeMeta, employees: int | None) -> str | None:
    """ "höchstens 49 Beschäftigte – mit 60 liegen Sie darüber" when the asker gave a count."""
    limit = meta.max_beschaeftigte
    if employees is None or limit is None:
        return None
    verdict = "liegen Sie darüber" if employees > limit else "passt das"
    return f"höchstens {int(limit)} Beschäftigte – mit {employees} {verdict}"


def labelled_amount(entry: Foerdersatz) -> str | None:
    """ "Betriebsmittel: höchstens 50.000 €" for an entry the question names by its label."""
    label = entry.kategorie or entry.modul
    if entry.betrag_max_eur is not None:
        return f"{label}: höchstens {euro_with_words(entry.betrag_max_eur)}"
    if entry.betrag_eur is not None:
        return f"{label}: {euro_with_words(entry.betrag_eur)}"
    return None


def overview_facts(meta: ProgrammeMeta) -> str:
    """Short card line of a programme in a list of options."""
    parts = [fmt_list(meta.foerderart)]
    if meta.foerdersatz_max_prozent is not None:
        parts.append(f"bis {fmt_percent(meta.foerdersatz_max_prozent)}")
    if meta.max_betrag_eur is not None:
        parts.append(f"max. {fmt_eur(meta.max_betrag_eur)}")
    parts.append(f"Antrag: {meta.antragsstelle}")
    return "; ".join(parts)
