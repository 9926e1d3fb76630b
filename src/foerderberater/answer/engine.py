"""From question to answer plan: intent, named programmes, follow-up focus, gaps, evidence.

``AnswerEngine`` holds what one index version needs for answering (the catalogue of names, the
sentence store) and turns a question plus its retrieval hits into an ``AnswerPlan``: which
documents the answer is about, the evidence sentences ranked for each, and the gaps the corpus
cannot fill. ``answer.compose`` renders the plan as German text with citations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from foerderberater.answer.evidence import TITLE_DAMP, Evidence, EvidenceScorer, Marks
from foerderberater.answer.intent import Intent, QuestionIntent, classify
from foerderberater.answer.scope import Gap, ScopeData, find_gaps, missing_quantity
from foerderberater.answer.unstated import disclaimed, place_without_figure, unstated_figure
from foerderberater.core.schema import DocMeta
from foerderberater.core.vocab import LAENDER
from foerderberater.index.analysis import GermanAnalyzer, fold
from foerderberater.index.sentences import Sentence
from foerderberater.search.catalogue import Catalogue
from foerderberater.search.regions import Region

PRIMARY_PRIOR = 0.6  # evidence of the documents the question is about
OTHER_PRIOR = 0.3  # … of the next retrieved documents, minus RANK_STEP per rank
RANK_STEP = 0.1
OVERVIEW_DOCS = 4
CANDIDATE_DOCS = 3
SENTENCE_CACHE = 400_000  # cached terms/marks of sentences (a few hundred MB at most)

# "die Studie", "laut der Handwerksstudie", "die Industriekultur-Studie", "der Digest"
# (a "Machbarkeitsstudie" is what a programme pays for, not a study of the corpus)
STUDY_REFERENCE = re.compile(
    r"(?<!machbarkeits)studie\b|(?<!machbarkeits)studien\b|\bdigest|\bgutachten\b|analyse\b", re.I
)
FUNDING = re.compile(
    r"(?<!wirtschafts)förder|programm|zuschuss|zuschüss|kredit|darlehen|finanz|geld|bürgschaft|"
    r"beteiligung(en|skapital)?\b|beteiligt sich|antrag|zulage|prämie|bonus|stipendium|invest|"
    r"kapital|unterstütz|subvention|"
    r"vom (land|bund|staat|freistaat)|sicherheiten|nachfolge|übernehme|übernahme|"
    r"(eu|förder|bundes|landes)-?mittel|\bmittel (aus|für|vom|von|der)\b",
    re.I,
)


@dataclass(frozen=True)
class DocInfo:
    """What the writer needs to know of a document (from the index's document records)."""

    doc_id: str
    slug: str
    title: str
    meta: DocMeta

    @property
    def name(self) -> str:
        short = getattr(self.meta, "kurzname", None) or getattr(self.meta, "kurztitel", None)
        return str(short or self.title)


class SentenceStore(Protocol):
    """The sentences of an index version (embedded store or PostgreSQL)."""

    def sentences_of(self, doc_id: str) -> Sequence[Sentence]: ...

    def sentence_vectors(self, doc_id: str) -> np.ndarray | None: ...

    def doc_words(self, doc_id: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class AnswerPlan:
    question: str
    intent: QuestionIntent
    about: tuple[str, ...]  # doc ids the answer is about (named, focus or top ranked)
    order: tuple[str, ...]  # retrieved doc ids, programme-first for funding questions
    overview: bool
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    gaps: tuple[Gap, ...] = ()
    focus_from_history: bool = False

    @property
    def primary(self) -> str | None:
        """The document the answer is about: the named/focused one, else the best retrieved
        (measured: choosing by the best sentence instead picks the wrong document more often)."""
        if self.about:
            return self.about[0]
        return next(iter(self.evidence), self.order[0] if self.order else None)


class AnswerEngine:
    def __init__(
        self,
        docs: Mapping[str, DocInfo],
        catalogue: Catalogue,
        store: SentenceStore,
        analyzer: GermanAnalyzer,
        idf: Callable[[str], float],
        known: Callable[[str], bool],
        kind_of: Callable[[str], str],
        gebiet_of: Callable[[str], tuple[str, ...]],
        scope: ScopeData,
    ) -> None:
        self.docs = docs
        self.catalogue = catalogue
        self.store = store
        self.analyzer = analyzer
        self.idf = idf
        self.known = known
        self.kind_of = kind_of
        self.gebiet_of = gebiet_of
        self.scope = scope
        self._sentence_cache: dict[tuple[int, int], Any] = {}  # terms and marks per sentence

    def sibling_in(self, doc_id: str, land: str) -> str | None:
        """The programme of ``land`` that shares ``doc_id``'s name ("GRW Sachsen-Anhalt" ->
        "GRW Thüringen"); ``doc_id`` itself when it serves that Land or no Land in particular."""
        if land in self.gebiet_of(doc_id) or not self._of_a_land(doc_id):
            return doc_id
        for head in self.catalogue.heads_of(doc_id):
            for other in self.catalogue.find(head):
                if land in self.gebiet_of(other):
                    return other
        return None

    def _of_a_land(self, doc_id: str) -> bool:
        return bool(set(self.gebiet_of(doc_id)) & set(LAENDER))

    def named_in(self, question: str) -> list[str]:
        """Programmes and studies the question names. A funding question that does not refer
        to a study names a study only by its proper name ("nach dem REVIERKOMPASS"), not by a
        topic word ("ein Netzwerk von Industriekultur-Akteuren … Welche Förderung?")."""
        named = self.catalogue.find(question)
        if FUNDING.search(question) and not STUDY_REFERENCE.search(question):
            return [
                d
                for d in named
                if self.kind_of(d) == "Programm" or self.catalogue.proper_name_of(d, question)
            ]
        return named

    def is_funding(self, question: str, about: Sequence[str]) -> bool:
        """A question about funding (not about a study finding): one that refers to a study
        ("laut der Handwerksstudie …") asks what the study says, even about funding."""
        if any(self.kind_of(d) == "Programm" for d in about):
            return True
        if STUDY_REFERENCE.search(question) or any(self.kind_of(d) != "Programm" for d in about):
            return False
        return bool(FUNDING.search(question)) or classify(question).has(Intent.OVERVIEW)

    def plan(
        self,
        question: str,
        order: Sequence[str],
        query_vector: np.ndarray | None,
        *,
        named: Sequence[str],
        focus: Sequence[str],
        region: Region | None,
        land: str | None,
        inherited: QuestionIntent | None = None,
    ) -> AnswerPlan:
        intent = classify(question)
        if inherited is not None and not intent.facts:
            # "Und für eine Firma in Bitterfeld-Wolfen?" asks what the earlier turn asked
            intent = QuestionIntent(intent.intents | inherited.facts, intent.asker)
        about = list(named or focus)
        funding = self.is_funding(question, about)
        if len(about) > 1 and land:
            # "GRW" names three Land programmes: keep the asker's; a federal one named beside
            # it ("GRW … und noch Mittel aus dem InvKG?") stays
            kept = [d for d in about if land in self.gebiet_of(d) or not self._of_a_land(d)]
            about = kept or about
        gaps = find_gaps(
            question,
            covered_place=region is not None,
            known=self.known,
            data=self.scope,
            funding=funding and not intent.has(Intent.STUDY),
            programme=any(self.kind_of(d) == "Programm" for d in about),
        )
        target = (about or order)[:1]
        if not gaps and target and self.kind_of(target[0]) != "Programm":
            words = self.store.doc_words(target[0])
            gap = missing_quantity(
                question, words, fold, self.analyzer.stem, self.analyzer.split_compound
            )
            if gap:
                gaps.append(gap)
        overview = (
            not named
            and not intent.has(Intent.STUDY, Intent.DEFINITION)
            and (intent.has(Intent.OVERVIEW) or (funding and not intent.facts and not focus))
        )
        if gaps:
            return AnswerPlan(
                question, intent, tuple(about), tuple(order), overview, {}, tuple(gaps)
            )
        if overview or not about:
            candidates = order[: OVERVIEW_DOCS if overview else CANDIDATE_DOCS]
        else:
            candidates = about + [d for d in order[:CANDIDATE_DOCS] if d not in about]
        scorer = EvidenceScorer(
            question,
            intent,
            self.analyzer.terms,
            self._idf_table(question),
            self._terms,
            self._marks,
        )
        evidence: dict[str, list[Evidence]] = {}
        for rank, doc_id in enumerate(candidates):
            prior = PRIMARY_PRIOR if doc_id in about else max(0.0, OTHER_PRIOR - RANK_STEP * rank)
            sentences = [s for s in self.store.sentences_of(doc_id) if not s.boilerplate]
            dense = self._dense(doc_id, sentences, query_vector)
            evidence[doc_id] = scorer.rank(sentences, dense, prior, self.docs[doc_id].title)
        targets = about or candidates[:1]
        unstated = self._unstated(
            question, intent, evidence, targets, overview
        ) or self._place_missing(question, intent, region, evidence, targets)
        return AnswerPlan(
            question,
            intent,
            tuple(about),
            tuple(order),
            overview,
            evidence,
            (unstated,) if unstated else (),
            bool(focus) and not named,
        )

    def _place_missing(
        self,
        question: str,
        intent: QuestionIntent,
        region: Region | None,
        evidence: Mapping[str, list[Evidence]],
        targets: Sequence[str],
    ) -> Gap | None:
        if region is None or not targets or self.kind_of(targets[0]) == "Programm":
            return None
        found = place_without_figure(question, intent, region, evidence.get(targets[0], []))
        return Gap("place_figure", region.matched) if found else None

    def _unstated(
        self,
        question: str,
        intent: QuestionIntent,
        evidence: Mapping[str, list[Evidence]],
        targets: Sequence[str],
        overview: bool,
    ) -> Gap | None:
        if overview or not targets:
            return None
        best = evidence.get(targets[0], [])
        analyzer = self.analyzer
        title = frozenset(analyzer.terms(self.docs[targets[0]].title))

        def weight(term: str) -> float:  # a word of the document's title names it, no more
            return self.idf(term) * (TITLE_DAMP if term in title else 1.0)

        # a programme's deadline and office stand in its metadata, whatever a sentence lacks
        by_metadata = self.kind_of(targets[0]) == "Programm" and intent.has(
            Intent.DEADLINE, Intent.ROUTE
        )
        if unstated_figure(question, best, analyzer.stem) or (
            not by_metadata and disclaimed(question, intent, best, analyzer.terms, weight)
        ):
            return Gap("unstated", self.docs[targets[0]].name)
        return None

    def warm(self) -> int:
        """Analyse every sentence once (terms and fact marks), so no question pays for the
        first touch of a document; run off the request path. Returns the sentences seen."""
        seen = 0
        for doc_id in list(self.docs):
            for sentence in self.store.sentences_of(doc_id):
                self._terms(sentence)
                self._marks(sentence)
                seen += 1
        return seen

    def _terms(self, sentence: Sentence) -> frozenset[str]:
        """Analysed terms of a stored sentence, computed once per index version."""
        return self._cached(sentence, 0, lambda: frozenset(self.analyzer.terms(sentence.text)))

    def _marks(self, sentence: Sentence) -> Marks:
        """The kinds of facts a stored sentence carries, found once per index version."""
        return self._cached(sentence, 1, lambda: Marks.of(sentence.text))

    def _cached(self, sentence: Sentence, slot: int, compute: Callable[[], Any]) -> Any:
        key = (sentence.sentence_id, slot)
        value = self._sentence_cache.get(key)
        if value is None:
            value = compute()
            if len(self._sentence_cache) >= SENTENCE_CACHE:
                self._sentence_cache.clear()
            self._sentence_cache[key] = value
        return value

    def _idf_table(self, question: str) -> dict[str, float]:
        return {t: self.idf(t) for t in self.analyzer.terms(question)}

    def _dense(
        self, doc_id: str, sentences: Sequence[Sentence], query: np.ndarray | None
    ) -> list[float]:
        vectors = self.store.sentence_vectors(doc_id)
        if query is None or vectors is None:
            return [0.0] * len(sentences)
        all_sentences = self.store.sentences_of(doc_id)
        row = {s.sentence_id: i for i, s in enumerate(all_sentences)}
        sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(query, dtype=np.float32)
        return [float(sims[row[s.sentence_id]]) for s in sentences]
