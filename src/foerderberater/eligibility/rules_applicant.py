"""Rules on the applicant: eligible groups, joint projects, legal form, liberal professions."""

from __future__ import annotations

from foerderberater.core.fmt import fmt_list
from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import REQ, WHO, cite_all, meta_cite, passage
from foerderberater.eligibility.rules_size import size_fact
from foerderberater.eligibility.verdicts import ERFUELLT, KEINE_ANGABE, OFFEN, VERLETZT
from foerderberater.profile import Profile, SizeClass


def applicant_groups(profile: Profile, size: SizeClass) -> tuple[set[str], set[str]]:
    """(certain groups, possible groups) of ``foerderberechtigte`` the applicant belongs to."""
    art = profile.art
    if art == "Unternehmen":
        if size.kmu is True:
            return {"KMU"}, {"KMU"}
        if size.kmu is False:
            return {"Großunternehmen"}, {"Großunternehmen"}
        return set(), {"KMU", "Großunternehmen"}
    if art == "Start-up":
        groups = {"Start-ups"} | ({"KMU"} if size.kmu is not False else {"Großunternehmen"})
        return groups, groups
    if art == "Start-up in Gründung":
        return {"Start-ups", "Privatpersonen"}, {"Start-ups", "Privatpersonen"}
    single = {
        "Forschungseinrichtung": "Forschungseinrichtungen",
        "Hochschule": "Hochschulen",
        "Kommune": "Kommunen",
        "Verein": "Verbände/Vereine",
        "Privatperson": "Privatpersonen",
    }.get(art or "")
    return ({single}, {single}) if single else (set(), set())


_GROUP_PATTERNS = {
    "KMU": r"KMU|kleine und mittlere|kleine Unternehmen|Mittelstand|mittelständ|jeder Größe|"
    r"aller Größe|unabhängig von (?:der )?Größe|Unternehmen",
    "Großunternehmen": r"groß|jeder Größe|aller Größe|unabhängig von (?:der )?Größe",
    "Start-ups": r"Start-up|Gründ|junge",
    "Privatpersonen": r"natürliche Person|Privatperson|Gründerin|Gründer",
    "Forschungseinrichtungen": r"Forschungseinrichtung|Wissenschaftseinrichtung|Institut",
    "Hochschulen": r"Hochschul",
    "Kommunen": r"Kommun|Gebietskörperschaft|Landkreis|Zweckverb",
    "Verbände/Vereine": r"Verein|Verbände|Verband",
}


def rule_zielgruppe(prog: Programme, ctx: Context) -> list[Reason]:
    p, meta = ctx.profile, prog.meta
    allowed = list(meta.foerderberechtigte)
    cite_meta = meta_cite(prog, "foerderberechtigte")
    if not p.art:
        text = f"Förderberechtigt laut Korpus: {fmt_list(allowed)} – Ihre Art ist nicht angegeben."
        return [Reason("zielgruppe", OFFEN, text, (cite_meta,), "art")]
    certain, possible = applicant_groups(p, ctx.size)
    hits = [g for g in allowed if g in certain]
    if not certain and possible and possible <= set(allowed):
        hits = [g for g in allowed if g in possible]  # every possible size class is eligible
    you = _you(p, ctx.size)
    if hits:
        pattern = "|".join(_GROUP_PATTERNS[g] for g in hits)
        if p.art == "Start-up in Gründung" and not (
            "Gründung" in meta.vorhabenart or meta.nur_vor_gruendung
        ):
            text = (
                f"Förderberechtigt: {fmt_list(allowed)}; das Programm nennt aber keine "
                f"Gründungsvorhaben – ob vor der Gründung ein Antrag möglich ist: "
                f"{KEINE_ANGABE}."
            )
            belege = cite_all(cite_meta, meta_cite(prog, "vorhabenart"))
            return [Reason("zielgruppe", OFFEN, text, belege)]
        text = f"Förderberechtigt: {fmt_list(allowed)} – Sie: {you}."
        return [
            Reason("zielgruppe", ERFUELLT, text, cite_all(cite_meta, passage(prog, pattern, WHO)))
        ]
    maybe = [g for g in allowed if g in possible]
    if maybe:
        text = (
            f"Förderberechtigt nur {fmt_list(allowed)} – ob Sie KMU sind, ist offen "
            f"({ctx.size.begruendung})."
        )
        return [Reason("zielgruppe", OFFEN, text, (cite_meta,), size_fact(ctx.size))]
    text = f"Förderberechtigt nur {fmt_list(allowed)} – Sie: {you}."
    belege = cite_all(cite_meta, passage(prog, None, ("Wer wird gefördert",)))
    return [Reason("zielgruppe", VERLETZT, text, belege)]


