"""Recognise the programmes and studies a question names ("ZIM", "KfW-Kredit 270", "EXIST").

Aliases come from the metadata: ``kurzname``/``kurztitel``, the title and its parts (pieces
between dashes, abbreviations in parentheses), the slug, and an optional ``aliase`` list in the
front matter. Acronyms match case-sensitively ("STARK", not the adjective "stark"); one-word
aliases that are ordinary words of the corpus ("Innovation") are dropped. When several
programmes share a head ("GRW", "EXIST", "JTF"), all of them are returned and the caller
narrows them by Land.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from foerderberater.index.analysis import fold

_SPLIT = re.compile(r"[^\wäöüß|.]+", re.I)
_PAREN = re.compile(r"\(([^)]{2,40})\)")
_WORD = re.compile(r"[\wÄÖÜäöüß|.]+")
_INFLECTION = frozenset({"", "s", "es", "n", "en", "e", "er", "ern"})
_GENERIC = frozenset(
    [
        "förderung",
        "programm",
        "förderprogramm",
        "zuschuss",
        "kredit",
        "darlehen",
        "richtlinie",
        "fonds",
        "bund",
        "land",
        "sachsen",
        "thüringen",
        "sachsen",
        "anhalt",
        "eu",
        "kfw",
        "erp",
        "bafa",
        "sab",
        "tab",
        "ib",
        "u.",
        "a.",
        "und",
        "für",
        "der",
        "die",
        "das",
        "des",
        "von",
        "im",
        "in",
        "mit",
    ]
)


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("–", " ").replace("-", " ").replace("/", " ")
    return " ".join(_SPLIT.split(text)).strip()


_ENDINGS = ("ern", "er", "en", "es", "em", "e", "n", "s")
_LANDS = re.compile(r"\s+(Sachsen-Anhalt|Sachsen|Thüringen)$")
_LAND_NAMES = re.compile(r"\b(Sachsen-Anhalt|Sachsen(?!-)|Thüringen)\b")


def _stem(token: str) -> str:
    """A word without its adjective/plural ending ("sächsische" ~ "sächsischer")."""
    for end in _ENDINGS:
        if token.endswith(end) and len(token) - len(end) >= 4:
            return token[: -len(end)]
    return token


_NEGATION = re.compile(r"\b(?:nicht|kein|keine|keinen|keiner)\b(?!\s+nur\b)[^.?!,;:]{0,25}$", re.I)


# "Die GRW passt wohl nicht für uns – welcher Zuschuss dann?"
_RULED_OUT = re.compile(
    r"[^.?!,;:–]{0,25}?\b(?:(?:passt|hilft)\b(?:\s+\w+){0,5}?\s+nicht\b|"
    r"kommt\b(?:\s+\w+){0,3}?\s+nicht in frage)",
    re.I,
)


def _negated(question: str, alias: Alias) -> bool:
    """ "Wir fallen nicht unter die GRW", "Die GRW passt nicht": the name is ruled out."""
    first = re.escape(alias.text.split()[0])
    m = re.search(rf"(?<![\wÄÖÜäöü]){first}", question, 0 if alias.exact_case else re.I)
    if m is None:
        return False
    return bool(_NEGATION.search(question[: m.start()]) or _RULED_OUT.match(question[m.end() :]))


def tokens(text: str) -> list[str]:
    return [t for t in norm(text).split() if t]


@dataclass(frozen=True)
class Alias:
    doc_id: str
    text: str  # as written; acronyms match case-sensitively
    tokens: tuple[str, ...]
    exact_case: bool
    strength: int  # longer aliases win over shorter ones
    land: str | None = None  # "Meisterbonus" from "Meisterbonus Sachsen": not for another Land

    @cached_property
    def stems(self) -> frozenset[str]:
        """Tokens without endings, umlauts and ae/oe/ue folded ("sächsischer" ~ "saechsische")."""
        return frozenset(_stem(fold(t)) for t in self.tokens)


@dataclass(frozen=True)
class _Words:
    """A question's tokens as the aliases are matched against them."""

    words: frozenset[str]
    joined: str  # " token token … " for phrase matches
    stems: frozenset[str]  # folded, without endings

    @staticmethod
    def of(question: str) -> _Words:
        # "der KfW-270er" names "KfW 270"
        toks = [t[:-2] if t.endswith("er") and t[:-2].isdigit() else t for t in tokens(question)]
        words = frozenset(toks)
        return _Words(words, f" {' '.join(toks)} ", frozenset(_stem(fold(w)) for w in words))


@dataclass(frozen=True)
class Named:
    """One indexable document for the catalogue."""

    doc_id: str
    slug: str
    title: str
    short: str | None
    extra: tuple[str, ...] = ()


def _is_acronym(name: str) -> bool:
    return name.isupper() and len(name) <= 6


