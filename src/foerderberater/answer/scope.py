"""Answerability: what a question asks that the corpus does not cover.

The corpus covers Bund, EU, Sachsen, Sachsen-Anhalt and Thüringen. A question is (partly)
outside it when it names
- another Land, a city or promotional bank there (and no place of the covered area),
- a topic outside funding (local tax rates, social benefits, prices; data/scope.json),
- a single grant award of a named third party ("Welchen Zuschuss hat Porsche erhalten?"),
- a name the corpus never mentions (acronyms like MIBRAG, CamelCase like ProFIT),
- for a study figure: a quantity the study never names ("Besucher", "Cent pro Kilowattstunde").
Such questions get a plain statement of the gap and, clearly labelled, the nearest covered
alternatives instead of an unrelated programme list presented as the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

_AWARD = re.compile(
    r"\b(hat|haben|hatte|hatten|war|waren|wurde|wurden)\b(?P<subject>[^?.!]{0,90}?)"
    r"\b(erhalten|bekommen|bewilligt|kassiert|zugesagt|ausgezahlt|geflossen|gezahlt)\b",
    re.I,
)
_LEGAL_FORMS = frozenset(
    {"gbr", "gmbh", "ug", "ag", "kg", "ohg", "e.v", "ev", "eg", "e.k", "kgaa", "se", "partg"}
)
_SELF = re.compile(r"\b(wir|ich|man|uns|sie|es|unser\w*|mein\w*|jemand)\b", re.I)
_CAPITALISED = re.compile(r"[A-ZÄÖÜ][\w.-]+")
# Name-like tokens: acronyms (MIBRAG, NRW.BANK), mixed case (ProFIT, BAföG) and institutions
# named by their head word (Bundesstiftung, Landesbank)
_NAME = re.compile(
    r"\b(?:[A-ZÄÖÜ]{3,}(?:[.-][A-ZÄÖÜa-zäöü]+)*|[A-ZÄÖÜ]\w*[a-zäöüß]\w*[A-ZÄÖÜ]\w*|"
    r"[A-ZÄÖÜ][a-zäöüß]+(?:stiftung|bank))\b"
)
_ASKED = re.compile(
    r"\b(?:wie ?viele?|um wie viel|(?:mit|zu) welche[nmr]?|was kostet|was kosten|"
    r"wie hoch (?:ist|sind|wären?))\s+(?P<rest>[^–?!;:]{0,60})",
    re.I,
)
# units say how a figure is given, not what it counts ("um wie viel Prozent pro Jahr legte …")
UNITS = frozenset(
    {"prozent", "euro", "jahr", "jahre", "jahren", "monat", "monate", "mio", "millionen"}
    | {"milliarden", "stunden", "tage", "stück", "hektar"}
)
# the same quantity under other words (a study counting "Beschäftigte" answers "Leute")
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "menschen": ("beschaftigte", "erwerbstatige", "personen", "einwohner", "arbeitsplatze"),
    "leute": ("beschaftigte", "erwerbstatige", "personen", "menschen", "mitarbeiter"),
    "personen": ("beschaftigte", "menschen", "erwerbstatige"),
    "jobs": ("arbeitsplatze", "beschaftigte", "stellen"),
    "firmen": ("unternehmen", "betriebe"),
    "betriebe": ("unternehmen", "firmen", "handwerksbetriebe"),
}


@dataclass(frozen=True)
class Gap:
    """Why the corpus cannot answer (part of) a question; ``what`` names it for the user."""

    kind: str  # land | topic | award | unknown_name | quantity | unstated | place_figure
    what: str

    def message(self) -> str:
        """The German sentence that states the gap."""
        if self.kind == "land":
            return (
                f"Zu Programmen und Einrichtungen in {self.what} enthält der Förderberater keine "
                "Unterlagen – er deckt Bundes- und EU-Programme sowie Sachsen, Sachsen-Anhalt "
                "und Thüringen ab."
            )
        if self.kind == "topic":
            return (
                f"Zum Thema „{self.what}“ enthält der Förderberater keine Angaben – er behandelt "
                "Förderprogramme und Studien zum Strukturwandel."
            )
        if self.kind == "award":
            return (
                f"Angaben zu einzelnen Bewilligungen, etwa an {self.what}, enthält der "
                "Förderberater nicht; er beschreibt Programme, keine Förderfälle."
            )
        if self.kind == "quantity":
            return f"Eine Angabe zu „{self.what}“ enthält die ausgewertete Studie nicht."
        if self.kind == "place_figure":
            return f"Eine Zahl für {self.what} nennt die ausgewertete Studie nicht."
        if self.kind == "unstated":
            return (
                f"Die ausgewerteten Quellen zu „{self.what}“ nennen diese Angabe nicht – "
                "so steht es im Korpus:"
            )
        return f"Zu „{self.what}“ enthält der Förderberater keine Unterlagen."


@dataclass(frozen=True)
class ScopeData:
    other_laender: Mapping[str, tuple[str, ...]]
    topics: Mapping[str, tuple[str, ...]]

    @staticmethod
    @cache
    def load() -> ScopeData:
        raw = resources.files("foerderberater").joinpath("data/scope.json").read_text("utf-8")
        data = json.loads(raw)
        return ScopeData(
            {k: tuple(v) for k, v in data["andere_laender"].items()},
            {k: tuple(v) for k, v in data["themen"].items()},
        )


def _names(text: str, alias: str) -> bool:
    """``alias`` as a word of ``text``, also inflected ("bayerisch" in "bayerischen")."""
    pattern = rf"(?<![\w.-]){re.escape(alias)}(?:e|en|er|es|em|n|s)?(?![\w-])"
    return re.search(pattern, text) is not None


def find_gaps(
    question: str,
    *,
    covered_place: bool,
    known: Callable[[str], bool],
    data: ScopeData,
    funding: bool = True,
    programme: bool = False,
) -> list[Gap]:
    """Gaps named in ``question``; ``known(word)`` tells whether the corpus mentions a word.

    Another Land is a gap for funding questions (the corpus has no programmes there); in a
    question about a study finding it is one only when the corpus never mentions it. A topic
    word in a question about a ``programme`` ("… für Betriebsmittel wie Miete") only describes
    the project, unless it is what the question asks for ("Wie hoch ist der Hebesatz …")."""
    q = question.casefold()
    gaps: list[Gap] = []
    if not covered_place:
        for land, aliases in data.other_laender.items():
            hit = next((a for a in aliases if _names(q, a)), None)
            if hit and (funding or not known(hit)):
                gaps.append(Gap("land", land))
                break
    asked = (asked_noun(question) or "").casefold()
    for topic, words in data.topics.items():
        hits = [w for w in words if w in q]
        if hits and (not programme or any(w in asked for w in hits)):
            gaps.append(Gap("topic", topic))
    award = _AWARD.search(question)
    # "Unsere Stadt hat … zugesagt bekommen" is about the asker, not somebody's grant
    before = re.split(r"[.!?:;]\s", question[: award.start()])[-1] if award else ""
    if award and not _SELF.search(award.group("subject")) and not _SELF.search(before):
        unknown = [w for w in _CAPITALISED.findall(award.group("subject")) if not known(w)]
        if unknown:
            gaps.append(Gap("award", unknown[0]))
    for name in _NAME.findall(question):
        parts = [p for p in name.split("-") if p]
        if name.casefold().rstrip(".") in _LEGAL_FORMS:
            continue  # "als GbR", "unsere GmbH": a legal form, not a name
        if known(name) or any(known(p) for p in parts if p.isupper() or len(parts) > 1):
            continue
        if not any(g.what == name for g in gaps):
            gaps.append(Gap("unknown_name", name))
    return gaps


def asked_noun(question: str) -> str | None:
    """The noun a figure question asks for: "Wie viele Besucher …" -> "Besucher"."""
    nouns = asked_nouns(question)
    return nouns[0] if nouns else None


def asked_nouns(question: str) -> list[str]:
    """Every noun a figure question asks for ("Was kostet die Bürgschaft – wie hoch ist das
    Entgelt?" -> "Bürgschaft", "Entgelt")."""
    out = []
    for m in _ASKED.finditer(question):
        nouns = re.findall(r"[A-ZÄÖÜ][\wäöüß]+", m.group("rest"))
        out += nouns[:1]
    return out


# "… für Pflegeberufe", "… pro Kilowattstunde": what the asked figure is broken down by
_QUALIFIER = re.compile(
    r"\b(?:für|pro|je)\s+(?:die\s+|den\s+|das\s+|eine?n?\s+)?([A-ZÄÖÜ][\wäöüß-]{3,})"
)


def missing_quantity(
    question: str,
    doc_words: Collection[str],
    fold: Callable[[str], str],
    stem: Callable[[str], str],
    parts: Callable[[str], Sequence[str]] = lambda _w: (),
) -> Gap | None:
    """The asked quantity ("Wie viele Besucher …") or what it is asked for ("… für
    Pflegeberufe", "… pro Kilowattstunde") when the study never names it.

    The quantity is the first noun after the question words; it counts as named when the
    document has it, a synonym, a word with its stem, or every part of the compound
    ("Gasnachfrage" = "Gas" + "Nachfrage"). Qualifiers count only in the question's own
    clause ("Ich schreibe für die Lokalzeitung: Wie viel …" asks nothing for a newspaper)."""
    word = asked_noun(question)
    if word is None:
        return None
    clause = re.split(r"[.:!;]\s", question)[-1]

    def named(w: str) -> bool:
        folded = fold(w)
        prefix = stem(folded)
        if any(a in doc_words for a in (folded, *SYNONYMS.get(folded, ()))):
            return True
        # "Untersuchungen" is named in "Bedarfsuntersuchungen"
        return len(prefix) >= 4 and any(prefix in v for v in doc_words)

    def covered(w: str) -> bool:
        pieces = parts(fold(w))
        return named(w) or bool(pieces and all(named(p) for p in pieces))

    if not covered(word):
        return Gap("quantity", word)
    for qualifier in _QUALIFIER.findall(clause):
        if not covered(qualifier):
            return Gap("quantity", qualifier)
    return None


def alternatives(order: Sequence[str], n: int = 2) -> list[str]:
    """The nearest covered documents offered instead (labelled as alternatives)."""
    return list(order[:n])
