"""German lexical analysis for BM25: folding, stop words, Snowball stems, decompounding."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import Stemmer

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e", "á": "a", "à": "a"})
_DIGRAPH = re.compile(r"(?<=[a-z])(ae|oe|ue)")
MIN_PART = 4
MIN_COMPOUND = 8
# BM25 terms do not fold ae/oe/ue spellings: the Snowball stemmer already maps them for
# stemmed words, and folding them rewrote ordinary words (Steuer -> steur, Quelle -> qulle).
# Measured on GermanQuAD and the gold sets: no loss (README, tools/folding_ablation.py).
BM25_DIGRAPHS = False


@lru_cache(maxsize=2)
def stopwords(digraphs: bool = BM25_DIGRAPHS) -> frozenset[str]:
    raw = resources.files("foerderberater").joinpath("data/stopwords_de.txt").read_text("utf-8")
    return frozenset(fold(w, digraphs=digraphs) for w in raw.split())


def _undigraph(word: str) -> str:
    """'waerme' -> 'warme': ae/oe/ue spellings agree with folded umlauts."""
    return _DIGRAPH.sub(lambda m: m.group(1)[0], word)


def fold(word: str, *, digraphs: bool = True) -> str:
    """Lower-case and fold umlauts (and, with ``digraphs``, ae/oe/ue spellings) so "Wärme",
    "WÄRME" and "Waerme" agree (place names are matched this way). ``digraphs`` also rewrites
    ordinary words ("Steuer" -> "steur"), so BM25 terms do without it (``BM25_DIGRAPHS``)."""
    folded = unicodedata.normalize("NFC", word).casefold().translate(_FOLD)
    return _undigraph(folded) if digraphs else folded


def raw_tokens(text: str, *, digraphs: bool = BM25_DIGRAPHS) -> list[str]:
    """Folded surface tokens; hyphen/slash compounds yield their parts and the joined form."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_FOLD)
    keep = _undigraph if digraphs else str
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        parts = re.split(r"[-/]", tok)
        if len(parts) > 1:
            out.extend(keep(p) for p in parts if p)
            out.append(keep("".join(parts)))
        else:
            out.append(keep(tok))
    return out


class GermanAnalyzer:
    """Turns text into BM25 terms. ``vocabulary`` (folded corpus words) enables decompounding;
    ``digraphs`` folds ae/oe/ue spellings like umlauts before stemming."""

    def __init__(self, vocabulary: Iterable[str] = (), *, digraphs: bool = BM25_DIGRAPHS) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self.digraphs = digraphs
        self._stop = stopwords(digraphs)
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= MIN_PART)
        self._split_cache: dict[str, tuple[str, ...]] = {}

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word)

    def terms(self, text: str) -> list[str]:
        terms: list[str] = []
        for tok in raw_tokens(text, digraphs=self.digraphs):
            if tok in self._stop or (len(tok) < 2 and not tok.isdigit()):
                continue
            terms.append(self.stem(tok))
            for part in self.split_compound(tok):
                if part not in self._stop:
                    terms.append(self.stem(part))
        return terms

    def split_compound(self, word: str) -> tuple[str, ...]:
        """Split a compound into corpus words: "wasserstoffprojekte" -> (wasserstoff, projekte)."""
        if len(word) < MIN_COMPOUND or not self.vocabulary or not word.isalpha():
            return ()
        cached = self._split_cache.get(word)
        if cached is None:
            cached = self._split(word, depth=0) or ()
            self._split_cache[word] = cached
        return cached

    def _split(self, word: str, depth: int) -> tuple[str, ...] | None:
        if depth > 2:
            return None
        for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, rest = word[:i], word[i:]
            if head not in self.vocabulary:
                continue
            for tail in (rest, rest[1:] if rest[:1] == "s" else None):
                if not tail or len(tail) < MIN_PART:
                    continue
                if tail in self.vocabulary or self._stem_known(tail):
                    return (head, tail)
                deeper = self._split(tail, depth + 1)
                if deeper:
                    return (head, *deeper)
        return None

    def _stem_known(self, word: str) -> bool:
        stem = self.stem(word)
        return len(stem) >= MIN_PART and stem in self.vocabulary


def vocabulary_of(texts: Iterable[str], *, digraphs: bool = BM25_DIGRAPHS) -> set[str]:
    """Folded alphabetic corpus words usable as compound parts (stop words excluded)."""
    stop = stopwords(digraphs)
    vocab: set[str] = set()
    for text in texts:
        for tok in raw_tokens(text, digraphs=digraphs):
            if tok.isalpha() and len(tok) >= MIN_PART and tok not in stop:
                vocab.add(tok)
    return vocab
