"""BM25 lexical index over chunk texts with the German analyzer (no pickle on disk)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from foerderberater.index.analysis import BM25_DIGRAPHS, GermanAnalyzer, vocabulary_of

ANALYZER_NAME = "german-fold-stop-snowball-decompound-v2"  # v2: no ae/oe/ue folding


class LexicalIndex:
    """Rows are aligned with the chunk rows of the store (row i = i-th chunk)."""

    def __init__(self, bm25: bm25s.BM25 | None, analyzer: GermanAnalyzer, size: int) -> None:
        self._bm25 = bm25
        self.analyzer = analyzer
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str], *, digraphs: bool = BM25_DIGRAPHS) -> LexicalIndex:
        analyzer = GermanAnalyzer(vocabulary_of(texts, digraphs=digraphs), digraphs=digraphs)
        if not texts:
            return cls(None, analyzer, 0)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [analyzer.terms(t) or ["\u2205"] for t in texts]
        bm25.index(corpus, show_progress=False)
        return cls(bm25, analyzer, len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), show_progress=False)
        meta = {
            "analyzer": ANALYZER_NAME,
            "size": self.size,
            "digraphs": self.analyzer.digraphs,
            "vocabulary": sorted(self.analyzer.vocabulary),
        }
        (directory / "analyzer.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        meta = json.loads((directory / "analyzer.json").read_text("utf-8"))
        analyzer = GermanAnalyzer(meta["vocabulary"], digraphs=meta.get("digraphs", True))
        bm25 = bm25s.BM25.load(str(directory)) if meta["size"] else None
        return cls(bm25, analyzer, int(meta["size"]))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score for every row (0 where no query term matches)."""
        terms = self.analyzer.terms(query)
        if self._bm25 is None or not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
