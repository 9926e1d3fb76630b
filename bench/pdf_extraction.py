#!/usr/bin/env python3
"""Build time per PDF page, with and without OCR, through the real index build.

    .venv/bin/python bench/pdf_extraction.py [--rounds 2] [--shared ../shared]

Each round builds a fresh index (``build_index`` with e5: extraction, chunking, sentences,
embedding of chunks and sentences, writing) in a new process-independent directory:

- ``text``: PDFs with a text layer – the 13 study digests of the corpus and, when ``--shared``
  has them, the Munich council PDFs (BW_ALLG's 109 pages are left out to keep a round short);
- ``scan_cold``: image-only copies of three corpus studies (rendered at 200 dpi, as a scanner
  makes them) plus the real rotated map scan ``muenchen_riski_5913326.pdf`` – OCR from scratch;
- ``scan_cached``: the same scans rebuilt with ``--full`` while the OCR cache is kept.

The embedding cache (``FOERDERBERATER_EMBED_CACHE``) is off in every build, so each round
embeds all its texts and the rows differ only in how the pages are read.

Parse-only figures per text page are measured too: pypdf's ``extract_text`` (the extractor
before issue 15) against ``extract_pdf`` without OCR. Times are medians over the rounds, wall
and CPU (including tesseract child processes). Writes ``bench/results/pdf_extraction.json``
and ``.md``; on a shared machine the figures are preliminary (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the scan generator of the tests

from pdf_samples import scan_of  # noqa: E402

from foerderberater.core.settings import Settings  # noqa: E402
from foerderberater.index.builder import build_index  # noqa: E402
from foerderberater.index.embedding import E5Embedder  # noqa: E402
from foerderberater.index.pdf.extract import ExtractOptions, extract_pdf  # noqa: E402

SCANNED_STUDIES = ("revierkompass", "industriekultur", "zukunftsfaktor-handwerk")
REAL_SCAN = "muenchen_riski_5913326.pdf"
SKIP_REAL = {REAL_SCAN, "BW_ALLG.pdf"}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c0, t0 = _cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, _cpu() - c0, out


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _corpus(directory: Path, files: list[Path]) -> Path:
    directory.mkdir(parents=True)
    for f in files:
        shutil.copy(f, directory / f.name)
    return directory


def _builds(
    name: str, corpus: Path, work: Path, rounds: int, embedder: E5Embedder, keep_cache: bool
) -> dict[str, Any]:
    """``rounds`` full builds of ``corpus``; ``keep_cache``: every round starts from the OCR cache
    of a first (unmeasured) build, else from an empty index directory."""
    measured: list[tuple[float, float, Any]] = []
    seed = work / f"{name}-seed"
    if keep_cache:
        build_index(Settings(corpus_dir=corpus, index_dir=seed, embed_cache=False), embedder)
    for i in range(rounds):
        index_dir = work / f"{name}-{i}"
        if keep_cache:
            shutil.copytree(seed, index_dir)
        settings = Settings(corpus_dir=corpus, index_dir=index_dir, embed_cache=False)
        measured.append(_timed(lambda s=settings: build_index(s, embedder, full=True)))
    report = measured[0][2]
    pages = report.pages
    return {
        "pages": pages,
        "documents": report.documents,
        "chunks": report.chunks,
        "sentences_embedded": report.embedded_sentences,
        "skipped": [s.path for s in report.skipped],
        "rounds": rounds,
        "wall_s_per_page": _median([w / pages for w, _, _ in measured]),
        "cpu_s_per_page": _median([c / pages for _, c, _ in measured]),
        "parse_s_per_page": _median([r.timings["parse_chunk"] / pages for _, _, r in measured]),
        "embed_s_per_page": _median([r.timings["embed"] / pages for _, _, r in measured]),
    }


def _parse_only(pdfs: list[Path], rounds: int) -> dict[str, Any]:
    from pypdf import PdfReader

    pages = sum(len(PdfReader(str(p)).pages) for p in pdfs)

    def old() -> None:
        for p in pdfs:
            [page.extract_text() for page in PdfReader(str(p)).pages]

    def new() -> None:
        for p in pdfs:
            extract_pdf(p, ExtractOptions(ocr=None))

    out: dict[str, Any] = {"pages": pages}
    for key, fn in (("pypdf", old), ("extract_pdf", new)):
        runs = [_timed(fn) for _ in range(rounds)]
        out[key] = {
            "wall_s_per_page": _median([w / pages for w, _, _ in runs]),
            "cpu_s_per_page": _median([c / pages for _, c, _ in runs]),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    real = args.shared / "testdata" / "real-pdfs"
    studies = sorted((ROOT / "corpus" / "studien").glob("*.pdf"))
    text_pdfs = studies + [p for p in sorted(real.glob("*.pdf")) if p.name not in SKIP_REAL]
    work = Path(tempfile.mkdtemp(prefix="pdfbench-"))
    scans = [
        scan_of(ROOT / "corpus" / "studien" / f"{s}.pdf", work / f"scan-{s}.pdf", dpi=200)
        for s in SCANNED_STUDIES
    ] + [p for p in [real / REAL_SCAN] if p.is_file()]
    embedder = E5Embedder()
    results: dict[str, Any] = {
        "load_avg_start": round(os.getloadavg()[0], 1),
        "text_pdfs": [p.name for p in text_pdfs],
        "scanned_pdfs": [p.name for p in scans],
    }
    results["parse_text"] = _parse_only(text_pdfs, args.rounds)
    text_corpus = _corpus(work / "text-corpus", text_pdfs)
    scan_corpus = _corpus(work / "scan-corpus", scans)
    results["build_text"] = _builds("text", text_corpus, work, args.rounds, embedder, False)
    results["build_scan_cold"] = _builds("cold", scan_corpus, work, args.rounds, embedder, False)
    results["build_scan_cached"] = _builds("warm", scan_corpus, work, args.rounds, embedder, True)
    results["load_avg_end"] = round(os.getloadavg()[0], 1)
    shutil.rmtree(work, ignore_errors=True)

    out = ROOT / "bench" / "results"
    (out / "pdf_extraction.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    parse = results["parse_text"]
    lines = [
        "# Build time per PDF page (medians; preliminary on a shared machine)",
        "",
        f"Load average {results['load_avg_start']} → {results['load_avg_end']}; "
        f"{args.rounds} rounds; e5 on 2 cores.",
        "",
        "| build (extract + chunk + sentences + e5 + write) | pages | wall s/page | CPU s/page "
        "| of which parse s/page | embed s/page |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in (
        ("build_text", "text PDFs (no OCR)"),
        ("build_scan_cold", "scanned PDFs, OCR cold"),
        ("build_scan_cached", "scanned PDFs, OCR from cache"),
    ):
        r = results[key]
        lines.append(
            f"| {label} | {r['pages']} | {r['wall_s_per_page']:.2f} | {r['cpu_s_per_page']:.2f} | "
            f"{r['parse_s_per_page']:.3f} | {r['embed_s_per_page']:.2f} |"
        )
    lines += [
        "",
        f"Parse only, {parse['pages']} text pages: pypdf {parse['pypdf']['cpu_s_per_page']:.3f} "
        f"CPU s/page, extract_pdf (layout, tables) {parse['extract_pdf']['cpu_s_per_page']:.3f} "
        "CPU s/page.",
    ]
    (out / "pdf_extraction.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
