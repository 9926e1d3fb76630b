"""Fill a profile from free text with deterministic rules (see ``patterns``).

Every value taken from the text is recorded in ``aus_text`` so the output can say what was
recognised.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from foerderberater.profile.dates import find_start
from foerderberater.profile.model import Profile
from foerderberater.profile.parse import (
    parse_number,
    unit_factor,
)
from foerderberater.profile.patterns import (
    BILANZ_AFTER,
    BILANZ_BEFORE,
    EMPLOYEES,
    FOUNDED,
    FOUNDED_AGO,
    FREIER_BERUF,
    MONEY,
    RECHTSFORM_TEXT,
    TECH_RULES,
    UMSATZ_AFTER,
    UMSATZ_BEFORE,
    VORHABEN_RULES,
    WORDS,
)
from foerderberater.profile.roles import applicant_art, joint_project, science_spin_off
from foerderberater.search.regions import Gazetteer

_PEOPLE = re.compile(r"\s*(?:Mitarbeit|Beschäftigt|Angestellt|Kunden|Nutzer|Follower)", re.I)


def project_types(text: str) -> tuple[str, ...]:
    """The kinds of project a text describes (values of ``vorhabenart``)."""
    return tuple(name for name, p in VORHABEN_RULES if p.search(text))


def profile_from_text(text: str, gazetteer: Gazetteer, *, today: dt.date | None = None) -> Profile:
    """Fill a profile from a free-text question with deterministic rules."""
    today = today or dt.date.today()
    found: dict[str, Any] = {}
    region = gazetteer.locate(text)
    if region is not None:
        found.update(
            ort=region.matched,
            kreis=region.kreis,
            land=region.land,
            revier=region.revier if region.kreis else None,
        )
    m = EMPLOYEES.search(text)
    if m:
        found["beschaeftigte"] = int((m[1] or m[2]).replace(".", ""))
    found_art = applicant_art(text, employees="beschaeftigte" in found)
    if found_art:
        found["art"] = found_art
    money_umsatz, money_bilanz, volumen = _money(text)
    if money_umsatz is not None:
        found["umsatz_mio"] = money_umsatz / 1e6
    if money_bilanz is not None:
        found["bilanzsumme_mio"] = money_bilanz / 1e6
    if volumen is not None:
        found["volumen_eur"] = volumen
    vorhaben = project_types(text)
    if found.get("art") == "Start-up in Gründung" and "Gründung" not in vorhaben:
        vorhaben = ("Gründung", *vorhaben)
    if vorhaben:
        found["vorhaben"] = vorhaben
    tech = tuple(name for name, p in TECH_RULES if p.search(text))
    if tech:
        found["technologien"] = tech
    start = find_start(text, today)
    if start.begonnen is not None:
        found["begonnen"] = start.begonnen
    if start.beginn is not None:
        found["beginn"] = start.beginn
    year = _founded(text, today)
    if year is not None:
        found["gruendungsjahr"] = year
        if found.get("art") == "Start-up in Gründung":
            found["art"] = "Start-up" if today.year - year <= 5 else "Unternehmen"
    joint = joint_project(text)
    if joint is not None:
        found["verbund"] = joint
    for form, pattern in RECHTSFORM_TEXT:
        if pattern.search(text):
            found["rechtsform"] = form
            break
    if FREIER_BERUF.search(text):
        found["freier_beruf"] = True
    if science_spin_off(text, found.get("art")):
        found["hochschulgruendung"] = True
    return Profile(**found, text=text, aus_text=tuple(found))


def _money(text: str) -> tuple[float | None, float | None, float | None]:
    umsatz = bilanz = volumen = None
    for m in MONEY.finditer(text):
        if not (m["unit"] or m["cur"]):
            continue
        if m["unit"] and m["unit"].casefold() == "k" and _PEOPLE.match(text[m.end() :]):
            continue
        try:
            amount = parse_number(m["num"]) * unit_factor(m["unit"])
        except ValueError:
            continue
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 25]
        if UMSATZ_AFTER.search(after) or UMSATZ_BEFORE.search(before):
            umsatz = umsatz if umsatz is not None else amount
        elif BILANZ_AFTER.search(after) or BILANZ_BEFORE.search(before):
            bilanz = bilanz if bilanz is not None else amount
        elif volumen is None:
            volumen = amount
    return umsatz, bilanz, volumen


def _founded(text: str, today: dt.date) -> int | None:
    m = FOUNDED.search(text)
    if m:
        year = int(m[1] or m[2])
        if 1800 <= year <= today.year:
            return year
    m = FOUNDED_AGO.search(text)
    if m:
        raw = (m[1] or m[2]).casefold()
        years = WORDS.get(raw) or int(raw)
        return today.year - years
    return None
