"""Ranking metrics: nDCG@k, MRR@k, Recall@k."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
