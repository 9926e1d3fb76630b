"""The domain gold set (eval/gold.yaml): Recall@k, MRR and abstention quality."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.evaluation.beir import MODES, eval_beir
from foerderberater.evaluation.metrics import mrr_at, recall_at


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
        from foerderberater.evaluation.check import run_check_eval

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
