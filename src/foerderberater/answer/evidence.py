"""Sentence evidence: which sentences of the candidate documents answer the question.

A sentence (or a window of two adjacent sentences of one section) scores by
- the question's terms it contains, weighted by inverse document frequency (lexical),
- its dense similarity to the question (e5 sentence vectors computed at build time),
- intent features: a percentage for a rate question, a euro amount for an amount question, a
  date or "laufend" for a deadline, an office/portal/Hausbank for a route, "kombinierbar"/
  "kumulieren" for a combination, "nur"/"ausgeschlossen"/"nicht antragsberechtigt" for
  eligibility, the definitional opening of a document for a definition,
- the section it stands in ("Art und Höhe der Förderung" for a rate) and its document's prior.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from foerderberater.answer.intent import Intent, QuestionIntent
from foerderberater.answer.lists import announced_lists, row_head
from foerderberater.answer.related import RELATED_WEIGHT, related_words
from foerderberater.index.sentences import STECKBRIEF, Sentence

DENSE_WEIGHT = 3.0  # per unit of cosine above DENSE_FLOOR (e5 cosines of related text ≈ 0.8–0.9)
DENSE_FLOOR = 0.8
FEATURE_BONUS = 0.35
FEATURE_CONTEXT_BONUS = 0.15  # a rate/amount figure next to its qualifier ("höchstens", "Zuschuss")
SECTION_BONUS = 0.15
DEFINITION_OPENING_BONUS = 0.3
SIZE_BONUS = 0.2  # the asker's size class is named ("für kleine Unternehmen")
EXCLUSION_BONUS = 0.2  # eligibility: a sentence that excludes or limits who may apply
WINDOW_PENALTY = 0.15
WINDOW_MAX_CHARS = 420
LIST_BONUS = 0.05  # the announced items answer a list question better than the announcement
LONG_PENALTY = 0.1
TITLE_DAMP = 0.5  # within a document, the words of its own title hardly pick a sentence
STECKBRIEF_PENALTY = 0.5  # front-matter lines back up the body text, they rarely beat it

_MONTHS = "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
PERCENT = re.compile(r"\d+(?:,\d+)?\s*(?:%|prozent\b)|prozentpunkt", re.I)
MONEY = re.compile(
    r"\d[\d.,]*\s*(?:€|euro\b|eur\b|mio\.?|millionen|mrd\.?|milliarden|tsd\.?|t€)", re.I
)
DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:\d{{1,2}}\.\s*\d{{2,4}}|(?:{_MONTHS})\b)|\b(?:{_MONTHS})\s+\d{{4}}|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b(?:19|20)\d{2}\b",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|hundert)\b", re.I
)
# a question that asks for several things ("Welche vier Zukunftsfelder …", "Was empfiehlt …")
# (a superlative "In welchem Landkreis … am stärksten" needs the whole table to compare)
_ASKS_LIST = re.compile(
    r"\bwelche[nr]?\b|\bwas empfiehl|\bempfehlungen\b|\bnenn|"
    r"\bam (stärksten|meisten|höchsten|größten|wenigsten|niedrigsten|schwächsten)\b",
    re.I,
)
COUNTING = re.compile(r"\bwie ?viele?\b|\banzahl\b|\bum wie viel\b", re.I)
_WORDS: dict[Intent, re.Pattern[str]] = {
    Intent.RATE: re.compile(
        r"f[öo]rdersatz|fördersätze|förderquote|zuschuss|gefördert|erstattet|übernommen|"
        r"zuschlag|aufschlag|förderintensität|der (förderfähigen|zuwendungsfähigen) "
        r"(kosten|ausgaben)",
        re.I,
    ),
    Intent.AMOUNT: re.compile(
        r"höchstens|maximal|bis zu|höchst|obergrenze|deckel|je vorhaben|pro (jahr|monat|vorhaben)|"
        r"kreditbetrag|darlehen|betrag|summe|volumen|monatlich|im monat",
        re.I,
    ),
    Intent.DEADLINE: re.compile(
        r"frist|stichtag|laufend|aufruf|einreich|bis zum|endet|läuft|gültig|befristet|"
        r"abgeschlossen|ausgelaufen|runde|wettbewerb|in kraft|jederzeit",
        re.I,
    ),
    Intent.ELIGIBILITY: re.compile(
        r"antragsberechtigt|berechtigt|gefördert werden|zielgruppe|ausgeschlossen|"
        r"förderfähig|\bnur\b|ausschließlich|voraussetzung|müssen|\bmuss\b|sitz|"
        r"betriebsstätte|\bkmu\b|unternehmen mit|\bnicht\b|\bkeine?\b",
        re.I,
    ),
    Intent.ROUTE: re.compile(
        r"antrag|beantrag|online|portal|hausbank|einreich|projektträger|skizze|über die|"
        r"bei der|beim|zuständig|bescheinigung|registrier|formular|ansprechpartner",
        re.I,
    ),
    Intent.COMBINATION: re.compile(
        r"kombinier|kumulier|kumulation|zusätzlich|gleichzeitig|neben|angerechnet|mit anderen|"
        r"beihilfe|de-minimis|dieselben kosten|doppelt|ergänz|nur zusammen|in verbindung mit|"
        r"zusammen mit|nur (mit|bei) (einem|einer)",
        re.I,
    ),
}
_SECTIONS: dict[Intent, re.Pattern[str]] = {
    Intent.RATE: re.compile(r"höhe|konditionen", re.I),
    Intent.AMOUNT: re.compile(r"höhe|konditionen", re.I),
    Intent.DEADLINE: re.compile(r"frist|antrag|hinweis|verfahren", re.I),
    Intent.ELIGIBILITY: re.compile(r"wer wird|voraussetzung|zielgruppe|berechtigt", re.I),
    Intent.ROUTE: re.compile(r"antrag|verfahren|ablauf", re.I),
    Intent.COMBINATION: re.compile(r"hinweis|kombin|kumul", re.I),
    Intent.DEFINITION: re.compile(r"kurzbeschreibung|anlass|überblick|einleitung", re.I),
    Intent.STUDY: re.compile(r"ergebnis|befund", re.I),
}
_EXCLUSION = re.compile(
    r"nicht (antragsberechtigt|förderfähig|gefördert|zugelassen|möglich)|ausgeschlossen|"
    r"\bkeine?\b|\bnur\b|ausschließlich|\bnicht\b",
    re.I,
)
_HEADCOUNT = re.compile(r"\d[\d.]*\s*(?:beschäftigte|mitarbeit|vollzeit|personen)", re.I)
_SIZE_WORDS = {
    "klein": re.compile(r"\bklein(e|en|er|es)?\b|kleinunternehm", re.I),
    "mittel": re.compile(r"\bmittler(e|en|er|es)?\b", re.I),
    "gross": re.compile(r"\bgroße?n?\b|großunternehm", re.I),
}


@dataclass(frozen=True)
class Evidence:
    sentence: Sentence  # for a window: the first sentence with the joined text
    score: float
    lexical: float
    dense: float
    features: tuple[Intent, ...]
    span: int = 1  # sentences joined in the quote (a list: the announcing sentence + items)


@dataclass(frozen=True)
class Marks:
    """What kinds of facts a sentence carries, found once per stored sentence (the scorer's
    hot path then needs no regular expressions); a window's marks are the union."""

    percent: bool
    money: bool
    date: bool
    number: bool
    words: frozenset[Intent]  # intents whose cue words occur
    exclusion: bool
    sizes: frozenset[str]  # size classes named ("klein", "mittel", "gross")
    headcount: bool = False  # a head-count limit ("weniger als 50 Beschäftigte")

    @staticmethod
    def of(text: str) -> Marks:
        return Marks(
            bool(PERCENT.search(text)),
            bool(MONEY.search(text)),
            bool(DATE.search(text)),
            bool(_NUMBER.search(text)),
            frozenset(i for i, rx in _WORDS.items() if rx.search(text)),
            bool(_EXCLUSION.search(text)),
            frozenset(k for k, rx in _SIZE_WORDS.items() if rx.search(text)),
            bool(_HEADCOUNT.search(text)),
        )

    def __or__(self, other: Marks) -> Marks:
        return Marks(
            self.percent or other.percent,
            self.money or other.money,
            self.date or other.date,
            self.number or other.number,
            self.words | other.words,
            self.exclusion or other.exclusion,
            self.sizes | other.sizes,
            self.headcount or other.headcount,
        )

    def features(self, intents: Iterable[Intent], counting: bool = False) -> list[Intent]:
        """The intents for which the text carries the kind of fact they ask for."""
        out = []
        for intent in intents:
            if intent is Intent.RATE:
                ok = self.percent
            elif intent is Intent.AMOUNT:
                ok = self.money
            elif intent is Intent.DEADLINE:
                ok = self.date or intent in self.words
            elif intent is Intent.STUDY:
                ok = self.number and counting
            else:
                ok = intent in self.words
            if ok:
                out.append(intent)
        return out


