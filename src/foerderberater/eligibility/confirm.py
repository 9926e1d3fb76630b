"""What the check understood from a free-text description – shown for confirmation – and the
core facts it could not find (asked for before the programmes are trusted)."""

from __future__ import annotations

import datetime as dt

from foerderberater.core.fmt import fmt_eur, fmt_list, fmt_number
from foerderberater.profile import FACT_LABELS, Profile

CORE_FACTS = ("standort", "art", "beschaeftigte", "vorhaben", "beginn", "volumen")


def _started(p: Profile, today: dt.date) -> str:
    state = p.started(today)
    return {True: "bereits begonnen", False: "noch nicht begonnen", None: "offen"}[state]


def recognised(p: Profile, today: dt.date) -> list[tuple[str, str]]:
    """(label, value) of every fact taken from the text, in a fixed order."""
    got = set(p.aus_text)
    out: list[tuple[str, str]] = []
    if got & {"ort", "kreis", "land"}:
        parts = [x for x in (p.ort, p.kreis, p.land) if x]
        out.append(("Standort", " → ".join(dict.fromkeys(parts))))
    if "art" in got:
        out.append(("Antragsteller", str(p.art)))
    if "beschaeftigte" in got:
        out.append(("Beschäftigte", fmt_number(p.beschaeftigte or 0)))
    if "umsatz_mio" in got:
        out.append(("Jahresumsatz", f"{fmt_number(p.umsatz_mio or 0)} Mio. €"))
    if "bilanzsumme_mio" in got:
        out.append(("Bilanzsumme", f"{fmt_number(p.bilanzsumme_mio or 0)} Mio. €"))
    if "vorhaben" in got:
        out.append(("Vorhaben", fmt_list(p.vorhaben)))
    if "technologien" in got:
        out.append(("Technologiefeld", fmt_list(p.technologien)))
    if "volumen_eur" in got:
        out.append(("Volumen", fmt_eur(p.volumen_eur or 0)))
    if got & {"beginn", "begonnen"}:
        when = p.beginn.strftime("%d.%m.%Y") if p.beginn else "ohne Datum"
        out.append(("Projektbeginn", f"{when} ({_started(p, today)})"))
    if "gruendungsjahr" in got:
        out.append(("Gründungsjahr", str(p.gruendungsjahr)))
    if "verbund" in got:
        out.append(("Verbund", "ja, mit Partnern" if p.verbund else "nein, ohne Partner"))
    if "rechtsform" in got:
        out.append(("Rechtsform", str(p.rechtsform)))
    if "hochschulgruendung" in got:
        out.append(("Ausgründung aus der Wissenschaft", "ja"))
    return out


def missing(p: Profile, today: dt.date) -> list[str]:
    """Core facts the profile lacks (labels of FACT_LABELS)."""
    lacking = {
        "standort": not p.land,
        "art": not p.art,
        "beschaeftigte": p.unternehmerisch
        and p.art != "Start-up in Gründung"
        and p.beschaeftigte is None,
        "vorhaben": not p.vorhaben,
        "beginn": p.started(today) is None,
        "volumen": p.volumen_eur is None,
    }
    return [FACT_LABELS[k] for k in CORE_FACTS if lacking[k]]


def confirmation_markdown(p: Profile, today: dt.date) -> list[str]:
    """The block under the profile: recognised facts to confirm, missing facts to add."""
    if not p.text.strip():
        return []
    rows = recognised(p, today)
    out = ["", "**Bitte prüfen – so habe ich Ihren Text verstanden:**", ""]
    if rows:
        out += ["| Angabe | erkannt |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    else:
        out.append("_Im Text wurde keine Angabe sicher erkannt._")
    lacking = missing(p, today)
    if lacking:
        out += ["", "**Nicht erkannt – bitte ergänzen:** " + "; ".join(lacking)]
    out += [
        "",
        "_Stimmt etwas nicht? Korrigieren Sie es in den Feldern (Kommandozeile: `--ort`, "
        "`--art`, `--beginn` …) – Ihre Angaben dort haben Vorrang vor dem Text._",
    ]
    return out