def _aliases_for(doc: Named) -> set[str]:
    names = {doc.title, doc.slug.replace("-", " "), *doc.extra}
    if doc.short:
        names.add(doc.short)

        names.update(p.strip() for p in _PAREN.findall(doc.short))
        names.add(_PAREN.sub("", doc.short).strip())
        # "ERP-Förderkredit Digitalisierung / Innovation": multi-word pieces only
        pieces = (p.strip() for p in re.split(r"\s*/\s*", doc.short))
        names.update(p for p in pieces if " " in p)
    for part in _PAREN.findall(doc.title):
        for piece in re.split(r",|;|\bu\. a\.", part):
            if 2 <= len(piece.strip()) <= 40:
                names.add(piece.strip())
    for piece in re.split(r"\s+[–-]\s+", doc.title):
        if 3 <= len(piece) <= 60:
            names.add(_PAREN.sub("", piece).strip())
    return {n for n in names if n and norm(n) not in _GENERIC and len(norm(n)) >= 3}


class Catalogue:
    """Programme and study names → doc ids."""

    def __init__(
        self, docs: Iterable[Named], is_common: Callable[[str], bool] = lambda _w: False
    ) -> None:
        self.aliases: list[Alias] = []
        for doc in docs:
            names = _aliases_for(doc)
            acronyms = {norm(n) for n in names if _is_acronym(n)}
            for name in names:
                toks = tuple(tokens(name))
                if not toks or len(toks) > 8:
                    continue
                if norm(name) in acronyms and not name.isupper():
                    continue  # the slug "stark" is the acronym STARK, matched case-sensitively
                if len(toks) == 1 and is_common(toks[0]) and not name.isupper():
                    continue  # an ordinary word ("Innovation") names no programme
                self.aliases.append(Alias(doc.doc_id, name, toks, _is_acronym(name), len(toks)))
            # "Meisterbonus Sachsen" is also just "der Meisterbonus" (unless another Land is named)
            short = _PAREN.sub("", doc.short or "").strip()
            land = _LANDS.search(short)
            bare = tuple(tokens(_LANDS.sub("", short)))
            if land and bare and not (len(bare) == 1 and is_common(bare[0])):
                self.aliases.append(Alias(doc.doc_id, short, bare, False, len(bare), land[1]))
        heads: dict[str, set[str]] = defaultdict(set)
        for a in self.aliases:
            first = a.text.split()[0]
            if _is_acronym(first) and len(first) >= 2 and len(a.tokens) > 1:
                heads[first].add(a.doc_id)
        for head, doc_ids in heads.items():
            if norm(head) not in _GENERIC:
                for doc_id in doc_ids:
                    self.aliases.append(Alias(doc_id, head, (norm(head),), True, 1))

    def _matches(self, alias: Alias, question: str, q: _Words) -> bool:
        if alias.exact_case:
            pattern = rf"(?<![\wÄÖÜäöü]){re.escape(alias.text)}(?![a-zäöüß])"
            return re.search(pattern, question) is not None
        if len(alias.tokens) == 1:
            tok = alias.tokens[0]
            return any(w.startswith(tok) and w[len(tok) :] in _INFLECTION for w in q.words)
        if f" {' '.join(alias.tokens)} " in q.joined or set(alias.tokens) <= q.words:
            return True
        # "der sächsische Meisterbonus" names "Sächsischer Meisterbonus", "FTI-Thüringen" the
        # slug "fti thueringen" (umlauts and ae/oe/ue spellings folded alike on both sides)
        return alias.stems <= q.stems

    def proper_name_of(self, doc_id: str, question: str) -> bool:
        """``question`` names ``doc_id`` by more than a topic word: several words or a name in
        capitals ("REVIERKOMPASS", "Potenzialstudie Industrie- und Gewerbeflächen")."""
        q = _Words.of(question)
        return any(
            a.doc_id == doc_id
            and (len(a.tokens) > 1 or a.text.isupper())
            and self._matches(a, question, q)
            for a in self.aliases
        )

    def heads_of(self, doc_id: str) -> list[str]:
        """Names ``doc_id`` shares with programmes of other Länder ("GRW", "Landesbürgschaft")."""
        return [
            a.text if a.exact_case else " ".join(a.tokens)
            for a in self.aliases
            if a.doc_id == doc_id and (a.land or (a.exact_case and len(a.tokens) == 1))
        ]

    def find(self, question: str) -> list[str]:
        """Doc ids named in ``question``, the longest (most specific) names first."""
        q = _Words.of(question)
        best: dict[str, Alias] = {}
        named_lands = {m[1] for m in _LAND_NAMES.finditer(question)}
        for alias in self.aliases:
            if alias.land and named_lands and alias.land not in named_lands:
                continue
            matched = self._matches(alias, question, q)
            if matched and not _negated(question, alias):
                held = best.get(alias.doc_id)
                if held is None or alias.strength > held.strength:
                    best[alias.doc_id] = alias
        # a name inside a longer matched name ("GRW" in "GRW Sachsen") names nothing of its
        # own; two different names ("StartGeld" and "ERP-Förderkredit KMU") both count
        kept = [
            a
            for a in best.values()
            if not any(
                b.doc_id != a.doc_id and b.strength > a.strength and set(a.tokens) <= set(b.tokens)
                for b in best.values()
            )
        ]
        return [a.doc_id for a in sorted(kept, key=lambda a: (-a.strength, a.doc_id))]
