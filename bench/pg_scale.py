"""Scale figures of the PostgreSQL backend next to the embedded one (preliminary, shared CPU).

    .venv/bin/python bench/pg_scale.py --sizes 10000,200000 [--seed-index DIR]

For each size N a synthetic index is made from a real seed index exactly as bench/synth.py does
(copy 0 real; further copies: real chunk texts with shuffled sentences, real vectors + noise,
re-normalised). The same chunks and vectors go into an embedded version (FAISS flat + bm25s,
the normal store) and into a PostgreSQL version (PgIndex). Questions: eval/gold.yaml, embedded
once with the real e5 (cached). Measured per question: retrieval of the ask path (dense +
lexical + RRF fusion + chunk fetch, query vector given), unfiltered and with Land=Sachsen;
HNSW recall@50 against exact search for several ef_search; write/HNSW build times.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from embcache import CachedEmbedder  # noqa: E402
from synth import _noisy, _shuffle_text  # noqa: E402

from foerderberater.filters import Filters  # noqa: E402
from foerderberater.settings import Settings  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def lat(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(1000 * statistics.median(values), 2),
        "p95_ms": round(1000 * pct(values, 0.95), 2),
    }


def synth(seed_index: Path, n: int, seed: int = 7):  # noqa: ANN201
    import faiss

    from foerderberater.store import DocRecord, IndexVersion, read_manifest
    from foerderberater.types import Chunk

    vdir, manifest = read_manifest(seed_index)
    base = IndexVersion(vdir, manifest)
    chunks = base.chunks_by_rows(list(range(len(base))))
    vecs = faiss.downcast_index(base.faiss.index).reconstruct_n(0, len(base))
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    out_c, out_v, docs, copy = [], [], {}, 0
    while len(out_c) < n:
        for c, v in zip(chunks, vecs, strict=True):
            if len(out_c) >= n:
                break
            if copy == 0:
                doc_id, slug, text, vec = c.doc_id, c.slug, c.text, v
            else:
                doc_id, slug = f"synth{copy:04d}/{c.doc_id}", f"{c.slug}~{copy}"
                text = _shuffle_text(c.text, rng)
                vec = _noisy(v, nrng, 1.0)
                vec = vec / np.linalg.norm(vec)
            rec = base.docs[c.doc_id]
            docs.setdefault(
                doc_id,
                DocRecord(doc_id, slug, rec.title, rec.kind, rec.sha256, rec.n_pages, rec.metadata),
            )
            cid = Chunk.make_id(doc_id, c.ordinal, text)
            out_c.append(Chunk(cid, doc_id, slug, c.title, c.section, c.pages, c.ordinal, text))
            out_v.append(vec)
        copy += 1
    base.close()
    order = sorted(range(len(out_c)), key=lambda i: (out_c[i].doc_id, out_c[i].ordinal))
    out_c = [out_c[i] for i in order]
    matrix = np.vstack([out_v[i] for i in order]).astype(np.float32)
    man = dict(manifest, chunks=len(out_c), documents=len(docs), files={})
    return man, sorted(docs.values(), key=lambda d: d.doc_id), out_c, matrix


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,200000")
    ap.add_argument("--seed-index", type=Path, default=Path("/work/notes/pg_cache/seed_index"))
    ap.add_argument("--cache", type=Path, default=Path("/work/notes/pg_cache"))
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--ef-search", default="40,100,200")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/pg_scale")
    ap.add_argument("--recall-only", action="store_true", help="HNSW build + recall only")
    ap.add_argument("--sqlbm25-max", type=int, default=20000, help="skip SQL BM25 above N chunks")
    args = ap.parse_args()

    import signal

    import faiss
    import pgserver
    import psutil
    import yaml

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run cleanups (stop the server)

    from foerderberater.embedding import E5Embedder
    from foerderberater.pg_db import PgDatabase
    from foerderberater.pg_retrieval import PgRetriever
    from foerderberater.pg_store import HnswParams, PgIndex
    from foerderberater.retrieval import Retriever
    from foerderberater.store import IndexVersion, write_version

    gold = yaml.safe_load((ROOT / "eval/gold.yaml").read_text("utf-8"))["fragen"]
    questions = [g["frage"] for g in gold]
    emb = CachedEmbedder(E5Embedder(), args.cache, "gold")
    qvecs = {q: emb.embed_query(q) for q in questions}
    emb.flush()
    settings = Settings()
    sachsen = Filters(land="Sachsen")
    filters = (  # share of the seed's chunks passing: 100 %, ~80 %, 4.4 %, 1.4 %
        ("all", None),
        ("sachsen", sachsen),
        ("buergschaft", Filters(foerderart="Bürgschaft")),
        ("steuer", Filters(foerderart="Steuerliche Förderung")),
    )
    res: dict = {
        "questions": len(questions),
        "hnsw": {"m": args.m, "ef_construction": args.ef_construction},
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete")
        try:
            db = PgDatabase(server.get_uri())
            index = PgIndex(db, HnswParams(args.m, args.ef_construction))
            index.migrate()
            for n in [int(x) for x in args.sizes.split(",")]:
                out: dict = {}
                t0 = time.perf_counter()
                manifest, docs, chunks, vecs = synth(args.seed_index, n)
                out["synth_s"] = round(time.perf_counter() - t0, 1)
                ev = None
                if not args.recall_only:  # embedded
                    t0 = time.perf_counter()
                    fx = faiss.IndexIDMap2(faiss.IndexFlatIP(vecs.shape[1]))
                    fx.add_with_ids(vecs, np.array([c.chunk_id for c in chunks], dtype=np.int64))
                    vdir = tmp_path / f"emb{n}"
                    write_version(vdir, manifest, docs, chunks, fx, [])
                    out["embedded_write_s"] = round(time.perf_counter() - t0, 1)
                    ev = IndexVersion(vdir, manifest)
                    er = Retriever(ev, emb, settings)
                # postgres
                timings: dict[str, float] = {}
                t0 = time.perf_counter()
                name = index.write_version(manifest, docs, chunks, vecs, timings=timings)
                out["pg_write_s"] = round(time.perf_counter() - t0, 1)
                out["pg_write_phases_s"] = timings
                t0 = time.perf_counter()
                index.publish(name)
                out["pg_publish_ms"] = round(1000 * (time.perf_counter() - t0), 1)
                table = f"chunks_v{index.current()[0]}"
                with db.connection() as conn:
                    size = "SELECT pg_total_relation_size(%s)"
                    out["pg_sizes_mb"] = {
                        rel: round(conn.execute(size, (rel,)).fetchone()[0] / 2**20, 1)
                        for rel in (table, f"{table}_hnsw", f"{table}_terms")
                    }
                    blobs = "SELECT sum(octet_length(data)) FROM version_blobs"
                    out["pg_blobs_mb"] = round(conn.execute(blobs).fetchone()[0] / 2**20, 1)
                modes = ("memory", "sqlbm25") if n <= args.sqlbm25_max else ("memory",)
                if args.recall_only:
                    modes = ()
                    pv = index.open_current(None, lexical_mode=None)
                for lex in modes:
                    rss0 = psutil.Process().memory_info().rss
                    t0 = time.perf_counter()
                    pv = index.open_current(None, lexical_mode=lex)
                    out[f"pg_open_{lex}_s"] = round(time.perf_counter() - t0, 2)
                    out[f"pg_open_{lex}_rss_mb"] = round(
                        (psutil.Process().memory_info().rss - rss0) / 2**20, 1
                    )
                    pr = PgRetriever(pv, emb, settings)
                    for label, flt in filters:
                        for backend, r in ((f"pg_{lex}", pr), ("embedded", er)):
                            if backend == "embedded" and lex != "memory":
                                continue
                            times, dense_t, lex_t = [], [], []
                            for q in questions:
                                t0 = time.perf_counter()
                                if backend == "embedded":
                                    mask = r.allowed_rows(flt)
                                    d = r.dense(q, settings.candidate_k, mask)
                                    t1 = time.perf_counter()
                                    lx = r.lexical(q, settings.candidate_k, mask)
                                else:
                                    d = r.dense(q, settings.candidate_k, flt)
                                    t1 = time.perf_counter()
                                    lx = r.lexical(q, settings.candidate_k, flt)
                                t2 = time.perf_counter()
                                r.fuse(d, lx)
                                t3 = time.perf_counter()
                                times.append(t3 - t0)
                                dense_t.append(t1 - t0)
                                lex_t.append(t2 - t1)
                            out[f"{backend}_{label}"] = {
                                "retrieval": lat(times),
                                "dense": lat(dense_t),
                                "lexical": lat(lex_t),
                            }
                            print(n, backend, label, out[f"{backend}_{label}"], flush=True)
                exact = PgRetriever(pv, emb, settings, exact=True)
                for label, flt in filters:
                    truth = {
                        q: {r for r, _ in exact.dense_vector(qvecs[q], 50, flt)} for q in questions
                    }
                    passing = len(exact.dense_vector(qvecs[questions[0]], n, flt))
                    out[f"rows_passing_{label}"] = passing
                    for ef in [int(x) for x in args.ef_search.split(",")]:
                        hn = PgRetriever(pv, emb, settings, ef_search=ef)
                        rec, ts = [], []
                        for q in questions:
                            t0 = time.perf_counter()
                            got = {r for r, _ in hn.dense_vector(qvecs[q], 50, flt)}
                            ts.append(time.perf_counter() - t0)
                            rec.append(len(got & truth[q]) / max(1, len(truth[q])))
                        out[f"recall50_ef{ef}_{label}"] = {
                            "recall": round(statistics.fmean(rec), 4),
                            **lat(ts),
                        }
                        print(n, "ef", ef, label, out[f"recall50_ef{ef}_{label}"], flush=True)
                if ev is not None:
                    ev.close()
                res["sizes"][str(n)] = out
                with index.build_lock():
                    index.gc(keep=1)
            db.close()
        finally:
            server.cleanup()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
