"""Fill a profile from free text with deterministic rules (see ``patterns``).

Every value taken from the text is recorded in ``aus_text`` so the output can say what was
recognised.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from foerderberater.profile.model import Profile
from foerderberater.profile.parse import (
    _MONTHS,
    ProfilError,
    _number,
    _unit_factor,
    parse_date,
)
from foerderberater.profile.patterns import (
    _ART_RULES,
    _BILANZ_AFTER,
    _BILANZ_BEFORE,
    _DOT_DATE,
    _EMPLOYEES,
    _FOUNDED,
    _FOUNDED_AGO,
    _FREIER_BERUF,
    _ISO_DATE,
    _MONEY,
    _MONTH_DATE,
    _NOT_STARTED,
    _RECHTSFORM_TEXT,
    _SCIENCE,
    _STARTED,
    _TECH_RULES,
    _UMSATZ_AFTER,
    _UMSATZ_BEFORE,
    _VERBUND,
    _VORHABEN_RULES,
    _WORDS,
    _YEAR_DATE,
)
from foerderberater.search.regions import Gazetteer


def profile_from_text(text: str, gazetteer: Gazetteer, *, today: dt.date | None = None) -> Profile:
    """Fill a profile from a free-text question with deterministic rules."""
    today = today or dt.date.today()
    found: dict[str, Any] = {}
    region = gazetteer.find(text)
    if region is not None:
        found.update(
            ort=region.matched,
            kreis=region.kreis,
            land=region.land,
            revier=region.revier if region.kreis else None,
        )
    for art, pattern in _ART_RULES:
        if pattern.search(text):
            found["art"] = art
            break
    m = _EMPLOYEES.search(text)
    if m:
        found["beschaeftigte"] = int((m[1] or m[2]).replace(".", ""))
    money_umsatz, money_bilanz, volumen = _money(text)
    if money_umsatz is not None:
        found["umsatz_mio"] = money_umsatz / 1e6
    if money_bilanz is not None:
        found["bilanzsumme_mio"] = money_bilanz / 1e6
    if volumen is not None:
        found["volumen_eur"] = volumen
    vorhaben = tuple(name for name, p in _VORHABEN_RULES if p.search(text))
    if found.get("art") == "Start-up in Gründung" and "Gründung" not in vorhaben:
        vorhaben = ("Gründung", *vorhaben)
    if vorhaben:
        found["vorhaben"] = vorhaben
    tech = tuple(name for name, p in _TECH_RULES if p.search(text))
    if tech:
        found["technologien"] = tech
    if _NOT_STARTED.search(text):
        found["begonnen"] = False
    elif _STARTED.search(text):
        found["begonnen"] = True
    beginn = _beginn(text)
    if beginn is not None:
        found["beginn"] = beginn
    year = _founded(text, today)
    if year is not None:
        found["gruendungsjahr"] = year
        if found.get("art") == "Start-up in Gründung":
            found["art"] = "Start-up" if today.year - year <= 5 else "Unternehmen"
    if _VERBUND.search(text):
        found["verbund"] = True
    for form, pattern in _RECHTSFORM_TEXT:
        if pattern.search(text):
            found["rechtsform"] = form
            break
    if _FREIER_BERUF.search(text):
        found["freier_beruf"] = True
    if _SCIENCE.search(text):
        found["hochschulgruendung"] = True
    return Profile(**found, text=text, aus_text=tuple(found))


def _money(text: str) -> tuple[float | None, float | None, float | None]:
    umsatz = bilanz = volumen = None
    for m in _MONEY.finditer(text):
        if not (m["unit"] or m["cur"]):
            continue
        if m["unit"] and m["unit"].casefold() == "k" and not m["cur"]:
            continue
        try:
            amount = _number(m["num"]) * _unit_factor(m["unit"])
        except ValueError:
            continue
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 25]
        if _UMSATZ_AFTER.search(after) or _UMSATZ_BEFORE.search(before):
            umsatz = umsatz if umsatz is not None else amount
        elif _BILANZ_AFTER.search(after) or _BILANZ_BEFORE.search(before):
            bilanz = bilanz if bilanz is not None else amount
        elif volumen is None:
            volumen = amount
    return umsatz, bilanz, volumen


def _beginn(text: str) -> dt.date | None:
    m = _ISO_DATE.search(text)
    if m:
        try:
            return dt.date.fromisoformat(m[1])
        except ValueError:
            pass
    m = _DOT_DATE.search(text)
    if m:
        try:
            return parse_date(m[1])
        except ProfilError:
            pass
    m = _MONTH_DATE.search(text)
    if m:
        return dt.date(int(m[3]), _MONTHS[m[2].casefold()], 1)
    for m in _YEAR_DATE.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()].casefold()
        if "gegründet" in before or "gründung" in before or "seit" in before:
            continue
        month = {"mitte": 7, "ende": 10}.get(m[1].casefold(), 1)
        return dt.date(int(m[2]), month, 1)
    return None


def _founded(text: str, today: dt.date) -> int | None:
    m = _FOUNDED.search(text)
    if m:
        year = int(m[1] or m[2])
        if 1800 <= year <= today.year:
            return year
    m = _FOUNDED_AGO.search(text)
    if m:
        raw = (m[1] or m[2]).casefold()
        years = _WORDS.get(raw) or int(raw)
        return today.year - years
    return None
