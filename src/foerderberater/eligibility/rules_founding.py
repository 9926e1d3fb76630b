"""Rules on founding: company age, only before founding, spin-offs from science."""

from __future__ import annotations

from foerderberater.core.fmt import fmt_number
from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import REQ, WHAT, WHO, cite_all, meta_cite, passage
from foerderberater.eligibility.verdicts import ERFUELLT, OFFEN, VERLETZT


def rule_alter(prog: Programme, ctx: Context) -> list[Reason]:
    limit = prog.meta.max_unternehmensalter_jahre
    p = ctx.profile
    if limit is None or not p.unternehmerisch:
        return []
    cites = cite_all(
        meta_cite(prog, "max_unternehmensalter_jahre"),
        passage(prog, r"Jahre alt|Jahre am Markt|Unternehmensalter|drei Jahre|5 Jahre", WHO),
    )
    age = p.alter_jahre(ctx.today)
    if age is None:
        text = f"Unternehmen höchstens {fmt_number(limit)} Jahre alt – Gründungsjahr fehlt."
        return [Reason("unternehmensalter", OFFEN, text, cites, "alter")]
    who = (
        "Gründungsvorhaben"
        if p.art == "Start-up in Gründung"
        else f"gegründet {p.gruendungsjahr} (rund {age} Jahre)"
    )
    text = f"Unternehmen höchstens {fmt_number(limit)} Jahre alt – Sie: {who}."
    if age == limit and p.art != "Start-up in Gründung":
        text = text + " Grenzfall: das genaue Gründungsdatum entscheidet."
        return [Reason("unternehmensalter", OFFEN, text, cites, "alter")]
    return [Reason("unternehmensalter", ERFUELLT if age < limit else VERLETZT, text, cites)]


def rule_vor_gruendung(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.meta.nur_vor_gruendung:
        return []
    art = ctx.profile.art
    cites = cite_all(
        meta_cite(prog, "nur_vor_gruendung"),
        passage(prog, r"Gründung.{0,60}noch nicht|vor der (?:Unternehmens)?gründung", WHAT + REQ),
    )
    if art == "Start-up in Gründung":
        return [
            Reason("vor_gruendung", ERFUELLT, "Nur vor der Gründung – Sie gründen noch.", cites)
        ]
    if art in ("Unternehmen", "Start-up"):
        text = "Nur vor der Gründung – Ihr Unternehmen besteht bereits."
        return [Reason("vor_gruendung", VERLETZT, text, cites)]
    if art is None:
        return [Reason("vor_gruendung", OFFEN, "Nur vor der Gründung – Art fehlt.", cites, "art")]
    return []


def rule_hochschulgruendung(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.meta.nur_hochschulgruendung:
        return []
    p = ctx.profile
    cites = cite_all(
        meta_cite(prog, "nur_hochschulgruendung"),
        passage(prog, r"Hochschul|Forschungseinrichtung|Wissenschaft", WHO),
    )
    label = "Nur Gründungen aus Hochschulen/Forschungseinrichtungen"
    if p.art in ("Hochschule", "Forschungseinrichtung"):
        return [Reason("hochschulgruendung", ERFUELLT, f"{label} – Sie: {p.art}.", cites)]
    if p.art not in ("Start-up in Gründung", "Start-up"):
        return []
    if p.hochschulgruendung is None:
        text = f"{label} – kommt Ihre Gründung aus einer Hochschule oder einem Institut?"
        return [Reason("hochschulgruendung", OFFEN, text, cites, "hochschulgruendung")]
    if p.hochschulgruendung:
        return [Reason("hochschulgruendung", ERFUELLT, f"{label} – Ihre Gründung ja.", cites)]
    text = f"{label} – Ihre Gründung kommt nicht aus der Wissenschaft."
    return [Reason("hochschulgruendung", VERLETZT, text, cites)]
