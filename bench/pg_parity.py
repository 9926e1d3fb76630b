"""Embedded (FAISS + bm25s) vs PostgreSQL (pgvector + lexical options) on GermanQuAD, one run.

    .venv/bin/python bench/pg_parity.py [--beir ../shared/benchmarks/germanquad] [--limit N]

Both backends index the same chunks with the same vectors: the real e5 embeddings, computed once
and cached by text hash (bench/embcache.py, default cache /work/notes/pg_cache). The embedded
index is built by the normal builder; the PostgreSQL version is written from its chunks and
vectors (what the builder would hand to PgIndex). Query vectors are cached too, so the
latencies below are retrieval only (no query embedding). Results: bench/results/pg_parity.*.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from embcache import CachedEmbedder  # noqa: E402

from foerderberater.advisor import Advisor  # noqa: E402
from foerderberater.evaluation import load_beir, mrr_at, ndcg_at, recall_at, unique_docs  # noqa: E402
from foerderberater.settings import Settings  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timing(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(1000 * statistics.median(values), 2),
        "p95_ms": round(1000 * pct(values, 0.95), 2),
    }


def score(ranked_by_q: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict:
    rows = [
        (
            ndcg_at(r, qrels[q], 10),
            mrr_at(r, qrels[q], 10),
            recall_at(r, qrels[q], 5),
            recall_at(r, qrels[q], 10),
        )
        for q, r in ranked_by_q.items()
    ]
    names = ("ndcg@10", "mrr@10", "recall@5", "recall@10")
    return {n: round(statistics.fmean(r[i] for r in rows), 4) for i, n in enumerate(names)}


def write_corpus(corpus: dict, directory: Path) -> dict[str, str]:
    """Same files as ``evaluation.eval_beir`` writes (so chunks and vectors are identical)."""
    name_of = {}
    for n, (cid, (title, text)) in enumerate(corpus.items()):
        stem = f"d{n:07d}"
        name_of[stem] = cid
        head = f"# {title}\n\n" if title else ""
        (directory / f"{stem}.md").write_text(head + text + "\n", encoding="utf-8")
    return name_of


def run_mode(retriever, version, qids, queries, name_of, mode: str, k: int) -> tuple[dict, dict]:  # noqa: ANN001
    ranked, times = {}, []
    for qid in qids:
        t0 = time.perf_counter()
        if mode == "dense":
            rows = [r for r, _ in retriever.dense(queries[qid], k, None)]
        elif mode == "lexical":
            rows = [r for r, _ in retriever.lexical(queries[qid], k, None)]
        else:
            rows = None
            chunks = [h.chunk for h in retriever.search(queries[qid], None, k)]
        if rows is not None:
            chunks = version.chunks_by_rows(rows)
        times.append(time.perf_counter() - t0)
        ranked[qid] = [name_of.get(s, s) for s in unique_docs([c.slug for c in chunks])]
    return ranked, timing(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--beir", type=Path, default=ROOT.parent / "shared/benchmarks/germanquad")
    ap.add_argument("--cache", type=Path, default=Path("/work/notes/pg_cache"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--modes", default="memory,sqlbm25,tsrank")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/pg_parity")
    args = ap.parse_args()
    if not (args.beir / "corpus.jsonl").exists():
        print(f"GermanQuAD fehlt: {args.beir}", file=sys.stderr)
        return 2

    import pgserver

    from foerderberater.embedding import E5Embedder
    from foerderberater.pg_db import PgDatabase
    from foerderberater.pg_retrieval import PgRetriever
    from foerderberater.pg_store import PgIndex
    from foerderberater.pg_version import PgVersion

    corpus, queries, qrels = load_beir(args.beir)
    qids = [q for q in queries if q in qrels][: args.limit or None]
    emb = CachedEmbedder(E5Embedder(), args.cache, "germanquad")
    res: dict = {"dataset": str(args.beir), "queries": len(qids), "passages": len(corpus)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "corpus").mkdir()
        name_of = write_corpus(corpus, tmp_path / "corpus")
        settings = replace(Settings(), corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "ix")
        adv = Advisor(settings, embedder=emb)
        t0 = time.perf_counter()
        report = adv.build(full=True)
        res["embedded_build_s"] = round(time.perf_counter() - t0, 2)
        res["chunks"] = report.chunks
        res["embed_cache_misses"] = emb.misses
        emb.flush()
        retr = adv.retriever()
        version = retr.version
        k = settings.candidate_k
        for q in qids:  # warm the query cache (misses are embedded once, then cached)
            emb.embed_query(queries[q])
        emb.flush()
        emb_ranked, res["embedded"] = {}, {}
        for mode in ("dense", "lexical", "hybrid"):
            ranked, lat = run_mode(retr, version, qids, queries, name_of, mode, k)
            emb_ranked[mode] = ranked
            res["embedded"][mode] = {**score(ranked, qrels), **lat}
        print(json.dumps(res["embedded"]), flush=True)

        docs = list(version.docs.values())
        chunks = version.chunks_by_rows(list(range(len(version))))
        vectors = np.vstack([version.faiss.reconstruct(int(c.chunk_id)) for c in chunks])
        server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete")
        try:
            db = PgDatabase(server.get_uri())
            index = PgIndex(db)
            index.migrate()
            t0 = time.perf_counter()
            name = index.write_version(version.manifest, docs, chunks, vectors)
            res["pg_write_s"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            index.publish(name)
            res["pg_publish_ms"] = round(1000 * (time.perf_counter() - t0), 2)
            res["postgres"] = {}
            for lex in args.modes.split(","):
                t0 = time.perf_counter()
                pv = index.open_current(emb.name, lexical_mode=lex)
                open_s = time.perf_counter() - t0
                pr = PgRetriever(pv, emb, settings)
                out: dict = {"open_s": round(open_s, 3)}
                for mode in ("dense", "lexical", "hybrid"):
                    if mode == "dense" and res["postgres"]:
                        continue  # dense does not depend on the lexical mode
                    ranked, lat = run_mode(pr, pv, qids, queries, name_of, mode, k)
                    out[mode] = {**score(ranked, qrels), **lat}
                    same = sum(ranked[q][:10] == emb_ranked[mode][q][:10] for q in qids)
                    out[mode]["same_top10_as_embedded"] = round(same / len(qids), 4)
                res["postgres"][lex] = out
                print(lex, json.dumps(out), flush=True)
            # HNSW recall vs exact (same database, same vectors)
            pv = PgVersion(db, index.current()[0])
            hnsw = PgRetriever(pv, emb, settings)
            exact = PgRetriever(pv, emb, settings, exact=True)
            recall = []
            for q in qids[:300]:
                qv = emb.embed_query(queries[q])
                a = {r for r, _ in hnsw.dense_vector(qv, k)}
                b = {r for r, _ in exact.dense_vector(qv, k)}
                recall.append(len(a & b) / max(1, len(b)))
            res["hnsw_recall_at_50_vs_exact"] = round(statistics.fmean(recall), 4)
            db.close()
        finally:
            server.cleanup()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
