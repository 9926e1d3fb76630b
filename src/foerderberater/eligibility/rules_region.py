"""Rules on the location: funding area (Land) and Landkreis restrictions."""

from __future__ import annotations

import re

from foerderberater.core.fmt import fmt_list
from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import REQ, WHO, cite_all, meta_cite, passage
from foerderberater.eligibility.verdicts import ERFUELLT, OFFEN, VERLETZT


def rule_gebiet(prog: Programme, ctx: Context) -> list[Reason]:
    p = ctx.profile
    gebiet = list(prog.meta.foerdergebiet)
    laender = list(prog.meta.laender)
    cite = meta_cite(prog, "foerdergebiet")
    if not laender:
        text = f"Fördergebiet {fmt_list(gebiet)} – bundesweit/EU-weit offen."
        return [Reason("foerdergebiet", ERFUELLT, text, (cite,))]
    if not p.land:
        text = (
            f"Fördergebiet {fmt_list(laender)} – Ihr Standort ist nicht angegeben bzw. nicht "
            "erkannt."
        )
        return [Reason("foerdergebiet", OFFEN, text, (cite,), "standort")]
    if p.land in laender:
        text = (
            f"Fördergebiet {fmt_list(laender)} – Ihr Standort {p.standort_label()} liegt in "
            f"{p.land}."
        )
        belege = cite_all(cite, passage(prog, re.escape(p.land), REQ))
        return [Reason("foerdergebiet", ERFUELLT, text, belege)]
    text = (
        f"Fördergebiet {fmt_list(laender)} – Ihr Standort {p.standort_label()} liegt in {p.land}."
    )
    belege = cite_all(cite, passage(prog, r"Sitz|Betriebsstätte|Investitionsort|Standort", REQ))
    return [Reason("foerdergebiet", VERLETZT, text, belege)]


def rule_landkreise(prog: Programme, ctx: Context) -> list[Reason]:
    kreise = prog.meta.landkreise
    if not kreise:
        return []
    p = ctx.profile
    cite = meta_cite(prog, "landkreise")
    canon = {ctx.canon(k) for k in kreise}
    if not p.kreis:
        fact = "kreis" if p.land else "standort"
        text = (
            f"Nur in bestimmten Landkreisen ({fmt_list(kreise)}) – Ihr Landkreis ist nicht bekannt."
        )
        return [Reason("landkreise", OFFEN, text, (cite,), fact)]
    if ctx.canon(p.kreis) in canon:
        text = f"Gebietsbindung an bestimmte Landkreise – {p.standort_label()} gehört dazu."
        belege = cite_all(cite, passage(prog, re.escape(p.kreis.split(" (")[0]), WHO))
        return [Reason("landkreise", ERFUELLT, text, belege)]
    text = (
        f"Nur in {fmt_list(kreise)} – Ihr Standort {p.standort_label()} liegt nicht im "
        "Fördergebiet."
    )
    belege = cite_all(cite, passage(prog, r"Landkreis|Fördergebiet|ausschließlich", WHO))
    return [Reason("landkreise", VERLETZT, text, belege)]
