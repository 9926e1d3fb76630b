"""Who applies, and with whom: the applicant's kind (not a partner's), founder intent, joint
projects with negation scope, spin-offs from science."""

from __future__ import annotations

import re

from foerderberater.profile.patterns import ART_RULES

# the founder wants to start a business: „will mich selbstständig machen“, „UG in Gründung“
FOUNDER = re.compile(
    r"selbst(?:st)?ändig\s+(?:zu\s+)?(?:machen|werden)|Existenz\s+(?:zu\s+)?gründen|"
    r"Existenzgründ|\bgründen\b|in\s+Gründung|Gründungsvorhaben|Gründerin|\bGründer\b|"
    r"Gründerteam",
    re.I,
)
SPIN_OFF = re.compile(
    r"Ausgründung|Spin-?off|Absolvent|Wissenschaftler|Doktorand|Studierende|"
    r"Studenten",
    re.I,
)
SCIENCE = re.compile(
    r"\bUni\b(?!-)|Universität|Hochschule|\bTU\b|HTWK|Forschungsinstitut|Fraunhofer|Leibniz|"
    r"Max-Planck|Helmholtz",
    re.I,
)
# a mention that names a partner or an origin, not the applicant
_PARTNER_BEFORE = re.compile(
    r"(?:\bmit|\bgemeinsam mit|\bzusammen mit|\bPartner\w*|\bKooperation mit|\baus der|"
    r"\baus einer|\baus dem|\ban der|\ban einer|\bfür|\bzwischen)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
_NEGATED_BEFORE = re.compile(r"\b(?:kein|keine|keinen|nicht)\s+(?:\w+\s+){0,1}$", re.I)
_SELF = re.compile(
    r"\b(?:wir sind|ich bin|als|unser|unsere|unserer|unseres)\s+(?:[\w-]+\s+){0,3}$", re.I
)
_PRIVATE = re.compile(r"\bich bin\b|\bmeine?\b.{0,40}\b(?:Meisterprüfung|Ausbildung)\b", re.I)
_COMPANY_HINT = re.compile(
    r"Mitarbeit|Beschäftigt|Angestellt|\bMA\b|Filiale|Einzelhandel|Lager|Kunden|Umsatz|Werkhalle",
    re.I,
)


def _mentions(text: str) -> list[tuple[int, str, bool]]:
    """(position, art, self-reference) of every art mention that is not a partner or negated."""
    out = []
    for art, pattern in ART_RULES:
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 50) : m.start()]
            clause = re.split(r"[.;:!?]|\b(?:und|sondern|aber)\b", before)[-1]
            if _NEGATED_BEFORE.search(clause) or _PARTNER_BEFORE.search(clause):
                continue
            out.append((m.start(), art, bool(_SELF.search(clause))))
    return out


# "Ich will ausgründen", "Wir planen eine Ausgründung aus der Uni": the founding is ahead
PLANNED_FOUNDING = re.compile(
    r"\b(?:will|wollen|möchte|möchten|plane|planen|planst|vorhaben)\b[^.?!]{0,60}?"
    r"\b(?:aus)?gründ(?:en|ung)\b|\bausgründen\b",
    re.I,
)


def applicant_art(text: str, *, employees: bool) -> str | None:
    """The kind of applicant the text describes (None when it does not say)."""
    if PLANNED_FOUNDING.search(text) and not re.search(r"gegründet|seit\s+\d{4}", text, re.I):
        return "Start-up in Gründung"
    mentions = _mentions(text)
    founder = FOUNDER.search(text)
    if founder and not re.search(r"Ausgründung\s+aus|gegründet|seit\s+\d{4}", text, re.I):
        return "Start-up in Gründung"
    arts = {a for _, a, _ in mentions}
    chosen = None
    own = sorted((pos, art) for pos, art, self_ref in mentions if self_ref)
    if own:
        chosen = own[0][1]
    elif mentions:
        order = [a for a, _ in ART_RULES]
        chosen = min(mentions, key=lambda m: (order.index(m[1]), m[0]))[1]
    if chosen == "Unternehmen" and ("Start-up" in arts or SPIN_OFF.search(text)):
        chosen = "Start-up"
    if chosen == "Start-up in Gründung":
        chosen = "Start-up"  # a founding mention with a past founding date
    if chosen is None and _PRIVATE.search(text) and not employees:
        return "Privatperson"
    if chosen is None and (employees or _COMPANY_HINT.search(text)):
        return "Unternehmen"
    return chosen


def science_spin_off(text: str, art: str | None) -> bool | None:
    """True for a spin-off from a university or institute (only for founders and start-ups)."""
    if SPIN_OFF.search(text):
        return True
    if art in ("Start-up", "Start-up in Gründung") and SCIENCE.search(text):
        return True
    return None


_JOINT = re.compile(
    r"Verbund|Kooperation|gemeinsam\s+mit|zusammen\s+mit|mit\s+(?:einer|einem|der|dem|zwei|drei|"
    r"mehreren)\s+(?:[\w-]+\s+){0,2}(?:Hochschule|Uni\w*|Institut|Forschungseinrichtung|KMU|"
    r"Partner\w*|Unternehmen|Zulieferer\w*)|Partner",
    re.I,
)
_ALONE = re.compile(
    r"ohne\s+(?:weitere\s+|externe\s+|einen\s+|jeden\s+)?(?:Partner\w*|Verbund\w*|Kooperation\w*)"
    r"|\bkein(?:e|en)?\s+(?:\w+\s+)?(?:Verbund\w*|Kooperation\w*|Partner\w*)"
    r"|(?:Verbund\w*|Kooperation\w*|Partner\w*)\s+(?:\w+\s+){0,2}(?:ist|sind|wird|werden)\s+"
    r"(?:\w+\s+)?nicht\s+(?:geplant|vorgesehen|beabsichtigt|nötig|gewollt)"
    r"|nicht\s+im\s+Verbund|\bEinzel(?:projekt|vorhaben)\b"
    r"|\ballein(?:e)?\b|\bselbst\s+umsetzen",
    re.I,
)


def joint_project(text: str) -> bool | None:
    """True for a joint project with partners, False when the text rules one out (the negation
    covers its phrase only: „kein Verbundprojekt“, „ohne Partner“, „machen wir allein“)."""
    negated = [(m.start(), m.end()) for m in _ALONE.finditer(text)]
    for m in _JOINT.finditer(text):
        if not any(a <= m.start() < b for a, b in negated):
            return True
    return False if negated else None