def _you(p: Profile, size: SizeClass) -> str:
    if p.art == "Unternehmen":
        if size.kmu is True:
            return f"KMU ({size.label()})"
        if size.kmu is False:
            return size.label()
        return "Unternehmen, Größe offen"
    return p.art or "unbekannt"


def rule_verbund(prog: Programme, ctx: Context) -> list[Reason]:
    only = prog.meta.nur_im_verbund
    if not only or not ctx.profile.art:
        return []
    certain, possible = applicant_groups(ctx.profile, ctx.size)
    allowed = set(prog.meta.foerderberechtigte)
    mine = (certain or possible) & allowed
    if not mine or not mine <= set(only):
        return []
    cites = cite_all(meta_cite(prog, "nur_im_verbund"), passage(prog, r"Verbund|Kooperation", REQ))
    groups = fmt_list(sorted(mine))
    if ctx.profile.verbund is True:
        text = f"{groups} nur im Verbund/als Kooperationspartner – Sie planen ein Verbundprojekt."
        return [Reason("verbund", ERFUELLT, text, cites)]
    if ctx.profile.verbund is False:
        text = f"{groups} nur im Verbund/als Kooperationspartner – Sie planen kein Verbundprojekt."
        return [Reason("verbund", VERLETZT, text, cites)]
    text = f"{groups} nur im Verbund/als Kooperationspartner möglich – ist ein Verbund geplant?"
    return [Reason("verbund", OFFEN, text, cites, "verbund")]


def rule_rechtsform(prog: Programme, ctx: Context) -> list[Reason]:
    forms = prog.meta.rechtsform
    p = ctx.profile
    if not forms or not p.unternehmerisch:
        return []
    cites = cite_all(
        meta_cite(prog, "rechtsform"), passage(prog, r"Kapitalgesellschaft|Rechtsform", WHO)
    )
    if p.rechtsform is None:
        text = f"Nur Rechtsform {fmt_list(forms)} – Ihre Rechtsform fehlt."
        return [Reason("rechtsform", OFFEN, text, cites, "rechtsform")]
    ok = p.rechtsform in forms
    text = f"Nur Rechtsform {fmt_list(forms)} – Sie: {p.rechtsform}."
    return [Reason("rechtsform", ERFUELLT if ok else VERLETZT, text, cites)]


def rule_freie_berufe(prog: Programme, ctx: Context) -> list[Reason]:
    if ctx.profile.freier_beruf is not True:
        return []
    flag = prog.meta.freie_berufe
    cite_text = passage(prog, r"Freie[rn]? Beruf|Freiberuf", WHO)
    if flag is None:
        text = f"Ob Freie Berufe antragsberechtigt sind: {KEINE_ANGABE}."
        return [Reason("freie_berufe", OFFEN, text, cite_all(cite_text))]
    cites = cite_all(meta_cite(prog, "freie_berufe"), cite_text)
    if flag:
        return [Reason("freie_berufe", ERFUELLT, "Freie Berufe sind antragsberechtigt.", cites)]
    return [Reason("freie_berufe", VERLETZT, "Freie Berufe sind ausgeschlossen.", cites)]
