"""Retrieval/answer evaluation: BEIR data sets and the domain gold set."""

from __future__ import annotations

import json
import math
import re
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from foerderberater.errors import FoerderberaterError

MODES = ("dense", "lexical", "hybrid")


# --------------------------------------------------------------------------- metrics


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: Sequence[str], relevant: Sequence[str] | dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: Sequence[str], relevant: Sequence[str] | dict[str, int], k: int) -> float:
    rel = [d for d in relevant if (relevant[d] > 0 if isinstance(relevant, dict) else True)]
    return len(set(ranked[:k]) & set(rel)) / len(rel) if rel else 0.0


def unique_docs(doc_ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


# --------------------------------------------------------------------------- BEIR


def load_beir(directory: Path, split: str = "test"):  # noqa: ANN201
    directory = Path(directory)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (directory / name).exists():
            raise FoerderberaterError(f"BEIR-Ordner {directory}: Datei {name} fehlt")
    corpus = {}
    with (directory / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    queries = {}
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


def eval_beir(
    advisor,
    directory: Path,
    modes: Sequence[str] = MODES,  # noqa: ANN001
    limit: int | None = None,
    index_root: Path | None = None,
) -> dict[str, Any]:
    """Index the BEIR corpus into a temporary index and score each retrieval mode."""
    from foerderberater.advisor import Advisor

    corpus, queries, qrels = load_beir(directory)
    qids = [q for q in queries if q in qrels][: limit or None]
    with tempfile.TemporaryDirectory(dir=index_root) as tmp:
        tmp_path = Path(tmp)
        corpus_dir = tmp_path / "corpus"
        corpus_dir.mkdir()
        name_of: dict[str, str] = {}
        for n, (cid, (title, text)) in enumerate(corpus.items()):
            stem = f"d{n:07d}"
            name_of[stem] = cid
            head = f"# {title}\n\n" if title else ""
            (corpus_dir / f"{stem}.md").write_text(head + text + "\n", encoding="utf-8")
        settings = replace(advisor.settings, corpus_dir=corpus_dir, index_dir=tmp_path / "index")
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
                ranked = _ranked(retriever, queries[qid], mode)
                ranked = [name_of.get(r, r) for r in ranked]
                rel = qrels[qid]
                rows.append(
                    (
                        ndcg_at(ranked, rel, 10),
                        mrr_at(ranked, rel, 10),
                        recall_at(ranked, rel, 1),
                        recall_at(ranked, rel, 5),
                        recall_at(ranked, rel, 10),
                    )
                )
            results[mode] = {
                name: round(statistics.fmean(r[i] for r in rows), 4) if rows else 0.0
                for i, name in enumerate(("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10"))
            }
        retriever.version.close()
    return results


def _ranked(retriever, query: str, mode: str) -> list[str]:  # noqa: ANN001
    k = retriever.settings.candidate_k
    if mode == "dense":
        rows = [r for r, _ in retriever.dense(query, k, None)]
        chunks = retriever.version.chunks_by_rows(rows)
    elif mode == "lexical":
        rows = [r for r, _ in retriever.lexical(query, k, None)]
        chunks = retriever.version.chunks_by_rows(rows)
    else:
        chunks = [h.chunk for h in retriever.search(query, None, k)]
    return unique_docs([c.slug for c in chunks])


# --------------------------------------------------------------------------- gold set


def load_gold(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Gold-Datei {path} nicht lesbar: {exc}") from exc
    items = data.get("fragen") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise FoerderberaterError(f"Gold-Datei {path}: Liste 'fragen' erwartet")
    for i, item in enumerate(items, 1):
        if not item.get("frage"):
            raise FoerderberaterError(f"Gold-Datei {path}: Eintrag {i} ohne 'frage'")
        if not item.get("abstain") and not item.get("erwartet"):
            raise FoerderberaterError(f"Gold-Datei {path}: Eintrag {i} ohne 'erwartet'")
    return items


def evaluate_gold(advisor, path: Path, k: int = 5) -> dict[str, Any]:  # noqa: ANN001
    """Recall@k/MRR over answerable questions, abstention precision/recall over all."""
    items = load_gold(path)
    rows = []
    for item in items:
        answer = advisor.ask(item["frage"], history=item.get("verlauf", []))
        ranked = [s.slug for s in answer.sources]
        # for calibration: the relevance signal the abstention rule looks at
        dense = [
            h.dense_score
            for h in answer.hits[: advisor.settings.top_k * 3]
            if h.dense_score is not None
        ]
        expected = item.get("erwartet") or []
        row = {
            "frage": item["frage"],
            "abstain_expected": bool(item.get("abstain")),
            "abstained": answer.abstained,
            "erwartet": expected,
            "gefunden": ranked[:k],
            "max_dense": round(max(dense), 4) if dense else None,
            "region": answer.region,
        }
        if expected:
            ranked_all = [s.slug for s in answer.sources] if not answer.abstained else []
            row["recall"] = recall_at(ranked_all, expected, k)
            row["rr"] = mrr_at(ranked_all, expected, k)
        rows.append(row)
    answerable = [r for r in rows if not r["abstain_expected"]]
    abstained = [r for r in rows if r["abstained"]]
    should = [r for r in rows if r["abstain_expected"]]
    correct = sum(r["abstained"] == r["abstain_expected"] for r in rows)
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "out_of_scope": len(should),
        f"recall_at_{k}": round(statistics.fmean(r["recall"] for r in answerable), 4)
        if answerable
        else 0.0,
        "mrr": round(statistics.fmean(r["rr"] for r in answerable), 4) if answerable else 0.0,
        "abstention_precision": round(
            sum(r["abstain_expected"] for r in abstained) / len(abstained), 4
        )
        if abstained
        else 0.0,
        "abstention_recall": round(sum(r["abstained"] for r in should) / len(should), 4)
        if should
        else 0.0,
        "abstention_accuracy": round(correct / len(rows), 4) if rows else 0.0,
        "rows": rows,
    }


def best_threshold(rows: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """Threshold on max_dense that maximises abstention accuracy (ties: the middle)."""
    values = sorted({r["max_dense"] for r in rows if r["max_dense"] is not None})
    best: list[tuple[float, float]] = []
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)] or values
    for t in candidates:
        acc = statistics.fmean(((r["max_dense"] or 0) < t) == r["abstain_expected"] for r in rows)
        best.append((acc, t))
    top = max(a for a, _ in best)
    ties = [t for a, t in best if a == top]
    return ties[len(ties) // 2], top


def run_eval_command(advisor, args) -> int:  # noqa: ANN001
    if args.kind == "check":
        from foerderberater.eligibility import run_check_eval

        return run_check_eval(advisor, args.path, as_json=args.json)
    if args.kind == "beir":
        modes = MODES if args.mode == "all" else (args.mode,)
        result = eval_beir(advisor, args.path, modes, args.limit)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print(
                f"BEIR {result['dataset']}: {result['queries']} Fragen, "
                f"{result['passages']} Passagen"
            )
            for mode in modes:
                m = result[mode]
                print(f"{mode:8s} " + "  ".join(f"{k} {v:.4f}" for k, v in m.items()))
        return 0
    result = evaluate_gold(advisor, args.path)
    threshold, acc = best_threshold(result["rows"])
    result["calibrated_threshold"] = round(threshold, 4)
    result["calibrated_accuracy"] = round(acc, 4)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for r in result["rows"]:
        if r["abstain_expected"] != r["abstained"] or r.get("recall", 1) < 1:
            flag = "ENTHALTUNG?" if r["abstain_expected"] != r["abstained"] else "RECALL"
            print(
                f"[{flag}] {r['frage'][:70]!r} erwartet={r['erwartet']} "
                f"gefunden={r['gefunden']} max_dense={r['max_dense']}"
            )
    print(re.sub(r"[{}']", "", json.dumps({k: v for k, v in result.items() if k != "rows"})))
    return 0
