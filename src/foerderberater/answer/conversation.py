"""Follow-up questions: resolve "da", "den", "das Programm", "und für kleine Firmen?" to the
programme or study of the earlier turn, and carry region and topic into a standalone query.

No LLM needed: a follow-up is recognised by its anaphora or its shortness; its focus is the
document the previous question named or, failing that, the document the previous answer was
about (the caller re-ranks the previous question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from foerderberater.search.regions import Gazetteer

_FOLLOW_UP = re.compile(
    r"^\s*(und|auch|aber|was ist mit|wie sieht es|gilt das|gibt es da|welche davon|dafür|davon|"
    r"dazu|damit|dort|da)\b|"
    r"\b(da|dort|dafür|davon|dazu|damit|dabei|hierfür|diesen|diesem|das programm|"
    r"dieses programm|diese förderung|der studie|die studie|ding|\w+ auch)\b|"
    r"\b(den|dem|die|das|es|sie|ihn)\s*\?\s*$|"
    r"\b(passt|gilt|geht|klappt|lohnt sich|reicht) (das|es|dies|der|die)\b",
    re.I,
)
_ENTITY = re.compile(
    r"\b(ZIM|GRW|JTF|EFRE|STARK|BEW|EEW|KfW\s?\d*|EXIST|InvKG|NIP|FNR|IPCEI|EIC|"
    r"InnoPrämie|Digitalbonus|Forschungszulage|Thüringen-Invest|FTI|KMU-innovativ|"
    r"Wasserstoff\w*|Seethermie|Wärmenetz\w*|Bioökonomie|Kreislaufwirtschaft|Photovoltaik|"
    r"Solar\w*|Windkraft|Geothermie|Aquifer\w*|Digitalisierung|Cyber\w*|KI|Big Data|XR|"
    r"Handwerk\w*|Start-?up\w*|Gründung\w*|KMU|Großunternehmen|Kommune\w*|Elektroly\w*)\b",
    re.I,
)
SHORT_WORDS = 8


def is_follow_up(question: str, history: Sequence[str], asks_a_fact: bool = False) -> bool:
    """A question that leans on the earlier turn: "Und wo beantrage ich den?", a short one, or
    one asking a programme fact (rate, deadline, route …) without naming a programme."""
    if not history:
        return False
    short = len(question.split()) <= SHORT_WORDS
    return bool(_FOLLOW_UP.search(question)) or short or asks_a_fact


def condense(
    question: str,
    history: Sequence[str],
    gazetteer: Gazetteer,
    focus: str | None = None,
    follow_up: bool | None = None,
) -> str:
    """A standalone query: the follow-up plus the earlier turn's place, topic and ``focus``
    (the name of the programme or study the conversation is about)."""
    if not (is_follow_up(question, history) if follow_up is None else follow_up):
        return question
    carried: list[str] = []
    if focus and focus.casefold() not in question.casefold():
        carried.append(focus)
    if gazetteer.find(question) is None:
        for turn in reversed(history):
            region = gazetteer.find(turn)
            if region:
                carried.append(region.matched)
                break
    asked = {m.group(0).casefold() for m in _ENTITY.finditer(question)}
    for turn in reversed(history):
        found = [m.group(0) for m in _ENTITY.finditer(turn) if m.group(0).casefold() not in asked]
        if found:
            carried.extend(dict.fromkeys(found))
            break
    if not carried:
        return question
    return f"{question} ({', '.join(dict.fromkeys(carried))})"
