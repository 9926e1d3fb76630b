"""Shared helpers of the benchmark: paths, subprocess runs with per-child peak RSS, statistics."""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = Path(os.environ.get("BENCH_CACHE", BENCH / ".cache"))
RESULTS = BENCH / "results"
PY = sys.executable
SRC = ROOT / "src"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(BENCH), env.get("PYTHONPATH", "")])
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    env.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    env.update(extra)
    return env


def run_worker(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 3600
) -> dict[str, Any]:
    """Run ``bench/worker.py ARGS`` in a fresh interpreter.

    Returns the worker's JSON (its last stdout line) plus ``process_wall_s`` (spawn to exit) and
    ``peak_rss_mb`` of exactly that child (``os.wait4``), so variants never share a process.
    """
    cmd = [PY, str(BENCH / "worker.py"), *map(str, args)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or child_env(),
        cwd=ROOT,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RuntimeError(f"worker {args[0]} timed out:\n{err[-3000:]}") from None
    # communicate() reaped the child; its rusage is still available through RUSAGE_CHILDREN
    # only cumulatively, so the worker also reports its own peak (ru_maxrss of RUSAGE_SELF).
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(
            f"worker {' '.join(map(str, args))} failed ({proc.returncode}):\n{err[-4000:]}"
        )
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"worker {args[0]} printed no JSON:\n{out[-2000:]}\n{err[-2000:]}")
    result = json.loads(lines[-1])
    result["process_wall_s"] = round(wall, 3)
    return result


def peak_rss_mb() -> float:
    """Peak RSS of the calling process in MiB (Linux reports KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def tree_rss_mb(pid: int) -> float:
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


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (like numpy's default)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fingerprint_dir(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(path.relative_to(directory).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def source_fingerprint() -> str:
    """Hash of the package sources: cached indexes are rebuilt when the code changes."""
    return fingerprint_dir(SRC / "foerderberater")


def load_avg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
