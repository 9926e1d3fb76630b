"""BEIR data sets (corpus.jsonl, queries.jsonl, qrels): index them and score each mode."""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from foerderberater.advisor import Advisor
from foerderberater.core.errors import FoerderberaterError
from foerderberater.evaluation.metrics import mrr_at, ndcg_at, recall_at, unique_docs
from foerderberater.search.retrieval import Retriever

MODES = ("dense", "lexical", "hybrid")


Corpus = dict[str, tuple[str, str]]  # passage id -> (title, text)


def load_beir(
    directory: Path, split: str = "test"
) -> tuple[Corpus, dict[str, str], dict[str, dict[str, int]]]:
    """(corpus, queries, qrels) of a BEIR folder."""
    directory = Path(directory)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (directory / name).exists():
            raise FoerderberaterError(f"BEIR-Ordner {directory}: Datei {name} fehlt")
    corpus: Corpus = {}
    with (directory / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    queries: dict[str, str] = {}
    with (directory / "queries.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                queries[str(row["_id"])] = row["text"]
    qrels: dict[str, dict[str, int]] = {}
    with (directory / f"qrels/{split}.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if i == 0 and not parts[-1].lstrip("-").isdigit():
                continue  # header
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return corpus, queries, qrels


def write_corpus(corpus: Corpus, corpus_dir: Path) -> dict[str, str]:
    """Write each BEIR passage as a Markdown file (title as heading) into a new
    ``corpus_dir``; returns file stem -> passage id."""
    corpus_dir.mkdir()
    name_of: dict[str, str] = {}
    for n, (cid, (title, text)) in enumerate(corpus.items()):
        stem = f"d{n:07d}"
        name_of[stem] = cid
        head = f"# {title}\n\n" if title else ""
        (corpus_dir / f"{stem}.md").write_text(head + text + "\n", encoding="utf-8")
    return name_of


def eval_beir(
    advisor: Advisor,
    directory: Path,
    modes: Sequence[str] = MODES,
    limit: int | None = None,
    index_root: Path | None = None,
) -> dict[str, Any]:
    """Index the BEIR corpus into a temporary index and score each retrieval mode."""
    corpus, queries, qrels = load_beir(directory)
    qids = [q for q in queries if q in qrels][: limit or None]
    with tempfile.TemporaryDirectory(dir=index_root) as tmp:
        tmp_path = Path(tmp)
        corpus_dir = tmp_path / "corpus"
        name_of = write_corpus(corpus, corpus_dir)
        settings = advisor.settings.with_overrides(  # a throwaway embedded index, never the
            corpus_dir=corpus_dir,  # database: publishing there would replace the live version
            index_dir=tmp_path / "index",
            database_url="",
            upload_store="directory",
        )
        sub = Advisor(settings, embedder=advisor.embedder)
        report = sub.build(full=True)
        retriever = sub.retriever()
        results: dict[str, Any] = {
            "dataset": str(directory),
            "queries": len(qids),
            "passages": len(corpus),
            "chunks": report.chunks,
            "skipped": len(report.skipped),
        }
        for mode in modes:
            rows = []
            for qid in qids:
                docs = [name_of.get(r, r) for r in ranked(retriever, queries[qid], mode)]
                rel = qrels[qid]
                rows.append(
                    (
                        ndcg_at(docs, rel, 10),
                        mrr_at(docs, rel, 10),
                        recall_at(docs, rel, 1),
                        recall_at(docs, rel, 5),
                        recall_at(docs, rel, 10),
                    )
                )
            results[mode] = {
                name: round(statistics.fmean(r[i] for r in rows), 4) if rows else 0.0
                for i, name in enumerate(("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10"))
            }
        retriever.version.close()
    return results


def ranked(
    retriever: Retriever, query: str, mode: str, vector: np.ndarray | None = None
) -> list[str]:
    """Documents ranked for ``query`` by one retrieval mode (dense, lexical or hybrid);
    ``vector`` is the query's embedding when the caller has it already."""
    k = retriever.settings.candidate_k
    if mode == "dense":
        rows = [r for r, _ in retriever.dense(query, k, None, vector)]
        chunks = retriever.version.chunks_by_rows(rows)
    elif mode == "lexical":
        rows = [r for r, _ in retriever.lexical(query, k, None)]
        chunks = retriever.version.chunks_by_rows(rows)
    else:
        chunks = [h.chunk for h in retriever.search(query, None, k, vector=vector)]
    return unique_docs([c.slug for c in chunks])


def report_lines(result: dict[str, Any], modes: Sequence[str]) -> list[str]:
    """One line per retrieval mode with its metrics."""
    head = f"BEIR {result['dataset']}: {result['queries']} Fragen, {result['passages']} Passagen"
    return [head] + [
        f"{mode:8s} " + "  ".join(f"{k} {v:.4f}" for k, v in result[mode].items()) for mode in modes
    ]
