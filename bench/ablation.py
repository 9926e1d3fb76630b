#!/usr/bin/env python3
"""Which part of bench/patches helps, idle and under CPU contention (evidence for the report).

Both patches were merged into src/ after this measurement (now in bench/patches/applied/);
re-running it against the merged tree measures nothing new and the patches no longer apply.

    python bench/ablation.py [--size 10000] [--questions 100]

Variants of ``Advisor.ask`` latency at one synthetic size (built by ``run.py``):
  unpatched | filter-mask-cache only | both patches (mask + OMP_WAIT_POLICY=PASSIVE) |
  mask + single-threaded query embedding (OMP_NUM_THREADS=1, a proxy for calling
  omp_set_num_threads(1) in the query thread only).
Each once on the idle machine and once with two busy-loop processes on the 2 cores (bounded,
local, stopped afterwards) – the situation of a shared server or of Gradio worker threads
competing with a build. Writes ``bench/results/ablation.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, PY, RESULTS, ROOT, child_env, load_avg, log, run_worker  # noqa: E402
from questions import benchmark_questions  # noqa: E402
from run import patched_env  # noqa: E402

PATCHES = ROOT / "bench" / "patches" / "applied"  # merged into src/ since; evidence only


def src_with(patches: list[Path], name: str) -> Path:
    target = CACHE / f"ablation-src-{name}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "foerderberater",
        target / "foerderberater",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for p in patches:
        subprocess.run(
            ["patch", "-p2", "--forward", "--quiet", "-i", str(p)],
            cwd=target,
            check=True,
            capture_output=True,
        )
    return target


def hogs(n: int, seconds: float) -> list[subprocess.Popen]:
    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
    return [subprocess.Popen([PY, "-c", code]) for _ in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--questions", type=int, default=100)
    a = ap.parse_args()
    index = next(iter(sorted(CACHE.glob(f"synth-ours-{a.size}-*"))), None)
    if index is None:
        raise SystemExit(f"no synthetic index of {a.size} chunks: run bench/run.py first")
    qfile = CACHE / "ablation-questions.json"
    qfile.write_text(
        json.dumps(benchmark_questions(max(a.questions, 200))[: a.questions], ensure_ascii=False),
        "utf-8",
    )
    mask = src_with([PATCHES / "filter-mask-cache.patch"], "mask")
    both = src_with(sorted(PATCHES.glob("*.patch")), "both")
    variants = {
        "unpatched": child_env(),
        "mask": patched_env(mask),
        "mask+passive": patched_env(both),
        "mask+1thread": patched_env(mask, OMP_NUM_THREADS="1"),
    }
    args = [
        "latency-ours",
        "--index",
        index,
        "--questions",
        qfile,
        "--stage-questions",
        "30",
        "--warmup",
        "10",
    ]
    out: dict = {"size": a.size, "questions": a.questions, "index": index.name, "runs": []}
    for scenario in ("idle", "2 busy-loop processes"):
        for name, env in variants.items():
            procs = hogs(2, 600) if scenario != "idle" else []
            try:
                time.sleep(0.5 if procs else 0)
                r = run_worker(args, env=env)
            finally:
                for p in procs:
                    p.kill()
                    p.wait()
            row = {
                "scenario": scenario,
                "variant": name,
                "load_avg": load_avg(),
                "ask": r["ask"],
                "search": r["search"],
                "embed_query": r["stages"]["embed_query"],
                "filters": r["stages"]["filters"],
            }
            out["runs"].append(row)
            log(
                f"{scenario:>22} {name:>13}: ask p50 {r['ask']['p50_ms']} p95 "
                f"{r['ask']['p95_ms']} p99 {r['ask']['p99_ms']} ms"
            )
    (RESULTS / "ablation.json").write_text(json.dumps(out, indent=2, ensure_ascii=False), "utf-8")
    lines = [
        f"# Patch-Ablation: ask bei {a.size} Chunks, {a.questions} Fragen",
        "",
        "| Szenario | Variante | ask p50 / p95 / p99 (ms) | Query-Embedding p50 / p95 | "
        "Filter p50 / p95 |",
        "|---|---|---|---|---|",
    ]
    for r in out["runs"]:
        lines.append(
            f"| {r['scenario']} | {r['variant']} | {r['ask']['p50_ms']} / {r['ask']['p95_ms']} / "
            f"{r['ask']['p99_ms']} | {r['embed_query']['p50_ms']} / {r['embed_query']['p95_ms']}"
            f" | {r['filters']['p50_ms']} / {r['filters']['p95_ms']} |"
        )
    (RESULTS / "ablation.md").write_text("\n".join(lines) + "\n", "utf-8")
    for d in (mask, both):
        shutil.rmtree(d, ignore_errors=True)
    print(json.dumps({r["scenario"] + "/" + r["variant"]: r["ask"]["p95_ms"] for r in out["runs"]}))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
