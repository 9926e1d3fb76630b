"""Markdown rendering of a ``CheckResult`` (CLI output and web UI)."""

from __future__ import annotations

from collections.abc import Sequence

from foerderberater.core.fmt import fmt_eur, fmt_list
from foerderberater.eligibility.confirm import confirmation_markdown
from foerderberater.eligibility.model import Citation
from foerderberater.eligibility.results import INDIKATIV, CheckResult, ProgrammeCheck
from foerderberater.eligibility.verdicts import (
    ERFUELLT,
    HINWEIS,
    KEINE_ANGABE,
    NICHT,
    OFFEN,
    PASST,
    STATUS_ORDER,
    VERLETZT,
    VIELLEICHT,
)

TEXT_FIELD_LABELS = {
    "ort": "Standort",
    "kreis": "Standort",
    "land": "Standort",
    "revier": "Standort",
    "art": "Art",
    "beschaeftigte": "Beschäftigte",
    "umsatz_mio": "Umsatz",
    "bilanzsumme_mio": "Bilanzsumme",
    "vorhaben": "Vorhabenart",
    "technologien": "Technologiefeld",
    "volumen_eur": "Volumen",
    "beginn": "Projektbeginn",
    "begonnen": "Projektbeginn",
    "gruendungsjahr": "Gründungsjahr",
    "verbund": "Verbund",
    "rechtsform": "Rechtsform",
    "freier_beruf": "Freier Beruf",
    "hochschulgruendung": "Hochschulgründung",
}
WEITERE_LABELS = {
    "Darlehen": "Kredit",
    "Zuschussanteil": "Zuschussanteil des Kredits",
    "Bürgschaft": "Bürgschaft",
    "Beteiligung": "Beteiligung",
}
_MARK = {ERFUELLT: "✅", VERLETZT: "❌", OFFEN: "❔", HINWEIS: "ℹ️"}
_HEAD = {PASST: "Passt", VIELLEICHT: "Passt vielleicht", NICHT: "Passt nicht"}


def profile_summary(result: CheckResult) -> list[str]:
    p = result.profile
    lines = []
    where = p.standort_label()
    if p.revier:
        where += ", Mitteldeutsches Revier"
    lines.append(f"- **Antragsteller:** {p.art or 'nicht angegeben'}, Standort {where}")
    if p.unternehmerisch:
        lines.append(
            f"- **Größe (EU-KMU-Definition):** {result.groesse.label()} – "
            f"{result.groesse.begruendung}"
        )
    vorhaben = fmt_list(p.vorhaben) or "nicht angegeben"
    tech = fmt_list(p.technologien) or "nicht angegeben"
    lines.append(f"- **Vorhaben:** {vorhaben}; Technologiefeld: {tech}")
    vol = fmt_eur(p.volumen_eur) if p.volumen_eur is not None else "nicht angegeben"
    started = p.started(result.heute)
    begin = p.beginn.isoformat() if p.beginn else "nicht angegeben"
    state = {True: "bereits begonnen", False: "noch nicht begonnen", None: "offen"}[started]
    lines.append(f"- **Volumen:** {vol}; Projektbeginn: {begin} ({state})")
    extras = []
    if p.gruendungsjahr:
        extras.append(f"gegründet {p.gruendungsjahr}")
    if p.verbund is not None:
        extras.append("Verbundprojekt" if p.verbund else "kein Verbund")
    if p.rechtsform:
        extras.append(p.rechtsform)
    if p.freier_beruf:
        extras.append("Freier Beruf")
    if p.foerderart:
        extras.append("gesucht: " + fmt_list(p.foerderart))
    if extras:
        lines.append("- **Weitere Angaben:** " + ", ".join(extras))
    if p.aus_text:
        labels = dict.fromkeys(TEXT_FIELD_LABELS.get(f, f) for f in p.aus_text)
        lines.append("- _Aus Ihrem Text erkannt:_ " + ", ".join(labels))
    return lines + confirmation_markdown(p, result.heute)


def _cite_md(cites: Sequence[Citation]) -> str:
    return " ".join(f"[{c.short()}]" for c in cites)


