"""Gold-set parity through the real ask path: embedded Advisor vs an Advisor on PostgreSQL.

    .venv/bin/python bench/pg_gold.py [--index /work/notes/pg_cache/seed_index]

The embedded side is an existing index (real corpus, real e5 vectors). The PostgreSQL side gets
exactly its documents, chunks and vectors; ``PgAdvisor`` only swaps ``Advisor.retriever()`` for
``PgBackend.retriever()`` (what phase 2 wires behind FOERDERBERATER_DATABASE_URL). Both answer
every question of eval/gold.yaml with the real e5 query embeddings; compared: Recall@5, MRR,
abstention, and whether the cited sources are identical. Result: bench/results/pg_gold.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
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
from foerderberater.evaluation import evaluate_gold  # noqa: E402
from foerderberater.settings import Settings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=Path("/work/notes/pg_cache/seed_index"))
    ap.add_argument("--gold", type=Path, default=ROOT / "eval/gold.yaml")
    ap.add_argument("--cache", type=Path, default=Path("/work/notes/pg_cache"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/pg_gold")
    args = ap.parse_args()

    import pgserver

    from foerderberater.embedding import E5Embedder
    from foerderberater.pg_backend import PgBackend

    class PgAdvisor(Advisor):
        def __init__(self, settings: Settings, embedder, backend: PgBackend) -> None:  # noqa: ANN001
            super().__init__(settings, embedder=embedder)
            self.backend = backend

        def retriever(self):  # noqa: ANN202
            return self.backend.retriever(
                self.embedder, self.settings, self.gazetteer.canonical_kreis
            )

    emb = CachedEmbedder(E5Embedder(), args.cache, "gold")
    res: dict = {"gold": str(args.gold), "index": str(args.index)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        index_dir = tmp_path / "index"
        shutil.copytree(args.index, index_dir)
        settings = replace(Settings(), index_dir=index_dir)
        embedded = Advisor(settings, embedder=emb)
        t0 = time.perf_counter()
        emb_result = evaluate_gold(embedded, args.gold)
        res["embedded_s"] = round(time.perf_counter() - t0, 1)
        emb.flush()
        version = embedded.version
        chunks = version.chunks_by_rows(list(range(len(version))))
        vectors = np.vstack([version.faiss.reconstruct(int(c.chunk_id)) for c in chunks])
        server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete")
        try:
            backend = PgBackend(server.get_uri())
            backend.migrate()
            with backend.build_session(full=True) as session:
                session.publish(version.manifest, list(version.docs.values()), chunks, vectors)
            pg = PgAdvisor(settings, emb, backend)
            t0 = time.perf_counter()
            pg_result = evaluate_gold(pg, args.gold)
            res["postgres_s"] = round(time.perf_counter() - t0, 1)
            backend.close()
        finally:
            server.cleanup()
    keys = ("recall_at_5", "mrr", "abstention_precision", "abstention_recall",
            "abstention_accuracy")  # fmt: skip
    res["embedded"] = {k: emb_result[k] for k in keys}
    res["postgres"] = {k: pg_result[k] for k in keys}
    same = [
        a["gefunden"] == b["gefunden"] and a["abstained"] == b["abstained"]
        for a, b in zip(emb_result["rows"], pg_result["rows"], strict=True)
    ]
    res["questions"] = len(same)
    res["identical_sources_and_abstention"] = sum(same)
    res["differences"] = [
        {"frage": a["frage"], "embedded": a["gefunden"], "postgres": b["gefunden"]}
        for a, b, ok in zip(emb_result["rows"], pg_result["rows"], same, strict=True)
        if not ok
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    print(json.dumps(res, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
