"""Text rules declared in ``bedingungen`` (corpus/README.md): one reason per applicable rule,
citing the metadata entry and the quoted passage. No programme-specific code: every rule comes
from the data.
"""

from __future__ import annotations

from collections.abc import Callable

from foerderberater.core.fmt import fmt_list, fmt_number
from foerderberater.core.terms import Bedingung
from foerderberater.eligibility.model import Citation, Context, Programme, Reason
from foerderberater.eligibility.programmes import cite_all, quote_cite
from foerderberater.eligibility.select import possible_sizes
from foerderberater.eligibility.verdicts import ERFUELLT, HINWEIS, OFFEN, VERLETZT
from foerderberater.profile import GROESSE_LABEL

Check = Callable[[Bedingung, Programme, Context], tuple[str, str, str | None] | None]


def _cites(prog: Programme, index: int, b: Bedingung) -> tuple[Citation, ...]:
    data = b.model_dump(mode="json", exclude_unset=True, exclude={"beleg"})
    meta = Citation("metadaten", prog.doc_id, field=f"bedingungen[{index}]", value=data)
    return cite_all(meta, quote_cite(prog, b.beleg))


def _partner(b: Bedingung, prog: Programme, ctx: Context) -> tuple[str, str, str | None] | None:
    p, limit = ctx.profile, b.wert or 0
    if not p.unternehmerisch or p.art == "Start-up in Gründung":
        return None
    rule = f"Ab {fmt_number(limit + 1)} Beschäftigten nur mit Partner (Verbund)"
    if p.beschaeftigte is None:
        if ctx.size.obergrenze in ("kleinst", "klein", "mittel") and limit >= 249:
            return ERFUELLT, f"{rule} – Sie sind ein KMU und können allein beantragen.", None
        return OFFEN, f"{rule} – wie viele Beschäftigte haben Sie?", "beschaeftigte"
    staff = f"Sie haben {fmt_number(p.beschaeftigte)}"
    if p.beschaeftigte <= limit:
        return ERFUELLT, f"{rule} – {staff}, Sie können auch allein beantragen.", None
    if p.verbund is True:
        return ERFUELLT, f"{rule} – {staff} und planen ein Verbundprojekt.", None
    if p.verbund is False:
        return VERLETZT, f"{rule} – {staff} und planen kein Verbundprojekt.", None
    return OFFEN, f"{rule} – {staff}: ist ein Verbund mit Partner geplant?", "verbund"


def _size_in_region(
    b: Bedingung, prog: Programme, ctx: Context
) -> tuple[str, str, str | None] | None:
    p = ctx.profile
    if not p.unternehmerisch or not p.kreis:
        return None
    if ctx.canon(p.kreis) not in {ctx.canon(r) for r in b.region}:
        return None
    allowed = set(b.groessen)
    labels = fmt_list(GROESSE_LABEL[g] for g in b.groessen)
    rule = f"Standort {p.kreis}: nur {labels}"
    have = possible_sizes(ctx.size)
    if have <= allowed:
        return ERFUELLT, f"{rule} – Sie: {ctx.size.label()}.", None
    if not have & allowed:
        return VERLETZT, f"{rule} – Sie: {ctx.size.label()}.", None
    fact = "umsatz" if ctx.profile.beschaeftigte is not None else "beschaeftigte"
    return OFFEN, f"{rule} – Ihre Größenklasse ist offen ({ctx.size.begruendung}).", fact


def _excluded_kinds(
    b: Bedingung, prog: Programme, ctx: Context
) -> tuple[str, str, str | None] | None:
    mine = list(ctx.profile.vorhaben)
    excluded = [v for v in mine if v in b.werte]
    if not excluded:
        return None
    rest = [v for v in mine if v not in b.werte and v in prog.meta.vorhabenart]
    rule = f"Ausgeschlossen: {fmt_list(excluded)}"
    if rest:
        return HINWEIS, f"{rule} – gefördert wird nur {fmt_list(rest)}.", None
    return VERLETZT, f"{rule} – Ihr Vorhaben: {fmt_list(mine)}.", None


def _kind_only_with(
    b: Bedingung, prog: Programme, ctx: Context
) -> tuple[str, str, str | None] | None:
    p, kind = ctx.profile, b.vorhaben or ""
    if kind not in p.vorhaben:
        return None
    partners = [*b.vorhabenarten, *b.technologien]
    rule = f"{kind} nur zusammen mit {' oder '.join(partners)}"
    ok = [v for v in p.vorhaben if v in b.vorhabenarten] + [
        t for t in p.technologien if t in b.technologien
    ]
    if ok:
        return ERFUELLT, f"{rule} – Ihr Vorhaben: {fmt_list(ok)}.", None
    rest = [v for v in p.vorhaben if v != kind and v in prog.meta.vorhabenart]
    if rest:
        return HINWEIS, f"{rule} – gefördert wird bei Ihnen nur {fmt_list(rest)}.", None
    if b.technologien and not p.technologien:
        return OFFEN, f"{rule} – in welchem Technologiefeld liegt Ihr Vorhaben?", "technologie"
    mine = fmt_list([*p.vorhaben, *p.technologien])
    return VERLETZT, f"{rule} – Ihr Vorhaben: {mine}.", None


def _excluded_applicants(
    b: Bedingung, prog: Programme, ctx: Context
) -> tuple[str, str, str | None] | None:
    art = ctx.profile.art
    if art not in b.werte:
        return None
    return VERLETZT, f"Ausgeschlossen: {fmt_list(b.werte)} – Sie: {art}.", None


CHECKS: dict[str, Check] = {
    "max_beschaeftigte_ohne_partner": _partner,
    "nur_groesse_in_region": _size_in_region,
    "ausgeschlossene_vorhaben": _excluded_kinds,
    "vorhaben_nur_mit": _kind_only_with,
    "ausgeschlossene_antragsteller": _excluded_applicants,
}


def rule_bedingungen(prog: Programme, ctx: Context) -> list[Reason]:
    """One reason per declared text rule that concerns the profile."""
    out = []
    for index, b in enumerate(prog.meta.bedingungen):
        found = CHECKS[b.typ](b, prog, ctx)
        if found is not None:
            ergebnis, text, fehlt = found
            out.append(Reason(f"bedingung:{b.typ}", ergebnis, text, _cites(prog, index, b), fehlt))
    return out
