"""The core facade used by the CLI and the web app."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from foerderberater.answer.compose import compose, is_programme_question
from foerderberater.answer.conversation import condense
from foerderberater.core.settings import Settings
from foerderberater.core.types import Answer, Hit
from foerderberater.eligibility import CheckResult, check_project
from foerderberater.index.builder import BuildReport, ProgressFn, build_index
from foerderberater.index.embedding import Embedder, create_embedder
from foerderberater.index.store import CURRENT, IndexVersion, check_embedder, open_current
from foerderberater.profile import Profile
from foerderberater.search.filters import Filters
from foerderberater.search.regions import Gazetteer, Region
from foerderberater.search.rerank import Reranker, create_reranker
from foerderberater.search.retrieval import Retriever

_BUND = re.compile(
    r"\b(bund|bundes|bundesprogramm\w*|bundesförderung\w*|bundesweit\w*|"
    r"bundesmittel\w*|des bundes|vom bund)\b",
    re.I,
)
_LAND = re.compile(r"\b(landesprogramm\w*|landesförderung\w*|landesmittel\w*|vom land)\b", re.I)


DOMAIN_MARGIN = 0.02


def funding_level(text: str) -> str | None:
    """'Bund' or 'Land' when the question asks for federal or Land programmes explicitly."""
    bund, land = bool(_BUND.search(text)), bool(_LAND.search(text))
    if bund == land:
        return None
    return "Bund" if bund else "Land"


class Advisor:
    """Loads the live index lazily and picks up a newly published version without restart."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()
        self._version: IndexVersion | None = None
        self._retriever: Retriever | None = None
        self._pointer: str | None = None
        self._gazetteer: Gazetteer | None = None
        self._reranker: Reranker | None = None

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

    def _read_pointer(self) -> str | None:
        path = Path(self.settings.index_dir) / CURRENT
        try:
            return path.read_text("utf-8").strip()
        except OSError:
            return None

    def _embedder_name(self) -> str:
        """The embedder the index must have been built with (an injected one names itself)."""
        return self._embedder.name if self._embedder is not None else self.settings.embedder

    @property
    def version(self) -> IndexVersion:
        """The live index version: documents with metadata, chunks, vectors (reloaded when
        CURRENT changes). Opening it needs no embedding model."""
        with self._lock:
            pointer = self._read_pointer()
            if self._version is None or pointer != self._pointer:
                self._version = open_current(Path(self.settings.index_dir))
                self._pointer = self._version.name
                self._retriever = None
            return self._version

    def retriever(self) -> Retriever:
        """The retriever over the live version; the index must match the embedder."""
        with self._lock:
            version = self.version
            if self._retriever is None:
                check_embedder(version, self._embedder_name())
                self._retriever = Retriever(
                    version, self.embedder, self.settings, self.gazetteer.canonical_kreis
                )
            return self._retriever

    # ------------------------------------------------------------------ operations
    def build(self, *, full: bool = False, progress: ProgressFn | None = None) -> BuildReport:
        return build_index(self.settings, self.embedder, full=full, progress=progress)

    def resolve_filters(self, text: str, filters: Filters | None) -> tuple[Filters, Region | None]:
        """Apply the region (and Bund/Land level) recognised in ``text`` unless set explicitly."""
        filters = filters or Filters()
        if filters.ebene is None:
            ebene = funding_level(text)
            if ebene:
                filters = replace(filters, ebene=ebene)
        region = self.gazetteer.find(text)
        if region is None or filters.land:
            return filters, region
        kreis = region.kreis if region.revier else None
        return replace(filters, land=region.land, kreis=filters.kreis or kreis), region

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
        return self.retriever().search(query, filters, k)

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        history: Sequence[str] = (),
        *,
        today: dt.date | None = None,
        use_region: bool = True,
    ) -> Answer:
        """Answer ``question``; ``use_region=False`` ignores places named in the question."""
        question = question.strip()
        standalone = condense(question, history, self.gazetteer)
        if use_region:
            filters, region = self.resolve_filters(standalone, filters)
        else:
            filters, region = filters or Filters(), None
        retriever = self.retriever()
        hits = retriever.search(standalone, filters)
        if self.reranker is not None:
            hits = self.reranker.rerank(standalone, hits)
        s = self.settings
        in_domain = region is not None and region.revier and is_programme_question(question, ())
        abstain = not self.is_relevant(hits, in_domain=in_domain)
        answer = compose(
            question,
            hits,
            analyzer=retriever.version.lexical.analyzer,
            top_k=s.top_k,
            per_source=s.max_passages_per_source,
            today=today or dt.date.today(),
            stale_days=s.stale_after_days,
            abstain=abstain,
            region_label=region.label() if region else None,
            standalone_query=standalone,
            filters=filters.active(),
            land_boost=s.land_boost,
        )
        return replace(answer, index_version=retriever.version.name)

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
        """Calibrated abstention rule: the best dense similarity must reach ``min_relevance``.

        A funding question about a place of the Revier is in scope by definition of the
        product, so it gets a margin of ``DOMAIN_MARGIN`` below the threshold.
        """
        dense = [
            h.dense_score for h in hits[: self.settings.top_k * 3] if h.dense_score is not None
        ]
        threshold = self.settings.min_relevance - (DOMAIN_MARGIN if in_domain else 0.0)
        return bool(dense) and max(dense) >= threshold

    def info(self) -> dict[str, Any]:
        version = self.version
        m = version.manifest
        return {
            "index_dir": str(self.settings.index_dir),
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
