"""Quality parity of the two storage backends, measured side by side in one run.

    .venv/bin/python bench/pg_parity.py [--beir DIR] [--seed-index DIR] [--limit N]

1. GermanQuAD (BEIR copy in ../shared; skipped with a note when missing): the passages are
   chunked by the project's chunker and embedded with the real e5 (vectors cached by text hash
   in bench/.cache/pg, so both backends get the same vectors); one version is published into
   the embedded store and the same version into PostgreSQL. nDCG@10, MRR@10, Recall@5 per
   retrieval mode (dense, lexical, hybrid) for both, plus the share of identical top-10 lists
   and retrieval latency (query vector given).
2. The gold set (eval/gold.yaml) through the whole answer path (``evaluate_gold`` =
   ``Advisor.ask`` on the file's stichtag) on the starter corpus: the project's e5 index
   (``--seed-index``, default ./index) and the same version moved into PostgreSQL with
   ``copy_version``; Recall@5, MRR, abstention and the number of identical answers.

Writes bench/results/pg_parity.json. Sentences are left out of the GermanQuAD versions
(retrieval only: the answer path is measured in part 2).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pg_common import CACHE, MAIN_INDEX, RESULTS, ROOT, latency, pg_server, pg_settings

from foerderberater.core.settings import Settings

GERMANQUAD = ROOT.parent / "shared" / "benchmarks" / "germanquad"
MODES = ("dense", "lexical", "hybrid")


def germanquad_version(beir: Path, workdir: Path, embedder: Any, settings: Settings) -> Any:
    """Chunks and e5 vectors of the GermanQuAD passages as a ``VersionData`` (no sentences)."""
    from foerderberater import __version__
    from foerderberater.evaluation.beir import load_beir, write_corpus
    from foerderberater.index.backend import VersionData
    from foerderberater.index.builder import chunker_config
    from foerderberater.index.chunking import Chunker
    from foerderberater.index.embedding import describe
    from foerderberater.index.ingest import file_sha256, load_document
    from foerderberater.index.lexical import ANALYZER_NAME
    from foerderberater.index.store import SCHEMA_VERSION, DocRecord

    corpus, queries, qrels = load_beir(beir)
    corpus_dir = workdir / "corpus"
    name_of = write_corpus(corpus, corpus_dir)
    cfg = chunker_config(settings, embedder)
    chunker = Chunker(cfg, embedder.count_tokens)
    docs, chunks = [], []
    for path in sorted(corpus_dir.iterdir()):
        doc = load_document(path, corpus_dir, file_sha256(path))
        docs.append(DocRecord(doc.doc_id, doc.slug, doc.title, doc.sha256, 0, doc.meta))
        chunks.extend(chunker.chunk(doc))
    t0 = time.perf_counter()
    vectors = embedder.embed_passages([c.embedding_text() for c in chunks])
    embed_s = time.perf_counter() - t0
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "embedder": describe(embedder),
        "chunker": cfg.as_dict(),
        "lexical": {"analyzer": ANALYZER_NAME},
        "documents": len(docs),
        "chunks": len(chunks),
        "sentences": 0,
    }
    data = VersionData(
        "germanquad",
        manifest,
        docs,
        chunks,
        np.asarray(vectors, dtype=np.float32),
        [],
        [],
        np.zeros((0, embedder.dim), np.float32),
        embedder.dim,
    )
    return data, queries, qrels, name_of, embed_s


def publish(backend: Any, data: Any) -> dict[str, float]:
    t0 = time.perf_counter()
    with backend.build_session(full=True) as session:
        session.publish(data)
    out = {"write_publish_s": round(time.perf_counter() - t0, 2)}
    out.update(getattr(session, "timings", {}))
    return out


def bench_germanquad(beir: Path, limit: int | None, server: Any) -> dict[str, Any]:
    from embcache import CachedEmbedder

    from foerderberater.advisor import Advisor
    from foerderberater.evaluation.beir import ranked
    from foerderberater.evaluation.metrics import mrr_at, ndcg_at, recall_at
    from foerderberater.index.backend import FileBackend
    from foerderberater.index.embedding import E5Embedder
    from foerderberater.index.pg.backend import PgBackend

    embedder = CachedEmbedder(E5Embedder(), CACHE, "germanquad")
    work = Path(tempfile.mkdtemp(prefix="fb-gq-"))
    try:
        base = Settings(corpus_dir=work / "corpus", index_dir=work / "index")
        data, queries, qrels, name_of, embed_s = germanquad_version(beir, work, embedder, base)
        url = server.new_database()
        backends = {
            "embedded": (FileBackend(base.index_dir), base),
            "postgresql": (
                PgBackend(base.with_overrides(database_url=url)),
                base.with_overrides(database_url=url),
            ),
        }
        out: dict[str, Any] = {
            "dataset": str(beir),
            "passages": len(data.docs),
            "chunks": len(data.chunks),
            "embed_misses": embedder.misses,
            "embed_s": round(embed_s, 1),
            "pg_server": dict(pg_settings(url)),
        }
        qids = [q for q in queries if q in qrels][: limit or None]
        qvecs = {q: embedder.embed_query(queries[q]) for q in qids}
        embedder.flush()
        runs: dict[str, dict[str, list[list[str]]]] = {}
        for name, (backend, settings) in backends.items():
            out[f"{name}_write"] = publish(backend, data)
            retriever = Advisor(settings, embedder=embedder, backend=backend).retriever()
            res: dict[str, Any] = {}
            runs[name] = {}
            for mode in MODES:
                scores, times, lists = [], [], []
                for q in qids:
                    t0 = time.perf_counter()
                    got = ranked(retriever, queries[q], mode, qvecs[q])
                    times.append(time.perf_counter() - t0)
                    got = [name_of.get(r, r) for r in got]
                    lists.append(got[:10])
                    rel = qrels[q]
                    scores.append(
                        (ndcg_at(got, rel, 10), mrr_at(got, rel, 10), recall_at(got, rel, 5))
                    )
                res[mode] = {
                    "ndcg@10": round(statistics.fmean(s[0] for s in scores), 4),
                    "mrr@10": round(statistics.fmean(s[1] for s in scores), 4),
                    "recall@5": round(statistics.fmean(s[2] for s in scores), 4),
                    "latency": latency(times),
                }
                runs[name][mode] = lists
            out[name] = res
            backend.close()
        out["queries"] = len(qids)
        out["delta"] = {
            mode: {
                m: round(out["postgresql"][mode][m] - out["embedded"][mode][m], 4)
                for m in ("ndcg@10", "mrr@10", "recall@5")
            }
            for mode in MODES
        }
        out["same_top10"] = {
            mode: round(
                statistics.fmean(
                    a == b
                    for a, b in zip(runs["embedded"][mode], runs["postgresql"][mode], strict=True)
                ),
                4,
            )
            for mode in MODES
        }
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_gold(seed_index: Path, server: Any) -> dict[str, Any]:
    from embcache import CachedEmbedder

    from foerderberater.advisor import Advisor
    from foerderberater.evaluation.gold import evaluate_gold, load_gold
    from foerderberater.index.backend import FileBackend, copy_version
    from foerderberater.index.embedding import E5Embedder
    from foerderberater.index.pg.backend import PgBackend

    work = Path(tempfile.mkdtemp(prefix="fb-gold-"))
    try:
        index_dir = work / "index"
        name = (seed_index / "CURRENT").read_text("utf-8").strip()
        shutil.copytree(seed_index / "versions" / name, index_dir / "versions" / name)
        (index_dir / "CURRENT").write_text(name + "\n", "utf-8")
        embedder = CachedEmbedder(E5Embedder(), CACHE, "gold")
        files = Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir)
        pg = files.with_overrides(database_url=server.new_database())
        t0 = time.perf_counter()
        data = copy_version(FileBackend(index_dir).open_current(), PgBackend(pg))
        copy_s = time.perf_counter() - t0
        gold = ROOT / "eval" / "gold.yaml"
        advisors = {
            "embedded": Advisor(files, embedder=embedder),
            "postgresql": Advisor(pg, embedder=embedder),
        }
        out: dict[str, Any] = {
            "index": name,
            "chunks": len(data.chunks),
            "sentences": len(data.sentences),
            "copy_into_postgresql_s": round(copy_s, 2),
        }
        for label, advisor in advisors.items():
            result = evaluate_gold(advisor, gold)
            out[label] = {k: v for k, v in result.items() if not isinstance(v, list)}
        stichtag, items = load_gold(gold)
        same = 0
        for item in items:
            a, b = (
                adv.ask(item["frage"], history=item.get("verlauf", []), today=stichtag)
                for adv in advisors.values()
            )
            same += a.to_json() == b.to_json()
        embedder.flush()
        out["identical_answers"] = f"{same}/{len(items)}"
        out["delta"] = {
            k: round(out["postgresql"][k] - out["embedded"][k], 4)
            for k in ("recall_at_5", "mrr", "abstention_accuracy")
        }
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beir", type=Path, default=GERMANQUAD)
    ap.add_argument("--seed-index", type=Path, default=MAIN_INDEX)
    ap.add_argument("--limit", type=int, help="GermanQuAD: only the first N questions")
    ap.add_argument("--out", type=Path, default=RESULTS / "pg_parity.json")
    args = ap.parse_args()
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with pg_server() as server:
        if (args.beir / "corpus.jsonl").is_file():
            result["germanquad"] = bench_germanquad(args.beir, args.limit, server)
        else:
            result["germanquad"] = {"skipped": f"{args.beir} fehlt"}
        print(json.dumps(result["germanquad"], ensure_ascii=False)[:2000], flush=True)
        if (args.seed_index / "CURRENT").is_file():
            result["gold"] = bench_gold(args.seed_index, server)
        else:
            result["gold"] = {"skipped": f"kein Index in {args.seed_index} (make index)"}
    result["load_avg"] = Path("/proc/loadavg").read_text().split()[:3]
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps({k: result[k] for k in ("germanquad", "gold")}, ensure_ascii=False)[:3000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
