"""Build the answer engine of one index version (names, sentences, vocabulary)."""

from __future__ import annotations

import re

from foerderberater.answer.engine import AnswerEngine, DocInfo
from foerderberater.answer.scope import ScopeData
from foerderberater.core.schema import ProgrammeMeta
from foerderberater.index.analysis import fold
from foerderberater.index.store import IndexVersion
from foerderberater.search.catalogue import Catalogue, Named

COMMON_SHARE = 0.1  # a one-word alias in more than 10 % of the chunks is an ordinary word
_WORD = re.compile(r"[\w.-]+")


def build_engine(version: IndexVersion) -> AnswerEngine:
    docs = {d.doc_id: DocInfo(d.doc_id, d.slug, d.title, d.meta) for d in version.docs.values()}
    lexical = version.lexical

    def is_common(word: str) -> bool:
        terms = lexical.analyzer.terms(word)
        return bool(terms) and lexical.doc_freq(terms[0]) > COMMON_SHARE * max(1, lexical.size)

    named = [
        Named(
            d.doc_id,
            d.slug,
            d.title,
            getattr(d.meta, "kurzname", None) or getattr(d.meta, "kurztitel", None),
            tuple(str(a) for a in (d.meta.json_value("aliase") or ())),
        )
        for d in docs.values()
    ]
    meta_words = {
        fold(w.strip(".-"))
        for d in docs.values()
        for value in d.meta.to_json().values()
        for w in _WORD.findall(str(value))
    }

    def known(word: str) -> bool:
        return lexical.knows(word) or fold(word.strip(".-")) in meta_words

    def gebiet_of(doc_id: str) -> tuple[str, ...]:
        meta = docs[doc_id].meta
        return tuple(meta.foerdergebiet) if isinstance(meta, ProgrammeMeta) else ()

    return AnswerEngine(
        docs,
        Catalogue(named, is_common),
        version.sentences,
        lexical.analyzer,
        lexical.idf,
        known,
        lambda doc_id: docs[doc_id].meta.dokumenttyp,
        gebiet_of,
        ScopeData.load(),
    )