def _check_md(c: ProgrammeCheck, n: int) -> list[str]:
    p = c.programme
    out = [f"### {n}. {p.kurzname} – {p.title}", ""]
    arten = fmt_list(p.meta.foerderart)
    stand = f"Stand {c.stand}" + (" ⚠️ älter als ein Jahr" if c.stand_veraltet else "")
    out.append(f"**{c.status}** · {arten} · {stand}")
    out.append("")
    for r in c.gruende:
        cite = _cite_md(r.belege)
        out.append(f"- {_MARK[r.ergebnis]} {r.text}" + (f" {cite}" if cite else ""))
    if c.fehlende_angaben:
        out.append("")
        out.append("**Fehlende Angaben:** " + "; ".join(c.fehlende_angaben))
    out.append("")
    if c.foerdersatz:
        out.append(
            f"- **Fördersatz für Sie:** {c.foerdersatz.text} {_cite_md(c.foerdersatz.belege[:2])}"
        )
    elif not c.weitere:
        out.append(f"- **Fördersatz:** {KEINE_ANGABE}")
    if c.betrag:
        out.append(f"- **Betrag (indikativ, unverbindlich):** {c.betrag.text}")
    for extra in c.weitere:
        label = WEITERE_LABELS.get(extra.art, extra.art)
        out.append(f"- **{label} (indikativ):** {extra.text} {_cite_md(extra.belege[:2])}")
    out.append(f"- **Antragsstelle:** {c.antragsstelle}")
    beleg = c.naechster_schritt_beleg
    step_cite = f" [{beleg.section}]" if beleg and beleg.section else ""
    out.append(f"- **Nächster Schritt:** {c.naechster_schritt}{step_cite}")
    out.append(f"- **Frist:** {c.frist}")
    out.append(f"- **Kombination:** {c.kombination} {_cite_md(c.kombination_belege)}".rstrip())
    if c.textstelle:
        t = c.textstelle
        page = f", S. {t.page}" if t.page else ""
        out.append(f"- **Passende Textstelle** ({t.doc_id}{page}, „{t.section}“): {t.text}")
    unchecked = p.meta.unverifiziert
    if unchecked:
        more = f" (+{len(unchecked) - 2} weitere)" if len(unchecked) > 2 else ""
        out.append("- **Nicht geprüft (laut Korpus):** " + " ".join(unchecked[:2]) + more)
    out.append(f"- **Dokument:** {p.doc_id}" + (f" · {p.url}" if p.url else ""))
    out.append("")
    return out


def render_markdown(result: CheckResult, *, show_failing: bool = True) -> str:
    out = ["# Projekt-Check", ""]
    out.append(f"Prüfdatum: {result.heute.isoformat()}")
    out.append("")
    out.extend(profile_summary(result))
    out.append("")
    counts = [(len(result.by_status(s)), s) for s in STATUS_ORDER]
    summary = ", ".join(
        f"{n} {status if n == 1 else status.replace('passt', 'passen')}" for n, status in counts
    )
    out.append(f"**Ergebnis:** {summary}.")
    if result.fehlende_angaben:
        out.append("")
        out.append(
            "**Bitte angeben:** "
            + "; ".join(
                f"{label} (offen bei {n} Programm{'en' if n > 1 else ''})"
                for label, n in result.fehlende_angaben
            )
        )
    for note in result.hinweise:
        out.append("")
        out.append(f"_Hinweis: {note}_")
    out.append("")
    n = 0
    for status in (PASST, VIELLEICHT):
        items = result.by_status(status)
        if not items:
            continue
        out.append(f"## {_HEAD[status]} ({len(items)})")
        out.append("")
        for c in items:
            n += 1
            out.extend(_check_md(c, n))
    failing = result.by_status(NICHT)
    if failing and show_failing:
        out.append(f"## {_HEAD[NICHT]} ({len(failing)})")
        out.append("")
        for c in failing:
            why = [r for r in c.gruende if r.ergebnis == VERLETZT]
            text = " ".join(f"{r.text} {_cite_md(r.belege[:1])}" for r in why)
            out.append(f"- **{c.programme.kurzname}** – {text}")
        out.append("")
    out.append("## Kombinationen")
    out.append("")
    fitting = [c for c in result.ergebnisse if c.status != NICHT]
    if result.kombinationen:
        names = {c.slug: c.programme.kurzname for c in fitting}
        for combo in result.kombinationen:
            out.append(
                f"- **{names.get(combo.a, combo.a)} + {names.get(combo.b, combo.b)}:** "
                f"{combo.urteil} – {combo.text} " + " ".join(f"[{c.label()}]" for c in combo.belege)
            )
    if fitting:
        out.append(f"- Alle übrigen Kombinationen der passenden Programme: {KEINE_ANGABE}.")
    else:
        out.append("- Keine passenden Programme.")
    out.append("")
    out.append(
        f"_{INDIKATIV} Entscheidungen beruhen nur auf den Metadaten des Korpus; "
        "„passt“ ist keine Förderzusage._"
    )
    return "\n".join(out) + "\n"
