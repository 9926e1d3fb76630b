"""Rules on the location: funding area (Land) and Landkreis restrictions."""

from __future__ import annotations

import re

from foerderberater.core.schema import LAENDER
from foerderberater.eligibility.corpus import REQ, WHO, _cites, meta_cite, passage
from foerderberater.eligibility.model import ERFUELLT, OFFEN, VERLETZT, Context, Programme, Reason
from foerderberater.eligibility.textutil import _join


def rule_gebiet(prog: Programme, ctx: Context) -> list[Reason]:
    p = ctx.profile
    gebiet = list(prog.metadata.get("foerdergebiet") or [])
    laender = [g for g in gebiet if g in LAENDER]
    cite = meta_cite(prog, "foerdergebiet")
    if not laender:
        return [
            Reason(
                "foerdergebiet",
                ERFUELLT,
                f"Fördergebiet {_join(gebiet)} – bundesweit/EU-weit offen.",
                (cite,),
            )
        ]
    if not p.land:
        return [
            Reason(
                "foerdergebiet",
                OFFEN,
                f"Fördergebiet {_join(laender)} – Ihr Standort ist nicht angegeben bzw. nicht "
                "erkannt.",
                (cite,),
                "standort",
            )
        ]
    if p.land in laender:
        return [
            Reason(
                "foerdergebiet",
                ERFUELLT,
                f"Fördergebiet {_join(laender)} – Ihr Standort {p.standort_label()} liegt in "
                f"{p.land}.",
                _cites(cite, passage(prog, re.escape(p.land), REQ)),
            )
        ]
    return [
        Reason(
            "foerdergebiet",
            VERLETZT,
            f"Fördergebiet {_join(laender)} – Ihr Standort {p.standort_label()} liegt in {p.land}.",
            _cites(cite, passage(prog, r"Sitz|Betriebsstätte|Investitionsort|Standort", REQ)),
        )
    ]


def rule_landkreise(prog: Programme, ctx: Context) -> list[Reason]:
    kreise = prog.metadata.get("landkreise")
    if not kreise:
        return []
    p = ctx.profile
    cite = meta_cite(prog, "landkreise")
    canon = {ctx.canon(k) for k in kreise}
    if not p.kreis:
        fact = "kreis" if p.land else "standort"
        return [
            Reason(
                "landkreise",
                OFFEN,
                f"Nur in bestimmten Landkreisen ({_join(kreise)}) – Ihr Landkreis ist nicht "
                "bekannt.",
                (cite,),
                fact,
            )
        ]
    if ctx.canon(p.kreis) in canon:
        return [
            Reason(
                "landkreise",
                ERFUELLT,
                f"Gebietsbindung an bestimmte Landkreise – {p.standort_label()} gehört dazu.",
                _cites(cite, passage(prog, re.escape(p.kreis.split(" (")[0]), WHO)),
            )
        ]
    return [
        Reason(
            "landkreise",
            VERLETZT,
            f"Nur in {_join(kreise)} – Ihr Standort {p.standort_label()} liegt nicht im "
            "Fördergebiet.",
            _cites(cite, passage(prog, r"Landkreis|Fördergebiet|ausschließlich", WHO)),
        )
    ]
