"""The core facade used by the CLI and the web app."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from foerderberater.answer.compose import FACT_DOCS, Writer, abstained, order_documents
from foerderberater.answer.conversation import condense, is_follow_up
from foerderberater.answer.engine import AnswerEngine, AnswerPlan
from foerderberater.answer.generation import word_answer
from foerderberater.answer.intent import classify
from foerderberater.answer.llm_client import Generator
from foerderberater.answer.setup import build_engine
from foerderberater.core.errors import VersionGoneError
from foerderberater.core.settings import Settings
from foerderberater.core.types import Answer, Hit
from foerderberater.eligibility import CheckResult, check_project
from foerderberater.index.backend import IndexBackend, VersionReader, open_index_backend
from foerderberater.index.builder import BuildReport, ProgressFn, build_index
from foerderberater.index.doc_report import DocumentReport, document_report, page_preview
from foerderberater.index.embedding import Embedder, create_embedder
from foerderberater.index.store import check_embedder
from foerderberater.profile import Profile
from foerderberater.search.filters import Filters
from foerderberater.search.regions import Gazetteer, Region
from foerderberater.search.relevance import (
    REVIER_WORDS,
    apply_place_and_level,
    asked_kinds,
    is_relevant,
)
from foerderberater.search.rerank import Reranker, create_reranker
from foerderberater.search.retrieval import Retriever, open_retriever

FOLLOW_UP_DEPTH = 2  # a follow-up looks back this many turns
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Turn:
    plan: AnswerPlan
    hits: list[Hit]
    filters: Filters
    region: Region | None
    standalone: str
    funding: bool


class Advisor:
    """Loads the live index lazily and picks up a newly published version without restart."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        backend: IndexBackend | None = None,
        *,
        warm_answers: bool = False,
    ) -> None:
        """``warm_answers``: analyse the sentences of each opened version in the background
        (for a long-running server; a one-shot CLI question would only compete with it)."""
        self.settings = settings
        self._warm_answers = warm_answers
        self._embedder = embedder
        self._backend = backend
        self._lock = threading.RLock()
        self._version: VersionReader | None = None
        self._retriever: Retriever | None = None
        self._pointer: str | None = None
        self._gazetteer: Gazetteer | None = None
        self._reranker: Reranker | None = None
        self._engine: tuple[str, AnswerEngine] | None = None
        self._generator: Generator | None = None

    # ------------------------------------------------------------------ components
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = create_embedder(self.settings.embedder)
            return self._embedder

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.load()
        return self._gazetteer

    @property
    def reranker(self) -> Reranker | None:
        """The configured cross-encoder, or None when ``settings.reranker`` is empty."""
        if self._reranker is None and self.settings.reranker:
            self._reranker = create_reranker(self.settings.reranker)
        return self._reranker

    @property
    def backend(self) -> IndexBackend:
        """Where the index lives: files in ``index_dir`` or PostgreSQL (``database_url``)."""
        with self._lock:
            if self._backend is None:
                self._backend = open_index_backend(self.settings)
            return self._backend

    def _read_pointer(self) -> str | None:
        return self.backend.pointer()

    def _embedder_name(self) -> str:
        """The embedder the index must have been built with (an injected one names itself)."""
        return self._embedder.name if self._embedder is not None else self.settings.embedder

    @property
    def version(self) -> VersionReader:
        """The live index version: documents with metadata, chunks, vectors (reloaded when
        the published version changes). Opening it needs no embedding model."""
        with self._lock:
            pointer = self._read_pointer()
            if self._version is None or pointer != self._pointer:
                self._version = self.backend.open_current()
                self._pointer = self._version.name
                self._retriever = None
            return self._version

    def retriever(self) -> Retriever:
        """The retriever over the live version; the index must match the embedder."""
        with self._lock:
            version = self.version
            if self._retriever is None:
                check_embedder(version, self._embedder_name())
                self._retriever = open_retriever(
                    version, self.embedder, self.settings, self.gazetteer.canonical_kreis
                )
            return self._retriever

    # ------------------------------------------------------------------ operations
    def build(self, *, full: bool = False, progress: ProgressFn | None = None) -> BuildReport:
        return build_index(
            self.settings, self.embedder, full=full, progress=progress, backend=self.backend
        )

    def resolve_filters(self, text: str, filters: Filters | None) -> tuple[Filters, Region | None]:
        """Apply the region (and Bund/Land level) recognised in ``text`` unless set explicitly."""
        return apply_place_and_level(text, filters, self.gazetteer)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        *,
        use_region: bool = True,
    ) -> list[Hit]:
        if use_region:
            filters, _ = self.resolve_filters(query, filters)
        return self._on_live_version(lambda: self.retriever().search(query, filters, k))

    def _on_live_version(self, run: Callable[[], _T]) -> _T:
        """``run()``; when the version it read was garbage-collected meanwhile (PostgreSQL:
        other replicas published twice within ``database_poll_seconds``), reopen the live
        version and run it once more."""
        try:
            return run()
        except VersionGoneError:
            with self._lock:
                self._version = None  # the next access opens the live version
                self._retriever = None
            return run()

    @property
    def generator(self) -> Generator | None:
        """The configured LLM (``FOERDERBERATER_LLM_URL``), or None: answers stay extractive."""
        config = self.settings.llm_config()
        if config is not None and self._generator is None:
            from foerderberater.answer.llm_client import OpenAICompatibleGenerator

            self._generator = OpenAICompatibleGenerator(config)
        return self._generator

    def word(self, question: str, answer: Answer) -> Answer:
        """The answer worded by the configured LLM, checked sentence by sentence against its
        sources (``answer.generation.word_answer``); unchanged without an LLM."""
        if self.generator is None:
            return answer
        names = tuple(d.name for d in self.answer_engine().docs.values())
        return word_answer(self.generator, question, answer, names)

    def answer_engine(self) -> AnswerEngine:
        """The answer engine of the live version (built once per version)."""
        with self._lock:
            version = self.version
            if self._engine is None or self._engine[0] != version.name:
                engine = build_engine(version)
                self._engine = (version.name, engine)
                if self._warm_answers:
                    # the first touch of a document analyses its sentences: do it for all of
                    # them in the background, not in a request (10k chunks: p95 187 -> 78 ms)
                    threading.Thread(
                        target=_warm, args=(engine,), name="answer-warm", daemon=True
                    ).start()
            return self._engine[1]

    def _turn(
        self,
        question: str,
        history: Sequence[str],
        filters: Filters | None,
        today: dt.date,
        use_region: bool,
    ) -> _Turn:
        """Retrieve and plan one question; a follow-up takes the document and the asked facts
        of the previous turn (planned the same way, up to ``FOLLOW_UP_DEPTH`` turns back)."""
        retriever, engine = self.retriever(), self.answer_engine()
        named = engine.named_in(question)
        intent = classify(question)
        focus: list[str] = []
        inherited = None
        follow_up = not named and is_follow_up(question, history, bool(intent.facts))
        if follow_up:
            # the earlier turn is planned under today's filters: a Land chosen since then wins
            earlier = history[-FOLLOW_UP_DEPTH:]
            previous = self._turn(earlier[-1], earlier[:-1], filters, today, use_region)
            moved = self._moved(question, previous) if use_region else None
            if moved is not None and previous.plan.overview:
                # "Und wenn wir in Hettstedt säßen?" after an overview: the same question there
                return self._turn(moved[1], earlier[:-1], filters, today, use_region)
            # after an overview, "das" means the programmes listed first
            plan = previous.plan
            listed = [d for d in plan.evidence if engine.kind_of(d) == "Programm"]
            earlier_docs = listed[:FACT_DOCS] if plan.overview else [plan.primary]
            for doc_id in earlier_docs:
                meta = engine.docs[doc_id].meta if doc_id else None
                if meta is not None and (filters is None or filters.matches(meta)):
                    focus.append(doc_id)
            if moved is not None:  # a Land programme asked for from another Land: its sibling
                focus = [d for d in (engine.sibling_in(d, moved[0].land) for d in focus) if d]
            inherited = previous.plan.intent
        focus_name = engine.docs[focus[0]].name if focus else None
        standalone = condense(question, history, self.gazetteer, focus_name, follow_up)
        if use_region:
            filters, region = self.resolve_filters(standalone, filters)
        else:
            filters, region = filters or Filters(), None
        vector = retriever.query_vector(standalone)
        funding = engine.is_funding(question, named or focus)
        # the place is a filter and a bonus for its Land's programmes; as a search word it only
        # finds programmes that name the town as an example ("… eine Bäckerei in Naumburg")
        words = region.strip_from(standalone) if funding and region is not None else None
        hits = retriever.search(standalone, filters, vector=vector, lexical_query=words)
        if self.reranker is not None:
            hits = self.reranker.rerank(standalone, hits)
        order = order_documents(
            hits,
            funding=funding,
            today=today,
            land=filters.land,
            land_boost=self.settings.land_boost,
            kinds=asked_kinds(question),
        )
        plan = engine.plan(
            question,
            order,
            vector,
            named=named,
            focus=focus,
            region=region,
            land=filters.land,
            inherited=inherited,
        )
        return _Turn(plan, hits, filters, region, standalone, funding)

    def _moved(self, question: str, previous: _Turn) -> tuple[Region, str] | None:
        """The place a follow-up moves to ("Und wenn wir in Altenburg säßen?") when it lies in
        another Land, with the earlier question asked for it; else None."""
        now, before = self.gazetteer.find(question), previous.region
        if now is None or before is None or now.land == before.land:
            return None
        return now, f"{before.strip_from(previous.standalone).strip()} ({now.matched})"

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        history: Sequence[str] = (),
        *,
        today: dt.date | None = None,
        use_region: bool = True,
        llm: bool = True,
    ) -> Answer:
        """Answer ``question``; ``use_region=False`` ignores places named in the question;
        ``llm=False`` keeps the extractive text even when an LLM is configured (the web app
        streams the LLM wording itself)."""
        question = question.strip()
        today = today or dt.date.today()
        return self._on_live_version(
            lambda: self._ask(question, filters, history, today, use_region, llm)
        )

    def _ask(
        self,
        question: str,
        filters: Filters | None,
        history: Sequence[str],
        today: dt.date,
        use_region: bool,
        llm: bool,
    ) -> Answer:
        turn = self._turn(question, history, filters, today, use_region)
        plan, region = turn.plan, turn.region
        label = region.label() if region else None
        context = {
            "standalone_query": turn.standalone,
            "filters": turn.filters.active(),
            "index_version": self.version.name,
        }
        in_domain = (region is not None and region.revier and turn.funding) or bool(
            REVIER_WORDS.search(question)
        )
        if not plan.about and not self.is_relevant(turn.hits, in_domain=in_domain):
            return abstained(question, turn.hits, label, gaps=plan.gaps, **context)
        writer = Writer(
            self.answer_engine().docs,
            today,
            self.settings.stale_after_days,
            kreis=region.kreis if region else None,
            land=turn.filters.land,
            region_label=label,
            canon=self.gazetteer.canonical_kreis,
        )
        answer = writer.write(plan, turn.hits, top_k=self.settings.top_k, **context)
        return self.word(question, answer) if llm else answer

    def check(
        self, profile: Profile, *, today: dt.date | None = None, with_passages: bool = True
    ) -> CheckResult:
        """Projekt-Check of ``profile`` against the programmes of the live index version."""
        search = None
        if with_passages:
            k = self.settings.candidate_k

            def search(query: str) -> list[Hit]:
                return self.search(query, Filters(dokumenttyp="Programm"), k=k, use_region=False)

        return check_project(
            self.version,
            profile,
            today=today or dt.date.today(),
            canon=self.gazetteer.canonical_kreis,
            search=search,
            stale_days=self.settings.stale_after_days,
        )

    def is_relevant(self, hits: Sequence[Hit], *, in_domain: bool = False) -> bool:
        s = self.settings
        return is_relevant(hits, s.min_relevance, s.top_k, in_domain=in_domain)

    def info(self) -> dict[str, Any]:
        version = self.version
        m = version.manifest
        return {
            "index_dir": self.backend.location,
            "backend": self.backend.kind,
            "version": version.name,
            "documents": m.get("documents"),
            "chunks": m.get("chunks"),
            "pages": sum(f.get("pages", 0) for f in m.get("files", {}).values()),
            "embedder": m.get("embedder"),
            "chunker": m.get("chunker"),
            "build_time": m.get("build_time"),
            "package_version": m.get("package_version"),
            "skipped": m.get("skipped", []),
            "files": m.get("files", {}),
        }

    def document(self, name: str) -> DocumentReport:
        """The extraction report of one indexed document (slug or path); no model needed."""
        return document_report(self.version, name)

    def page_text(self, name: str, page: int) -> str:
        """What the index holds for one page of a PDF (German text for admins)."""
        return page_preview(self.version, name, page)


def _warm(engine: AnswerEngine) -> None:
    """Background warm-up of an answer engine; it only saves time, so a failure (the version
    was garbage-collected, the database went away) is logged and the requests analyse lazily."""
    try:
        engine.warm()
    except Exception as exc:  # best effort: never takes the app down
        logging.getLogger(__name__).info("Vorberechnung der Antwort-Sätze abgebrochen: %s", exc)
