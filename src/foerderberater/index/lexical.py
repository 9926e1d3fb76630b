"""BM25 lexical index over chunk texts with the German analyzer (no pickle on disk)."""

from __future__ import annotations

import json
import math
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

    def doc_freq(self, term: str) -> int:
        """In how many chunks an analysed term occurs (0 for unknown terms)."""
        if self._bm25 is None:
            return 0
        tid = self._bm25.vocab_dict.get(term)
        if tid is None:
            return 0
        indptr = self._bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def idf(self, term: str) -> float:
        """BM25 inverse document frequency of an analysed term (unknown terms weigh most)."""
        df = self.doc_freq(term)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def knows(self, word: str) -> bool:
        """Does the indexed text contain ``word`` (after the same analysis)?"""
        terms = self.analyzer.terms(word)
        return bool(terms) and all(self.doc_freq(t) > 0 for t in terms[:1])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score for every row (0 where no query term matches)."""
        terms = self.analyzer.terms(query)
        if self._bm25 is None or not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
