"""Rules on the size of an enterprise: KMU only, employees, turnover/balance sheet."""

from __future__ import annotations

from foerderberater.core.fmt import fmt_number
from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import WHO, cite_all, first_passage, meta_cite, passage
from foerderberater.eligibility.verdicts import ERFUELLT, OFFEN, VERLETZT
from foerderberater.profile import SizeClass


def size_fact(size: SizeClass) -> str:
    return "umsatz" if "Umsatz oder Bilanzsumme" in size.fehlt else "beschaeftigte"


_SIZE_PASSAGE = (
    r"Beschäftigte|KMU|kleine und mittlere|kleine Unternehmen|Vollzeitäquivalent|Mitarbeit"
)


def rule_kmu(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.meta.nur_kmu or not ctx.profile.unternehmerisch:
        return []
    cites = cite_all(meta_cite(prog, "nur_kmu"), passage(prog, _SIZE_PASSAGE, WHO))
    size = ctx.size
    if size.kmu is True:
        return [Reason("nur_kmu", ERFUELLT, f"Nur KMU – Sie: {size.label()}.", cites)]
    if size.kmu is False:
        return [Reason("nur_kmu", VERLETZT, f"Nur KMU – {size.begruendung}.", cites)]
    text = f"Nur KMU – Ihre Größenklasse ist offen ({size.begruendung})."
    return [Reason("nur_kmu", OFFEN, text, cites, size_fact(size))]


def rule_beschaeftigte(prog: Programme, ctx: Context) -> list[Reason]:
    limit = prog.meta.max_beschaeftigte
    p = ctx.profile
    if limit is None or not p.unternehmerisch or p.art == "Start-up in Gründung":
        return []
    numbers = "|".join(fmt_number(n) for n in (limit, limit + 1))
    cites = cite_all(
        meta_cite(prog, "max_beschaeftigte"),
        first_passage(prog, [rf"(?:{numbers}) (?:Beschäftigte|Mitarbeit)", r"Beschäftigte"], WHO),
    )
    if p.beschaeftigte is None:
        text = f"Höchstens {fmt_number(limit)} Beschäftigte – Ihre Zahl fehlt."
        return [Reason("max_beschaeftigte", OFFEN, text, cites, "beschaeftigte")]
    ok = p.beschaeftigte <= limit
    text = f"Höchstens {fmt_number(limit)} Beschäftigte – Sie haben {fmt_number(p.beschaeftigte)}."
    return [Reason("max_beschaeftigte", ERFUELLT if ok else VERLETZT, text, cites)]


def rule_umsatz(prog: Programme, ctx: Context) -> list[Reason]:
    meta, p = prog.meta, ctx.profile
    lu, lb = meta.max_umsatz_mio_eur, meta.max_bilanzsumme_mio_eur
    if (lu is None and lb is None) or not p.unternehmerisch or p.art == "Start-up in Gründung":
        return []
    keys = [k for k, v in (("max_umsatz_mio_eur", lu), ("max_bilanzsumme_mio_eur", lb)) if v]
    cites = cite_all(*(meta_cite(prog, k) for k in keys), passage(prog, r"Umsatz|Bilanzsumme", WHO))
    limits = " oder ".join(
        t
        for t in (
            f"Umsatz bis {fmt_number(lu)} Mio. €" if lu is not None else "",
            f"Bilanzsumme bis {fmt_number(lb)} Mio. €" if lb is not None else "",
        )
        if t
    )
    u_ok = None if lu is None or p.umsatz_mio is None else p.umsatz_mio <= lu
    b_ok = None if lb is None or p.bilanzsumme_mio is None else p.bilanzsumme_mio <= lb
    have = ", ".join(
        t
        for t in (
            f"Umsatz {fmt_number(p.umsatz_mio)} Mio. €" if p.umsatz_mio is not None else "",
            f"Bilanzsumme {fmt_number(p.bilanzsumme_mio)} Mio. €"
            if p.bilanzsumme_mio is not None
            else "",
        )
        if t
    )
    if u_ok or b_ok:
        return [Reason("umsatz", ERFUELLT, f"{limits} – Sie: {have}.", cites)]
    decided_fail = (lu is None or u_ok is False) and (lb is None or b_ok is False)
    if decided_fail:
        return [Reason("umsatz", VERLETZT, f"{limits} – Sie: {have}.", cites)]
    text = f"{limits} – " + (f"Sie: {have}; " if have else "") + "Angabe fehlt."
    return [Reason("umsatz", OFFEN, text, cites, "umsatz")]
