"""Key facts of a programme from its metadata, formatted once for answers and programme cards."""

from __future__ import annotations

from foerderberater.core.fmt import fmt_eur, fmt_list, fmt_percent
from foerderberater.core.schema import ProgrammeMeta

SIZE_NAMES = {"klein": "klein", "mittel": "mittel", "gross": "groß"}


def programme_facts(meta: ProgrammeMeta) -> dict[str, str]:
    """The programme's facts as German text, keyed by field (only the ones the corpus gives).

    Keys are the metadata field names plus ``hinweise`` (flags such as "nur KMU").
    """
    facts: dict[str, str] = {}
    for key in (
        "foerdergeber",
        "antragsstelle",
        "foerderart",
        "foerderberechtigte",
        "vorhabenart",
        "foerdergebiet",
        "landkreise",
        "technologiefelder",
    ):
        value = getattr(meta, key)
        if value:
            facts[key] = value if isinstance(value, str) else fmt_list(value)
    if meta.foerdersatz_max_prozent is not None:
        facts["foerdersatz_max_prozent"] = f"bis {fmt_percent(meta.foerdersatz_max_prozent)}"
    if meta.foerdersatz_nach_groesse:
        facts["foerdersatz_nach_groesse"] = fmt_list(
            f"{SIZE_NAMES.get(k, k)} {fmt_percent(v)}"
            for k, v in meta.foerdersatz_nach_groesse.items()
        )
    if meta.max_betrag_eur is not None:
        facts["max_betrag_eur"] = fmt_eur(meta.max_betrag_eur)
    facts["antragsfrist"] = str(meta.antragsfrist)
    facts["stand"] = meta.stand.isoformat()
    flags = [
        label
        for flag, label in (
            (meta.antrag_vor_vorhabenbeginn, "Antrag vor Vorhabenbeginn"),
            (meta.nur_kmu, "nur KMU"),
            (meta.de_minimis, "De-minimis-Beihilfe"),
        )
        if flag
    ]
    if flags:
        facts["hinweise"] = fmt_list(flags)
    return facts


def facts_line(meta: ProgrammeMeta) -> str:
    """One line for an answer: Förderart; für …; Höhe; Gebiet; Antrag; Frist; Stand."""
    f = programme_facts(meta)
    parts = []
    if "foerderart" in f:
        parts.append("Förderart: " + f["foerderart"])
    if "foerderberechtigte" in f:
        parts.append("für " + f["foerderberechtigte"])
    amount = [f["foerdersatz_max_prozent"]] if "foerdersatz_max_prozent" in f else []
    if "max_betrag_eur" in f:
        amount.append("max. " + f["max_betrag_eur"])
    if amount:
        parts.append("Höhe: " + ", ".join(amount))
    for key, label in (
        ("foerdergebiet", "Gebiet"),
        ("antragsstelle", "Antrag"),
        ("antragsfrist", "Frist"),
        ("stand", "Stand"),
    ):
        if key in f:
            parts.append(f"{label}: {f[key]}")
    return "; ".join(parts)


CARD_LABELS = {
    "foerdergeber": "Fördergeber",
    "antragsstelle": "Antragsstelle",
    "foerderart": "Förderart",
    "foerderberechtigte": "Förderberechtigte",
    "vorhabenart": "Vorhabenart",
    "foerdergebiet": "Fördergebiet",
    "landkreise": "Landkreise",
    "technologiefelder": "Technologiefelder",
    "foerdersatz_max_prozent": "Fördersatz",
    "foerdersatz_nach_groesse": "Nach Größe",
    "max_betrag_eur": "Höchstbetrag",
    "hinweise": "Hinweise",
}


def card_facts(meta: ProgrammeMeta) -> list[tuple[str, str]]:
    """(label, text) rows of a programme card (Stand and Frist are shown separately)."""
    facts = programme_facts(meta)
    return [(label, facts[key]) for key, label in CARD_LABELS.items() if key in facts]
