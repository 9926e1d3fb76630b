"""Measure BM25 with and without ae/oe/ue folding (issue 13): GermanQuAD lexical, gold sets.

GermanQuAD (BEIR folder): the passages are chunked exactly like ``foerderberater eval beir``
(e5 token counts) and ranked by BM25 alone, as in ``--mode lexical``; nothing is embedded.
Gold sets: the live index of the starter corpus (e5, ``index/``) answers every question on the
file's stichtag, once per BM25 variant built over the same chunks (hybrid, as in production).

Usage: python tools/folding_ablation.py [--beir ../shared/benchmarks/germanquad] [--index index]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from foerderberater.advisor import Advisor  # noqa: E402
from foerderberater.core.settings import Settings  # noqa: E402
from foerderberater.evaluation.beir import load_beir  # noqa: E402
from foerderberater.evaluation.gold import evaluate_gold  # noqa: E402
from foerderberater.evaluation.metrics import mrr_at, ndcg_at, unique_docs  # noqa: E402
from foerderberater.index.builder import chunker_config  # noqa: E402
from foerderberater.index.chunking import Chunker  # noqa: E402
from foerderberater.index.embedding import E5Embedder  # noqa: E402
from foerderberater.index.ingest import load_document  # noqa: E402
from foerderberater.index.lexical import LexicalIndex  # noqa: E402

VARIANTS = {"mit ae/oe/ue-Faltung": True, "ohne ae/oe/ue-Faltung": False}


def germanquad(directory: Path, e5: E5Embedder, k: int = 50) -> dict[str, dict[str, float]]:
    corpus, queries, qrels = load_beir(directory)
    chunker = Chunker(chunker_config(Settings(), e5), e5.count_tokens)
    texts, owners = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for cid, (title, text) in corpus.items():
            path = Path(tmp) / f"{cid}.md"
            path.write_text((f"# {title}\n\n" if title else "") + text + "\n", encoding="utf-8")
            for chunk in chunker.chunk(load_document(path, Path(tmp))):
                texts.append(chunk.embedding_text())
                owners.append(cid)
    out = {}
    for label, digraphs in VARIANTS.items():
        lexical = LexicalIndex.build(texts, digraphs=digraphs)
        ndcg, mrr = [], []
        for qid, relevant in qrels.items():
            scores = lexical.scores(queries[qid])
            top = sorted(range(len(scores)), key=lambda r: -scores[r])[:k]
            ranked = unique_docs([owners[r] for r in top if scores[r] > 0])
            ndcg.append(ndcg_at(ranked, relevant, 10))
            mrr.append(mrr_at(ranked, relevant, 10))
        out[label] = {
            "ndcg@10": round(statistics.fmean(ndcg), 4),
            "mrr@10": round(statistics.fmean(mrr), 4),
            "chunks": len(texts),
            "queries": len(mrr),
        }
    return out


def gold_sets(index_dir: Path, e5: E5Embedder) -> dict[str, dict[str, float]]:
    advisor = Advisor(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir), embedder=e5)
    version = advisor.version
    texts = [c.embedding_text() for c in version.chunks_by_rows(list(range(len(version))))]
    out = {}
    for label, digraphs in VARIANTS.items():
        version.lexical = LexicalIndex.build(texts, digraphs=digraphs)  # same chunks, same vectors
        for name in ("gold", "holdout"):
            r = evaluate_gold(advisor, ROOT / "eval" / f"{name}.yaml")
            out[f"{name} – {label}"] = {
                "recall@5": r["recall_at_5"],
                "mrr": r["mrr"],
                "abstention_accuracy": r["abstention_accuracy"],
            }
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared/benchmarks/germanquad")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    args = parser.parse_args()
    e5 = E5Embedder()
    result = {"germanquad_lexical": germanquad(args.beir, e5), "gold": gold_sets(args.index, e5)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
