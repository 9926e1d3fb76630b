"""The domain gold set (eval/gold.yaml): Recall@k, MRR and abstention quality."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.fields import iso_date
from foerderberater.evaluation.metrics import mrr_at, recall_at

if TYPE_CHECKING:
    from foerderberater.advisor import Advisor


def load_gold(path: Path) -> tuple[dt.date, list[dict[str, Any]]]:
    """``stichtag`` (the date every answer is given on) and the questions of a gold file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Gold-Datei {path} nicht lesbar: {exc}") from exc
    items = data.get("fragen") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise FoerderberaterError(f"Gold-Datei {path}: Liste 'fragen' erwartet")
    stichtag = iso_date(data.get("stichtag"))
    if stichtag is None:
        raise FoerderberaterError(f"Gold-Datei {path}: 'stichtag' (JJJJ-MM-TT) fehlt")
    for i, item in enumerate(items, 1):
        if not item.get("frage"):
            raise FoerderberaterError(f"Gold-Datei {path}: Eintrag {i} ohne 'frage'")
        if not item.get("abstain") and not item.get("erwartet"):
            raise FoerderberaterError(f"Gold-Datei {path}: Eintrag {i} ohne 'erwartet'")
    return stichtag, items


def evaluate_gold(advisor: Advisor, path: Path, k: int = 5) -> dict[str, Any]:
    """Recall@k/MRR over answerable questions, abstention precision/recall over all; every
    question is answered on the file's ``stichtag``."""
    stichtag, items = load_gold(path)
    rows = []
    for item in items:
        answer = advisor.ask(item["frage"], history=item.get("verlauf", []), today=stichtag)
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
        "stichtag": stichtag.isoformat(),
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


def calibrate(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with the abstention threshold that fits its rows best (and its accuracy)."""
    threshold, accuracy = best_threshold(result["rows"])
    return result | {
        "calibrated_threshold": round(threshold, 4),
        "calibrated_accuracy": round(accuracy, 4),
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    """Questions that missed (abstention or recall) and the summary metrics."""
    lines = []
    for r in result["rows"]:
        if r["abstain_expected"] != r["abstained"] or r.get("recall", 1) < 1:
            flag = "ENTHALTUNG?" if r["abstain_expected"] != r["abstained"] else "RECALL"
            lines.append(
                f"[{flag}] {r['frage'][:70]!r} erwartet={r['erwartet']} "
                f"gefunden={r['gefunden']} max_dense={r['max_dense']}"
            )
    lines.append(", ".join(f"{k}: {v}" for k, v in result.items() if k != "rows"))
    return lines
