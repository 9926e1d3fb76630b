"""Questions whose answer the corpus itself says it does not have: a figure the study leaves
out ("… Besucherzahlen … nicht enthalten"), a detail its sources do not give ("Zinssatz …
nennt die gesichtete Quelle nicht"), a study figure for one place that no sentence gives."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from foerderberater.answer.evidence import COUNTING, Evidence, features_of
from foerderberater.answer.intent import Intent, QuestionIntent
from foerderberater.answer.scope import UNITS, asked_noun, asked_nouns
from foerderberater.index.analysis import fold
from foerderberater.search.regions import Region

# the corpus marks what its sources do not give ("… ist in den Quellen nicht enthalten")
UNSTATED = re.compile(
    r"nicht (enthalten|belegt|dokumentiert|beziffert|bekannt|ermittelt|genannt|angegeben|"
    r"einzeln (benannt|dokumentiert|ausgewiesen)|wiedergegeben|veröffentlicht)|"
    r"nennen? (die |diese )?(\w+ )?quellen (\w+ )?(nicht|kein)|"
    r"nennt (die |diese )?(\w+ )?quelle (\w+ )?(nicht|kein)|"
    r"geht aus (den |der )?(\w+ )?quellen? nicht hervor|"
    r"keine angaben?\b|\bk\. ?a\.",
    re.I,
)
_DIGIT = re.compile(
    r"\d|\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|"
    r"tausend)\b",
    re.I,
)
_FIGURE = re.compile(r"\d")
PLACE_WINDOW = 40  # characters after a place name in which its figure stands
UNSTATED_WINDOW = 8  # how many of the best evidence pieces are searched for such a statement
_SENTENCE_END = re.compile(r"(?<=\w\w[.!?])\s+(?=[A-ZÄÖÜ„])")
_CLAUSE_END = re.compile(r";\s+")
_FEES = re.compile(r"entgelt|gebuhr|provision")  # one kind of cost, folded spellings
MIN_PREFIX = 7  # "Besucher" ~ "Besucherzahlen": compare the first letters of the stem


def disclaims(
    text: str,
    intents: Iterable[Intent],
    counting: bool = False,
    overlap: Callable[[str], float] = lambda _part: 1,
) -> bool:
    """``text`` says the sources do not give something ("Zinssatz … nennt die gesichtete
    Quelle nicht") in a sentence or clause that shares words with the question (``overlap``:
    question words in a part) and carries no fact of the asked kind. When another part does
    carry such a fact ("Die 90 % gelten für Kategorie 1–11; für Kategorie 12 nennen die
    Quellen keinen Satz"), the disclaiming part must match the question at least as well."""
    asked = tuple(intents)
    parts = [c for sentence in _SENTENCE_END.split(text) for c in _CLAUSE_END.split(sentence)]
    # for a study question any figure outside a disclaimer may be the answer
    figure = counting or Intent.STUDY in asked
    facts = [overlap(p) for p in parts if not UNSTATED.search(p) and features_of(p, asked, figure)]
    bar = max(facts, default=0)
    return any(
        UNSTATED.search(p) and not features_of(p, asked, counting) and 0 < overlap(p) >= bar
        for p in parts
    )


def disclaimed(
    question: str,
    intent: QuestionIntent,
    evidence: Sequence[Evidence],
    terms_of: Callable[[str], Sequence[str]] = lambda _t: (),
    weight: Callable[[str], float] = lambda _t: 1.0,
) -> bool:
    """The best evidence (or the window that extends it) states that the sources do not give
    what is asked, in a sentence that shares words with the question and carries no fact of
    the asked kind (a date next to "… ist nicht belegt" answers a deadline question). The
    runner-up counts too when the best piece carries no asked fact and the runner-up names the
    asked noun and matches the question's words (``weight``: how telling a word is) better
    ("Zinssatz … nennt die Quelle nicht" below a general sentence about the loan)."""
    if not evidence:
        return False
    # the best piece, or the runner-up window that extends it by the disclaiming sentence
    best = evidence[0].sentence.text
    pieces = [e for e in evidence[:2] if best in e.sentence.text]
    nouns = {t for noun in asked_nouns(question) for t in terms_of(noun)}
    runner = [
        e
        for e in evidence[1:2]
        if e not in pieces and not evidence[0].features and nouns & set(terms_of(e.sentence.text))
    ]
    if not any(UNSTATED.search(e.sentence.text) for e in [*pieces, *runner]):
        return False  # (no words analysed: most answers end here)
    asked = set(terms_of(question))

    def overlap(part: str) -> float:
        return sum(weight(t) for t in asked & set(terms_of(part)))

    counting = bool(COUNTING.search(question))
    if any(disclaims(e.sentence.text, intent.intents, counting, overlap) for e in pieces):
        return True
    return any(
        overlap(e.sentence.text) > overlap(best)
        and disclaims(e.sentence.text, intent.intents, counting, overlap)
        for e in runner
    )


def unstated_figure(
    question: str,
    evidence: Sequence[Evidence],
    stem: Callable[[str], str],
) -> bool:
    """A figure question ("Wie viele Besucher …") whose document says it does not give that
    figure ("… Besucherzahlen … nicht enthalten") and gives no figure for it elsewhere. The
    sentences about the noun are those with its whole stem ("Bürgschaftsentgelte", not every
    "Bürgschaft"), else those with its first letters."""
    nouns = asked_nouns(question)
    if _FEES.search(fold(question)):  # "Was kostet die Bürgschaft … an Provision?"
        nouns.append("Entgelt")
    return any(_figure_unstated(noun, evidence, stem) for noun in nouns)


def _figure_unstated(noun: str, evidence: Sequence[Evidence], stem: Callable[[str], str]) -> bool:
    whole = stem(fold(noun))
    if _FEES.search(whole):  # "Bürgschaftsprovision": the text says "Entgelte und Gebühren"
        about_noun = [e for e in evidence if _FEES.search(fold(e.sentence.text))]
    else:
        about_noun = [e for e in evidence if whole in fold(e.sentence.text)]
    if not about_noun:  # "Besucher" ~ "Besucherzahlen": the first letters of the stem
        prefix = whole[:MIN_PREFIX]
        if len(prefix) < 4:
            return False
        about_noun = [e for e in evidence if prefix in fold(e.sentence.text)]
    if any(
        _DIGIT.search(e.sentence.text) and not UNSTATED.search(e.sentence.text) for e in about_noun
    ):
        return False  # some sentence gives a figure for it
    return any(UNSTATED.search(e.sentence.text) for e in about_noun[:UNSTATED_WINDOW])


def place_without_figure(
    question: str, intent: QuestionIntent, region: Region, evidence: Sequence[Evidence]
) -> bool:
    """A study figure asked for one place ("… im Saalekreis?") that no sentence of the
    study gives: no sentence names the place together with a figure."""
    if not (asked_noun(question) or intent.has(Intent.RATE, Intent.AMOUNT)):
        return False
    names = {fold(n) for n in (region.matched, region.kreis, region.land) if n}
    keys = [fold(n)[:6] for n in asked_nouns(question) if n.casefold() not in UNITS]
    for e in evidence:
        text = fold(e.sentence.text)
        for name in names:
            at = text.find(name)
            if at < 0:
                continue
            # "Thüringen k. A." next to the name; a table row about the asked noun: its cells
            row = " · " in text and (not keys or any(k in text for k in keys))
            near = text[at:] if row else text[at : at + len(name) + PLACE_WINDOW]
            if _FIGURE.search(near) and not UNSTATED.search(near):
                return False
    return True