def features_of(text: str, intents: Iterable[Intent], counting: bool = False) -> list[Intent]:
    """The intents for which ``text`` carries the kind of fact they ask for."""
    return Marks.of(text).features(intents, counting)


def idf_table(doc_freq: dict[str, int], n_docs: int) -> dict[str, float]:
    """BM25-style inverse document frequency of analyser terms."""
    return {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


class EvidenceScorer:
    """Scores the sentences of candidate documents for one question."""

    def __init__(
        self,
        question: str,
        intent: QuestionIntent,
        terms_of: Callable[[str], Sequence[str]],
        idf: dict[str, float],
        sentence_terms: Callable[[Sentence], frozenset[str]] | None = None,
        sentence_marks: Callable[[Sentence], Marks] | None = None,
    ) -> None:
        self.intent = intent
        self.terms_of = terms_of
        # terms and marks of a stored sentence do not change: the caller may cache them
        self.sentence_terms = sentence_terms or (lambda s: frozenset(terms_of(s.text)))
        self.sentence_marks = sentence_marks or (lambda s: Marks.of(s.text))
        self.counting = bool(COUNTING.search(question))
        self.asks_list = bool(_ASKS_LIST.search(question))
        default = max(idf.values(), default=1.0)
        self.weights = {t: idf.get(t, default) for t in terms_of(question)}
        self.total = sum(self.weights.values()) or 1.0
        # words a finding uses for what the question asks in other words; they add to the
        # match but do not dilute it (``total`` stays that of the question)
        related = related_words(question)
        for t in terms_of(related) if related else ():
            self.weights.setdefault(t, RELATED_WEIGHT * idf.get(t, default))

    def score(
        self,
        sentence: Sentence,
        prior: float,
        dense: float,
        terms: frozenset[str] | None = None,
        marks: Marks | None = None,
        span: int = 1,
        weights: dict[str, float] | None = None,
    ) -> Evidence:
        terms = self.sentence_terms(sentence) if terms is None else terms
        marks = self.sentence_marks(sentence) if marks is None else marks
        weights = self.weights if weights is None else weights
        lexical = sum(w for t, w in weights.items() if t in terms) / self.total
        intents = self.intent.intents
        feats = marks.features(intents, self.counting)
        bonus = FEATURE_BONUS * len(feats)
        bonus += sum(
            FEATURE_CONTEXT_BONUS
            for f in feats
            if f in (Intent.RATE, Intent.AMOUNT) and f in marks.words
        )
        hints = [_SECTIONS[i] for i in intents if i in _SECTIONS]
        bonus += SECTION_BONUS * sum(1 for h in hints if h.search(sentence.section))
        if Intent.DEFINITION in intents and 0 <= sentence.ordinal < 2:
            bonus += DEFINITION_OPENING_BONUS
        if Intent.ELIGIBILITY in intents and marks.exclusion:
            bonus += EXCLUSION_BONUS
        size = self.intent.asker.size
        if size and Intent.RATE in feats and size in marks.sizes:
            bonus += SIZE_BONUS
        if self.intent.asker.employees and Intent.ELIGIBILITY in intents and marks.headcount:
            bonus += SIZE_BONUS  # "Wir haben 60 Mitarbeiter. Kommen wir noch in Frage?"
        penalty = LONG_PENALTY if len(sentence.text) > 400 and span <= 2 else 0.0
        if sentence.section == STECKBRIEF:
            penalty += STECKBRIEF_PENALTY
        total = lexical + bonus + prior - penalty + DENSE_WEIGHT * max(0.0, dense - DENSE_FLOOR)
        return Evidence(sentence, total, lexical, dense, tuple(feats), span)

    def rank(
        self,
        sentences: Sequence[Sentence],
        dense: Sequence[float],
        prior: float,
        title: str = "",
    ) -> list[Evidence]:
        """Single sentences and two-sentence windows of one section, best first. The words
        of the document's ``title`` count less: they name the document, not the sentence."""
        own = frozenset(self.terms_of(title)) if title else frozenset()
        w = {t: v * TITLE_DAMP if _in_title(t, own) else v for t, v in self.weights.items()}
        scored = [self.score(s, prior, d, weights=w) for s, d in zip(sentences, dense, strict=True)]
        for i in range(len(sentences) - 1):
            a, b = sentences[i], sentences[i + 1]
            if a.section != b.section or a.section == STECKBRIEF or b.ordinal != a.ordinal + 1:
                continue  # a window quotes two sentences that stand next to each other
            if len(a.text) + len(b.text) > WINDOW_MAX_CHARS:
                continue
            window = replace(a, text=f"{a.text} {b.text}")
            terms = self.sentence_terms(a) | self.sentence_terms(b)
            marks = self.sentence_marks(a) | self.sentence_marks(b)
            dense_ab = max(dense[i], dense[i + 1])
            scored.append(self.score(window, prior - WINDOW_PENALTY, dense_ab, terms, marks, 2, w))
        if self.asks_list:
            scored += self._lists(sentences, dense, prior, w)
        scored.sort(key=lambda e: -e.score)
        return scored

    def _lists(
        self,
        sentences: Sequence[Sentence],
        dense: Sequence[float],
        prior: float,
        weights: dict[str, float],
    ) -> list[Evidence]:
        """An announcing sentence ("… zwei Stränge.", "… in vier Modulen:") joined with the
        items that follow it in the same section, for questions that ask for several things."""
        out: list[Evidence] = []
        for i, items in announced_lists(sentences):
            a = sentences[i]
            parts = [a, *(sentences[j] for j in items)]
            joined = replace(a, text=" ".join([a.text, *(row_head(p.text) for p in parts[1:])]))
            terms = frozenset().union(*(self.sentence_terms(p) for p in parts))
            marks = self.sentence_marks(a)
            for p in parts[1:]:
                marks = marks | self.sentence_marks(p)
            best = max(dense[k] for k in [i, *items])
            e = self.score(joined, prior + LIST_BONUS, best, terms, marks, len(parts), weights)
            out.append(e)
        return out


def _in_title(term: str, title_terms: frozenset[str]) -> bool:
    """A title word or a compound built on one ("Industriekultur-Studie")."""
    return term in title_terms or any(len(t) >= 6 and t in term for t in title_terms)


def pick(evidence: Sequence[Evidence], n: int) -> list[Evidence]:
    """The best ``n`` pieces of evidence that do not repeat each other's text."""
    chosen: list[Evidence] = []
    for e in evidence:
        text = e.sentence.text
        if any(text in c.sentence.text or c.sentence.text in text for c in chosen):
            continue
        chosen.append(e)
        if len(chosen) == n:
            break
    return chosen
