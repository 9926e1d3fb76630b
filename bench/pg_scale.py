"""Scale figures of both storage backends, side by side in one run (preliminary on a shared CPU).

    .venv/bin/python bench/pg_scale.py [--sizes 10000 200000] [--users 20] [--seed-index DIR]

Per size N, a synthetic version is made from the project's e5 index of the starter corpus
(``pg_common.scale_up``: copy 0 real, further copies with shuffled chunk texts and noisy
vectors, sentences included) and written into the embedded store and into PostgreSQL. Measured:

- build: BM25 analysis (shared by both), write and publish time per backend, sizes;
- HNSW recall@50 against exact search on the gold questions' real e5 query vectors, per
  ef_search (PostgreSQL; the embedded flat index is exact by construction);
- ``Advisor.ask`` in-process, one user (p50/p95 over the gold questions);
- the web app (``python app.py``, the HTTP ``ask`` API): one user, then ``--users`` concurrent
  users with 5 questions each (p50/p95 per request, requests/s), with 1 and 2 replicas of the
  app (2 replicas: two processes on the same index files / the same database, clients spread
  over both, as a load balancer would).

Writes bench/results/pg_scale.json. Everything runs on this one machine: the app replicas, the
PostgreSQL server and the load generator share its 2 cores (and other work on it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from common import tree_rss_mb
from pg_common import (
    CACHE,
    MAIN_INDEX,
    RESULTS,
    ROOT,
    gold_questions,
    latency,
    load_seed,
    pg_server,
    pg_settings,
    scale_up,
)

from foerderberater.core.settings import Settings

EF_SEARCH = (40, 100, 200, 400)
TODAY = "2026-11-25"


def write_files(data: Any, lexical: Any, index_dir: Path) -> dict[str, float]:
    import faiss

    from foerderberater.index.backend import publish_directory
    from foerderberater.index.store import write_version

    t0 = time.perf_counter()
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(data.dim))
    index.add_with_ids(data.vectors, np.array([c.chunk_id for c in data.chunks], dtype=np.int64))
    index_dir.mkdir(parents=True)
    tmp = index_dir / f".tmp-{data.name}"
    write_version(
        tmp,
        data.manifest,
        list(data.docs),
        list(data.chunks),
        index,
        lexical,
        [],
        list(data.sentences),
        data.sentence_vectors,
    )
    t1 = time.perf_counter()
    publish_directory(index_dir, tmp, data.name)
    t2 = time.perf_counter()
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    return {
        "write_s": round(t1 - t0, 1),
        "publish_ms": round(1000 * (t2 - t1), 1),
        "mb": size >> 20,
    }


def write_pg(data: Any, lexical: Any, settings: Settings) -> dict[str, Any]:
    from foerderberater.index.pg.backend import PgBackend
    from foerderberater.index.pg.writer import HnswParams, write_version

    backend = PgBackend(settings).ready()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    vid = write_version(
        backend.db,
        data,
        lexical=lexical,
        hnsw=HnswParams(settings.hnsw_m, settings.hnsw_ef_construction),
        timings=timings,
    )
    t1 = time.perf_counter()
    backend.index.publish(data.name)
    t2 = time.perf_counter()
    with backend.db.reader() as conn:
        sizes = {
            name: conn.execute("SELECT pg_total_relation_size(%s)", (rel,)).fetchone()[0] >> 20
            for name, rel in (
                ("chunks_mb", f"chunks_v{vid}"),
                ("hnsw_mb", f"chunks_v{vid}_hnsw"),
                ("sentences_mb", f"sentences_v{vid}"),
            )
        }
        sizes["database_mb"] = (
            conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] >> 20
        )
    backend.close()
    timings.pop("lexical", None)  # analysis was done once before, for both backends
    return {
        "write_s": round(t1 - t0, 1),
        "phases_s": timings,
        "publish_ms": round(1000 * (t2 - t1), 1),
        **sizes,
    }


def hnsw_recall(settings: Settings, qvecs: np.ndarray, data: Any) -> dict[str, Any]:
    from foerderberater.index.pg.backend import PgBackend
    from foerderberater.search.pg_retrieval import PgRetriever

    version = PgBackend(settings).open_current()
    exact = np.argsort(-(qvecs @ data.vectors.T), axis=1)[:, :50]
    out = {}
    for ef in EF_SEARCH:
        r = PgRetriever(version, _NoText(), settings, ef_search=ef, exact_rows=0)
        hits, times = [], []
        for q, want in zip(qvecs, exact, strict=True):
            t0 = time.perf_counter()
            got = {row for row, _ in r.dense_vector(q, 50)}
            times.append(time.perf_counter() - t0)
            hits.append(len(got & set(want.tolist())) / 50)
        out[f"ef{ef}"] = {"recall@50": round(float(np.mean(hits)), 4), **latency(times)}
    return out


class _NoText:
    name, dim = "e5", 384

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("query vectors are given")


def advisor_latency(settings: Settings, embedder: Any, questions: list[str]) -> dict[str, Any]:
    import datetime as dt

    from foerderberater.advisor import Advisor

    advisor = Advisor(settings, embedder=embedder)
    t0 = time.perf_counter()
    advisor.ask(questions[0], today=dt.date.fromisoformat(TODAY))
    first = time.perf_counter() - t0
    times = []
    for q in questions:
        t0 = time.perf_counter()
        advisor.ask(q, today=dt.date.fromisoformat(TODAY))
        times.append(time.perf_counter() - t0)
    return {"first_ask_s": round(first, 2), **latency(times)}


# ---------------------------------------------------------------------------- the web app
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(base: str, question: str) -> None:
    body = json.dumps({"data": [question, "", "", "", "", "", "", []]}).encode()
    req = urllib.request.Request(
        base + "/gradio_api/call/ask", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=300) as resp:  # loopback only
        event = json.loads(resp.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/ask/{event}", timeout=300) as resp:
        stream = resp.read().decode("utf-8", "replace")
    if "event: complete" not in stream:
        raise RuntimeError(f"no answer: {stream[-300:]}")


class App:
    """One ``python app.py`` replica with the given FOERDERBERATER_* settings."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if not k.startswith("FOERDERBERATER_")}
        full.update(env, FOERDERBERATER_PORT=str(self.port), GRADIO_ANALYTICS_ENABLED="False")
        full["PYTHONPATH"] = str(ROOT / "src")
        self.log = log
        with log.open("w") as fh:
            self.proc = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "app.py")],
                env=full,
                cwd=ROOT,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )

    def wait(self, warm: list[str]) -> float:
        t0 = time.perf_counter()
        deadline = time.time() + 600
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.base + "/", timeout=5).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("app did not start") from None
                time.sleep(0.2)
        for q in warm:  # loads the model and the index version
            _post(self.base, q)
        return round(time.perf_counter() - t0, 1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def drive(bases: list[str], questions: list[str], users: int, per_user: int) -> dict[str, Any]:
    """``users`` threads, each asking ``per_user`` questions in a row, spread over ``bases``."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(u: int) -> None:
        base = bases[u % len(bases)]
        for i in range(per_user):
            q = questions[(u * per_user + i) % len(questions)]
            t0 = time.perf_counter()
            try:
                _post(base, q)
            except Exception as exc:  # counted and reported, the run goes on
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "users": users,
        "requests": users * per_user,
        "errors": len(errors),
        "error_samples": errors[:3],
        "throughput_rps": round(len(times) / wall, 2),
        "wall_s": round(wall, 1),
        **latency(times),
    }


def bench_app(env: dict[str, str], questions: list[str], users: int, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    one = App(env, work / "app-1.log")
    try:
        out["ready_and_warm_s"] = one.wait(questions[:3])
        out["rss_mb"] = tree_rss_mb(one.proc.pid)
        out["single_user"] = drive([one.base], questions, 1, min(len(questions), 40))
        out["1_replica"] = drive([one.base], questions, users, 5)
        two = App(env, work / "app-2.log")
        try:
            two.wait(questions[:3])
            out["2_replicas"] = drive([one.base, two.base], questions, users, 5)
        finally:
            two.stop()
    finally:
        one.stop()
    return out


def bench_size(n: int, seed: Any, server: Any, args: argparse.Namespace) -> dict[str, Any]:
    from embcache import CachedEmbedder

    from foerderberater.index.embedding import E5Embedder

    work = Path(tempfile.mkdtemp(prefix=f"fb-scale-{n}-"))
    out: dict[str, Any] = {"chunks": n}
    try:
        t0 = time.perf_counter()
        data = scale_up(seed, n)
        out["sentences"] = len(data.sentences)
        out["documents"] = len(data.docs)
        out["synth_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        lexical = data.lexical()
        out["bm25_analysis_s"] = round(time.perf_counter() - t0, 1)
        print(f"[{n}] synthetic version ready", flush=True)
        files = Settings(corpus_dir=ROOT / "corpus", index_dir=work / "index")
        pg = files.with_overrides(database_url=server.new_database())
        out["embedded_build"] = write_files(data, lexical, files.index_dir)
        print(f"[{n}] embedded written: {out['embedded_build']}", flush=True)
        out["postgresql_build"] = write_pg(data, lexical, pg)
        print(f"[{n}] postgresql written: {out['postgresql_build']}", flush=True)
        del lexical
        embedder = CachedEmbedder(E5Embedder(), CACHE, "gold")
        questions = gold_questions()
        qvecs = np.vstack([embedder.embed_query(q) for q in questions])
        embedder.flush()
        out["hnsw_recall"] = hnsw_recall(pg, qvecs, data)
        print(f"[{n}] recall: {out['hnsw_recall']}", flush=True)
        del data
        for label, settings in (("embedded", files), ("postgresql", pg)):
            out[f"{label}_advisor"] = advisor_latency(settings, embedder, questions)
            print(f"[{n}] {label} advisor: {out[f'{label}_advisor']}", flush=True)
        if not args.no_app:
            for label, env in (
                ("embedded", {"FOERDERBERATER_INDEX_DIR": str(files.index_dir)}),
                ("postgresql", {"FOERDERBERATER_DATABASE_URL": pg.database_url}),
            ):
                env = env | {
                    "FOERDERBERATER_CORPUS_DIR": str(ROOT / "corpus"),
                    "FOERDERBERATER_DATA_DIR": str(work / f"data-{label}"),
                }
                out[f"{label}_app"] = bench_app(env, questions, args.users, work)
                print(f"[{n}] {label} app: {out[f'{label}_app']}", flush=True)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seed-index", type=Path, default=MAIN_INDEX)
    ap.add_argument("--no-app", action="store_true", help="skip the web-app measurements")
    ap.add_argument("--out", type=Path, default=RESULTS / "pg_scale.json")
    args = ap.parse_args()
    seed = load_seed(args.seed_index)
    result: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seed": {"chunks": len(seed.chunks), "sentences": len(seed.sentences)},
        "cpus": os.cpu_count(),
        "hnsw": {"m": 16, "ef_construction": 64, "ef_search_app": 100},
        "sizes": {},
    }
    with pg_server() as server:
        result["pg_server"] = dict(pg_settings(server.new_database()))
        for n in args.sizes:
            result["sizes"][str(n)] = bench_size(n, seed, server, args)
            result["load_avg"] = Path("/proc/loadavg").read_text().split()[:3]
            args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(result, ensure_ascii=False)[:4000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
