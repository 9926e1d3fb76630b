"""Rule-based condensing of chat follow-ups into a standalone query (no LLM needed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from foerderberater.search.regions import Gazetteer

_FOLLOW_UP = re.compile(
    r"^(und|auch|was ist mit|wie sieht es|gilt das|gibt es da|welche davon|wie hoch|wer|wo|"
    r"wann|bis wann|kann ich|können wir|und in|und für|was ist|dafür|davon|dort|damit)\b|"
    r"\b(dafür|davon|dort|damit|das programm|dieses programm|diese förderung|es)\b",
    re.I,
)
_ENTITY = re.compile(
    r"\b(ZIM|GRW|JTF|EFRE|STARK|BEW|EEW|KfW\s?\d*|EXIST|InvKG|NIP|FNR|IPCEI|EIC|"
    r"InnoPrämie|Digitalbonus|Forschungszulage|Thüringen-Invest|FTI|KMU-innovativ|"
    r"Wasserstoff\w*|Seethermie|Wärmenetz\w*|Bioökonomie|Kreislaufwirtschaft|Photovoltaik|"
    r"Solar\w*|Windkraft|Geothermie|Aquifer\w*|Digitalisierung|Cyber\w*|KI|Big Data|XR|"
    r"Handwerk\w*|Start-?up\w*|Gründung\w*|KMU|Großunternehmen|Kommune\w*)\b",
    re.I,
)


def condense(question: str, history: Sequence[str], gazetteer: Gazetteer) -> str:
    """Carry region, programme and technology entities of earlier user turns into a follow-up."""
    if not history:
        return question
    q_entities = {m.group(0).lower() for m in _ENTITY.finditer(question)}
    short = len(question.split()) <= 8
    if not (_FOLLOW_UP.search(question) or short):
        return question
    carried: list[str] = []
    if gazetteer.find(question) is None:
        for turn in reversed(history):
            region = gazetteer.find(turn)
            if region:
                carried.append(region.matched)
                break
    for turn in reversed(history):
        found = [m.group(0) for m in _ENTITY.finditer(turn) if m.group(0).lower() not in q_entities]
        if found:
            carried.extend(dict.fromkeys(found))
            break
    if not carried:
        return question
    return f"{question} ({', '.join(carried)})"
