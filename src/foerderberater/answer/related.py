"""The words documents use for what a question says in everyday words: "Leute" are
"Beschäftigte", "warum" is answered by "hindern"/"fehlende", a "Steuerkanzlei" falls under the
rules for "Freie Berufe" and "beratend" firms, "losgelegt" meets the "Vorhabenbeginn" rule.

The related words add to a sentence's lexical match (``RELATED_WEIGHT`` of their idf) without
diluting it; the list is deliberately small and German."""

from __future__ import annotations

import re

RELATED_WEIGHT = 0.7
# "laufende Kosten wie Miete und Personal" are what programmes call Betriebsmittel
RUNNING_COSTS = re.compile(r"laufende[nr]? (kosten|ausgaben)|\bmiete\b|\bgehält|\blöhne", re.I)
# question wording -> words the documents use for it (German, deliberately small)
_RELATED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\bab(halten|hält|gehalten)|\bhält\b.{0,60}\bab\b|hindert|hürde|hemmnis", re.I),
        "hindern Hürde Hemmnis fehlende Mangel erschweren",
    ),
    (
        re.compile(r"\b(warum|weshalb|wieso|woran liegt)\b|\bgründe\b|\bursache", re.I),
        "weil hindern Grund Ursache fehlende Mangel",
    ),
    (re.compile(r"\b(leute|menschen|jobs)\b", re.I), "Beschäftigte Erwerbstätige Arbeitsplätze"),
    (re.compile(r"\bfirmen\b", re.I), "Unternehmen Betriebe"),
    (re.compile(r"\b(häuser|wohnungen|haushalte)\b", re.I), "Gebäude Wohneinheiten"),
    (re.compile(r"nebenberuf|nebenbei|neben dem (job|beruf)", re.I), "Nebenerwerb"),
    (
        re.compile(r"losgelegt|angefangen|begonnen|gestartet|nachträglich|schon gekauft", re.I),
        "begonnen Beginn Vorhabenbeginn",
    ),
    # who the asker is, in the words eligibility rules use for that group
    (
        re.compile(
            r"architekt|ingenieurbüro|steuerberat|rechtsanw|kanzlei|freiberuf|praxis\b", re.I
        ),
        "Freie Berufe freiberuflich",
    ),
    (
        re.compile(r"steuerberat|rechtsanw|kanzlei|\bberater(in)?\b|beratungsunternehm", re.I),
        "beratend Steuerberatung Rechtsberatung",
    ),
    (
        re.compile(r"händler|\bhandel|einzelhandel|großhandel|\bladen\b|geschäft in", re.I),
        "Handel Einzelhandel",
    ),
    (
        re.compile(r"\bhotel|gaststätte|restaurant|\bcafé|\bcafe\b|gastronom|pension\b", re.I),
        "Gastgewerbe Gastronomie Beherbergungsgewerbe",
    ),
    (
        re.compile(r"landwirt|\bbauer\b|bauernhof|agrarbetrieb", re.I),
        "Landwirtschaft landwirtschaftliche",
    ),
    (
        re.compile(r"\bmaster|bachelor|diplom|studium (abgeschlossen|beendet)|absolvent", re.I),
        "Absolventinnen Absolventen Abschluss",
    ),
    (
        re.compile(r"\bgemeinde\b|stadtverwaltung|kommune|zweckverband|unsere stadt", re.I),
        "Kommunen Gebietskörperschaften kommunale",
    ),
    (re.compile(r"\bkosten\b|\bkostet\b", re.I), "Ausgaben Kosten Euro"),
    (RUNNING_COSTS, "Betriebsmittel"),
)


def related_words(question: str) -> str:
    """The document words for what ``question`` says in other words (space-separated)."""
    return " ".join(words for rx, words in _RELATED if rx.search(question))
