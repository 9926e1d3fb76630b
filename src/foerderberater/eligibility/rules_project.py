"""Rules on the project: kind, technology field, type of funding, volume, project start."""

from __future__ import annotations

from foerderberater.core.fmt import fmt_eur, fmt_list
from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import (
    REQ,
    WHAT,
    amount_pattern,
    cite_all,
    first_passage,
    meta_cite,
    passage,
)
from foerderberater.eligibility.verdicts import ERFUELLT, HINWEIS, KEINE_ANGABE, OFFEN, VERLETZT


def rule_vorhabenart(prog: Programme, ctx: Context) -> list[Reason]:
    arten = list(prog.meta.vorhabenart)
    cite = meta_cite(prog, "vorhabenart")
    mine = ctx.profile.vorhaben
    if not mine:
        text = f"Gefördert werden: {fmt_list(arten)} – Ihre Vorhabenart fehlt."
        return [Reason("vorhabenart", OFFEN, text, (cite,), "vorhaben")]
    hits = [v for v in mine if v in arten]
    if hits:
        text = f"Gefördert werden: {fmt_list(arten)} – Ihr Vorhaben: {fmt_list(mine)}."
        belege = cite_all(cite, passage(prog, None, ("Was wird gefördert",)))
        return [Reason("vorhabenart", ERFUELLT, text, belege)]
    text = f"Gefördert werden nur: {fmt_list(arten)} – Ihr Vorhaben: {fmt_list(mine)}."
    belege = cite_all(cite, passage(prog, None, ("Was wird gefördert",)))
    return [Reason("vorhabenart", VERLETZT, text, belege)]


def rule_technologie(prog: Programme, ctx: Context) -> list[Reason]:
    felder = list(prog.meta.technologiefelder)
    cite = meta_cite(prog, "technologiefelder")
    if "technologieoffen" in felder:
        return [Reason("technologie", ERFUELLT, "Technologieoffen.", (cite,))]
    mine = ctx.profile.technologien
    if not mine:
        text = f"Nur Technologiefelder {fmt_list(felder)} – Ihr Technologiefeld fehlt."
        return [Reason("technologie", OFFEN, text, (cite,), "technologie")]
    hits = [t for t in mine if t in felder]
    text = f"Technologiefelder laut Korpus: {fmt_list(felder)} – Ihres: {fmt_list(mine)}."
    return [Reason("technologie", ERFUELLT if hits else VERLETZT, text, (cite,))]


def rule_foerderart(prog: Programme, ctx: Context) -> list[Reason]:
    wanted = ctx.profile.foerderart
    if not wanted:
        return []
    arten = list(prog.meta.foerderart)
    ok = any(w in arten for w in wanted)
    text = f"Förderart {fmt_list(arten)} – gesucht: {fmt_list(wanted)}."
    return [
        Reason("foerderart", ERFUELLT if ok else VERLETZT, text, (meta_cite(prog, "foerderart"),))
    ]


def rule_volumen(prog: Programme, ctx: Context) -> list[Reason]:
    low, high = prog.meta.min_volumen_eur, prog.meta.max_volumen_eur
    if low is None and high is None:
        return []
    keys = [k for k, v in (("min_volumen_eur", low), ("max_volumen_eur", high)) if v is not None]
    cites = cite_all(
        *(meta_cite(prog, k) for k in keys),
        first_passage(
            prog,
            [amount_pattern(v) for v in (low, high) if v is not None]
            + [r"Investitionsvolumen|Sachinvestitionen|förderfähiges Volumen"],
            WHAT + ("Art und Höhe der Förderung",) + REQ,
        ),
    )
    span = " ".join(
        t
        for t in (
            f"mindestens {fmt_eur(low)}" if low is not None else "",
            f"höchstens {fmt_eur(high)}" if high is not None else "",
        )
        if t
    )
    vol = ctx.profile.volumen_eur
    if vol is None:
        return [Reason("volumen", OFFEN, f"Volumen {span} – Ihr Volumen fehlt.", cites, "volumen")]
    ok = (low is None or vol >= low) and (high is None or vol <= high)
    text = f"Volumen {span} – Ihres: {fmt_eur(vol)}."
    return [Reason("volumen", ERFUELLT if ok else VERLETZT, text, cites)]


_BEGINN_PASSAGE = (
    r"vor (?:dem |der )?(?:Beginn|Vorhabenbeginn|Maßnahmenbeginn|Projektbeginn|Projektstart|"
    r"Abschluss des Kreditvertrags|Kreditgewährung|Antragstellung)|nicht begonnen|"
    r"begonnen werden|bereits begonnen|begonnener|begonnene|eigenes Risiko|rückwirkend|nachträglich"
)


def rule_beginn(prog: Programme, ctx: Context) -> list[Reason]:
    meta, p = prog.meta, ctx.profile
    flag = meta.antrag_vor_vorhabenbeginn
    started = p.started(ctx.today)
    hint = meta.vorhabenbeginn_hinweis
    extra = f" {hint}" if hint else ""
    text_cite = passage(prog, _BEGINN_PASSAGE, REQ)
    hint_cite = meta_cite(prog, "vorhabenbeginn_hinweis") if hint else None
    if flag is True:
        cites = cite_all(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite, hint_cite)
        if started is True:
            text = "Antrag vor Vorhabenbeginn – Ihr Vorhaben hat schon begonnen." + extra
            return [Reason("vorhabenbeginn", VERLETZT, text, cites)]
        if started is False:
            when = f" (geplant: {p.beginn.isoformat()})" if p.beginn else ""
            text = (
                f"Antrag vor Vorhabenbeginn – Ihr Vorhaben hat noch nicht begonnen{when}; "
                "erst Antrag stellen, dann beginnen." + extra
            )
            return [Reason("vorhabenbeginn", ERFUELLT, text, cites)]
        text = "Antrag vor Vorhabenbeginn – hat Ihr Vorhaben schon begonnen?" + extra
        return [Reason("vorhabenbeginn", OFFEN, text, cites, "beginn")]
    if flag is False:
        text = "Antrag auch nach Vorhabenbeginn möglich." + extra
        belege = cite_all(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite)
        return [Reason("vorhabenbeginn", ERFUELLT, text, belege)]
    if started is True:
        text = f"Ob ein schon begonnenes Vorhaben gefördert werden kann: {KEINE_ANGABE}." + extra
        return [Reason("vorhabenbeginn", OFFEN, text, cite_all(text_cite, hint_cite))]
    text = (
        f"Regel zum Vorhabenbeginn: {KEINE_ANGABE} – im Zweifel erst nach dem Antrag "
        "beginnen." + extra
    )
    return [Reason("vorhabenbeginn", HINWEIS, text, cite_all(text_cite, hint_cite))]
