"""Funding rate for the profile (by region, size or maximum) and the indicative amount."""

from __future__ import annotations

from typing import Any

from foerderberater.core.fmt import fmt_eur, fmt_list, fmt_number
from foerderberater.eligibility.model import Amount, Citation, Context, Programme, Rate
from foerderberater.eligibility.programmes import cite_all, meta_cite
from foerderberater.profile import GROESSE_LABEL


def _region_value(prog: Programme, ctx: Context) -> tuple[bool, Any, str | None]:
    """(found, value, key) of ``foerdersatz_nach_region`` for the profile's Kreis, then Land."""
    regions = prog.meta.foerdersatz_nach_region or {}
    p = ctx.profile
    if p.kreis:
        for name, value in regions.items():
            if ctx.canon(name) == ctx.canon(p.kreis):
                return True, value, name
    if p.land and p.land in regions:
        return True, regions[p.land], p.land
    return False, None, None


def _pct(value: float) -> str:
    return f"{fmt_number(value)} %"


def rate_for(prog: Programme, ctx: Context) -> Rate | None:
    meta, p, size = prog.meta, ctx.profile, ctx.size
    by_size = meta.foerdersatz_nach_groesse or {}
    top = meta.foerdersatz_max_prozent
    enterprise = p.unternehmerisch
    rc = size.rate_class if enterprise else None
    found, value, key = _region_value(prog, ctx)
    if found:
        cite = Citation(
            "metadaten", prog.doc_id, field=f"foerdersatz_nach_region.{key}", value=value
        )
        if value is None:
            upper = _size_rate(by_size, rc) if enterprise else None
            upper = upper if upper is not None else top
            tail = f"; Obergrenze im Programm bis zu {_pct(upper)}" if upper is not None else ""
            return Rate(
                None,
                None,
                f"Satz für {key} im Korpus nicht beziffert{tail}.",
                (cite,),
            )
        if isinstance(value, dict):
            if rc and rc in value:
                return Rate(
                    value[rc],
                    value[rc],
                    f"bis zu {_pct(value[rc])} ({GROESSE_LABEL[rc]}, Standort {key})",
                    (cite,),
                )
            if value and enterprise:
                lo, hi = min(value.values()), max(value.values())
                return Rate(
                    lo, hi, f"{_pct(lo)} bis {_pct(hi)} je nach Größe (Standort {key})", (cite,)
                )
        else:
            return Rate(value, value, f"bis zu {_pct(value)} (Standort {key})", (cite,))
    if by_size and enterprise:
        if rc and rc in by_size:
            cite = Citation(
                "metadaten", prog.doc_id, field=f"foerdersatz_nach_groesse.{rc}", value=by_size[rc]
            )
            return Rate(
                by_size[rc],
                by_size[rc],
                f"bis zu {_pct(by_size[rc])} ({GROESSE_LABEL[rc]})",
                (cite,),
            )
        lo, hi = min(by_size.values()), max(by_size.values())
        return Rate(
            lo,
            hi,
            f"{_pct(lo)} bis {_pct(hi)} je nach Unternehmensgröße (Größe noch offen)",
            (meta_cite(prog, "foerdersatz_nach_groesse"),),
        )
    if top is not None:
        note = "" if enterprise or not by_size else "; für Ihre Art können andere Sätze gelten"
        return Rate(
            top,
            top,
            f"bis zu {_pct(top)} (Höchstsatz laut Korpus{note})",
            (meta_cite(prog, "foerdersatz_max_prozent"),),
        )
    return None


def _size_rate(by_size: dict[str, float], rc: str | None) -> float | None:
    if rc and rc in by_size:
        return by_size[rc]
    return max(by_size.values()) if by_size else None


def amount_for(prog: Programme, ctx: Context, rate: Rate | None) -> Amount | None:
    meta = prog.meta
    arten = list(meta.foerderart)
    cap = meta.max_betrag_eur
    vol = ctx.profile.volumen_eur
    cap_cite = meta_cite(prog, "max_betrag_eur") if cap is not None else None
    noun = (
        "Kredit"
        if arten == ["Darlehen"]
        else "Zulage"
        if arten == ["Steuerliche Förderung"]
        else "Förderung"
    )
    if not set(arten) & {"Zuschuss", "Darlehen", "Steuerliche Förderung"}:
        if cap is not None:
            return Amount(
                None,
                f"Höchstbetrag laut Korpus: {fmt_eur(cap)} ({fmt_list(arten)}) – unverbindlich.",
                (cap_cite,) if cap_cite else (),
            )
        return None
    if rate is None or rate.prozent_max is None:
        if cap is not None:
            return Amount(
                None,
                f"Höchstbetrag laut Korpus: {fmt_eur(cap)}; Satz für Ihr Profil nicht berechenbar "
                "– unverbindlich.",
                (cap_cite,) if cap_cite else (),
            )
        return None
    if vol is None:
        text = "Für einen indikativen Betrag bitte das Volumen angeben"
        if cap is not None:
            text += f" (Höchstbetrag laut Korpus: {fmt_eur(cap)})"
        return Amount(None, text + ".", cite_all(*rate.belege, cap_cite))
    hi = vol * rate.prozent_max / 100
    capped = cap is not None and hi > cap
    value = min(hi, cap) if cap is not None else hi
    pct = (
        _pct(rate.prozent_max)
        if rate.prozent_min == rate.prozent_max
        else f"bis {_pct(rate.prozent_max)}"
    )
    text = f"indikativ, unverbindlich: {noun} bis zu {fmt_eur(value)} ({pct} von {fmt_eur(vol)}"
    text += f", gedeckelt auf den Höchstbetrag {fmt_eur(cap)})" if capped else ")"
    return Amount(value, text, cite_all(*rate.belege, cap_cite))
