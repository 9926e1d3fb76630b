"""Rules on the project: kind, technology field, type of funding, volume, project start."""

from __future__ import annotations

from foerderberater.eligibility.corpus import (
    REQ,
    WHAT,
    _amount_pattern,
    _cites,
    first_passage,
    meta_cite,
    passage,
)
from foerderberater.eligibility.model import (
    ERFUELLT,
    HINWEIS,
    KEINE_ANGABE,
    OFFEN,
    VERLETZT,
    Context,
    Programme,
    Reason,
)
from foerderberater.eligibility.textutil import _join
from foerderberater.profile import fmt_eur


def rule_vorhabenart(prog: Programme, ctx: Context) -> list[Reason]:
    arten = list(prog.metadata.get("vorhabenart") or [])
    cite = meta_cite(prog, "vorhabenart")
    mine = ctx.profile.vorhaben
    if not mine:
        return [
            Reason(
                "vorhabenart",
                OFFEN,
                f"Gefördert werden: {_join(arten)} – Ihre Vorhabenart fehlt.",
                (cite,),
                "vorhaben",
            )
        ]
    hits = [v for v in mine if v in arten]
    if hits:
        return [
            Reason(
                "vorhabenart",
                ERFUELLT,
                f"Gefördert werden: {_join(arten)} – Ihr Vorhaben: {_join(mine)}.",
                _cites(cite, passage(prog, None, ("Was wird gefördert",))),
            )
        ]
    return [
        Reason(
            "vorhabenart",
            VERLETZT,
            f"Gefördert werden nur: {_join(arten)} – Ihr Vorhaben: {_join(mine)}.",
            _cites(cite, passage(prog, None, ("Was wird gefördert",))),
        )
    ]


def rule_technologie(prog: Programme, ctx: Context) -> list[Reason]:
    felder = list(prog.metadata.get("technologiefelder") or [])
    cite = meta_cite(prog, "technologiefelder")
    if "technologieoffen" in felder:
        return [Reason("technologie", ERFUELLT, "Technologieoffen.", (cite,))]
    mine = ctx.profile.technologien
    if not mine:
        return [
            Reason(
                "technologie",
                OFFEN,
                f"Nur Technologiefelder {_join(felder)} – Ihr Technologiefeld fehlt.",
                (cite,),
                "technologie",
            )
        ]
    hits = [t for t in mine if t in felder]
    return [
        Reason(
            "technologie",
            ERFUELLT if hits else VERLETZT,
            f"Technologiefelder laut Korpus: {_join(felder)} – Ihres: {_join(mine)}.",
            (cite,),
        )
    ]


def rule_foerderart(prog: Programme, ctx: Context) -> list[Reason]:
    wanted = ctx.profile.foerderart
    if not wanted:
        return []
    arten = list(prog.metadata.get("foerderart") or [])
    ok = any(w in arten for w in wanted)
    return [
        Reason(
            "foerderart",
            ERFUELLT if ok else VERLETZT,
            f"Förderart {_join(arten)} – gesucht: {_join(wanted)}.",
            (meta_cite(prog, "foerderart"),),
        )
    ]


def rule_volumen(prog: Programme, ctx: Context) -> list[Reason]:
    low, high = prog.metadata.get("min_volumen_eur"), prog.metadata.get("max_volumen_eur")
    if low is None and high is None:
        return []
    keys = [k for k, v in (("min_volumen_eur", low), ("max_volumen_eur", high)) if v is not None]
    cites = _cites(
        *(meta_cite(prog, k) for k in keys),
        first_passage(
            prog,
            [_amount_pattern(v) for v in (low, high) if v is not None]
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
    return [
        Reason(
            "volumen",
            ERFUELLT if ok else VERLETZT,
            f"Volumen {span} – Ihres: {fmt_eur(vol)}.",
            cites,
        )
    ]


_BEGINN_PASSAGE = (
    r"vor (?:dem |der )?(?:Beginn|Vorhabenbeginn|Maßnahmenbeginn|Projektbeginn|Projektstart|"
    r"Abschluss des Kreditvertrags|Kreditgewährung|Antragstellung)|nicht begonnen|"
    r"begonnen werden|bereits begonnen|begonnener|begonnene|eigenes Risiko|rückwirkend|nachträglich"
)


def rule_beginn(prog: Programme, ctx: Context) -> list[Reason]:
    meta, p = prog.metadata, ctx.profile
    flag = meta.get("antrag_vor_vorhabenbeginn")
    started = p.started(ctx.today)
    hint = meta.get("vorhabenbeginn_hinweis")
    extra = f" {hint}" if hint else ""
    text_cite = passage(prog, _BEGINN_PASSAGE, REQ)
    hint_cite = meta_cite(prog, "vorhabenbeginn_hinweis") if hint else None
    if flag is True:
        cites = _cites(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite, hint_cite)
        if started is True:
            return [
                Reason(
                    "vorhabenbeginn",
                    VERLETZT,
                    "Antrag vor Vorhabenbeginn – Ihr Vorhaben hat schon begonnen." + extra,
                    cites,
                )
            ]
        if started is False:
            when = f" (geplant: {p.beginn.isoformat()})" if p.beginn else ""
            return [
                Reason(
                    "vorhabenbeginn",
                    ERFUELLT,
                    f"Antrag vor Vorhabenbeginn – Ihr Vorhaben hat noch nicht begonnen{when}; "
                    "erst Antrag stellen, dann beginnen." + extra,
                    cites,
                )
            ]
        return [
            Reason(
                "vorhabenbeginn",
                OFFEN,
                "Antrag vor Vorhabenbeginn – hat Ihr Vorhaben schon begonnen?" + extra,
                cites,
                "beginn",
            )
        ]
    if flag is False:
        return [
            Reason(
                "vorhabenbeginn",
                ERFUELLT,
                "Antrag auch nach Vorhabenbeginn möglich." + extra,
                _cites(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite),
            )
        ]
    if started is True:
        return [
            Reason(
                "vorhabenbeginn",
                OFFEN,
                f"Ob ein schon begonnenes Vorhaben gefördert werden kann: {KEINE_ANGABE}." + extra,
                _cites(text_cite, hint_cite),
            )
        ]
    return [
        Reason(
            "vorhabenbeginn",
            HINWEIS,
            f"Regel zum Vorhabenbeginn: {KEINE_ANGABE} – im Zweifel erst nach dem Antrag "
            "beginnen." + extra,
            _cites(text_cite, hint_cite),
        )
    ]
