#!/usr/bin/env python3
"""Per-page cost of PDF ingestion: pypdf vs. foerderberater.index.pdf, with and without OCR.

    .venv/bin/python bench/pdf_extraction.py [--rounds 3] [--shared ../shared]

Measures, per page and as medians over rounds (wall time and CPU time including the tesseract
child processes):

- parse: ``ingest.load_document`` (pypdf) vs. ``extract_pdf`` without OCR, on text PDFs;
- OCR: ``extract_pdf`` on image-only pages, cold (empty cache) and warm (cache hit);
- build: extraction + chunking + e5 embedding of the chunks, i.e. what a rebuild spends per
  new page, for text pages and for scanned pages (cold OCR).

Writes ``bench/results/pdf_extraction.json`` and ``.md``. On a shared machine the numbers are
preliminary; the load average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the PDF generators of the tests

from pdf_samples import GERMAN_PAGE, scan_of, text_pdf  # noqa: E402

from foerderberater.core.settings import Settings  # noqa: E402
from foerderberater.core.types import Document  # noqa: E402
from foerderberater.index.builder import chunker_config  # noqa: E402
from foerderberater.index.chunking import Chunker  # noqa: E402
from foerderberater.index.embedding import E5Embedder  # noqa: E402
from foerderberater.index.ingest import load_document  # noqa: E402
from foerderberater.index.pdf.extract import ExtractOptions, extract_pdf  # noqa: E402
from foerderberater.index.pdf.ocr_cache import OcrCache  # noqa: E402

FONT = ROOT / "tools" / "fonts" / "DejaVuSans.ttf"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c0, t0 = _cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, _cpu() - c0, out


def _per_page(rounds: list[tuple[float, float]], pages: int) -> dict[str, float]:
    return {
        "wall_s_per_page": round(statistics.median(w for w, _ in rounds) / pages, 4),
        "cpu_s_per_page": round(statistics.median(c for _, c in rounds) / pages, 4),
        "pages": pages,
        "rounds": len(rounds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    real = args.shared / "testdata" / "real-pdfs"
    text_pdfs = sorted((ROOT / "corpus" / "studien").glob("*.pdf"))
    text_pdfs += [p for p in sorted(real.glob("*.pdf")) if p.name != "muenchen_riski_5913326.pdf"]
    work = Path(tempfile.mkdtemp(prefix="pdfbench-"))
    scan = scan_of(text_pdf(work / "t.pdf", FONT, [GERMAN_PAGE] * 3), work / "scan.pdf")
    scans = [scan] + [p for p in [real / "muenchen_riski_5913326.pdf"] if p.is_file()]
    n_text = sum(len(extract_pdf(p, ExtractOptions(ocr=None)).pages) for p in text_pdfs)
    n_scan = sum(len(extract_pdf(p).pages) for p in scans)
    results: dict[str, Any] = {"load_avg_start": os.getloadavg()[0], "text_pdfs": len(text_pdfs)}

    def parse_old() -> None:
        for p in text_pdfs:
            load_document(p, p.parent)

    def parse_new() -> None:
        for p in text_pdfs:
            extract_pdf(p, ExtractOptions(ocr=None))

    def ocr(cache_dir: Path) -> None:
        for p in scans:
            extract_pdf(p, ExtractOptions(cache=OcrCache(cache_dir)))

    results["parse_pypdf"] = _per_page([_timed(parse_old)[:2] for _ in range(args.rounds)], n_text)
    results["parse_new"] = _per_page([_timed(parse_new)[:2] for _ in range(args.rounds)], n_text)
    cold = [_timed(lambda i=i: ocr(work / f"cache{i}"))[:2] for i in range(args.rounds)]
    results["ocr_cold"] = _per_page(cold, n_scan)
    warm = [_timed(lambda: ocr(work / "cache0"))[:2] for _ in range(args.rounds)]
    results["ocr_cached"] = _per_page(warm, n_scan)

    embedder = E5Embedder()
    chunker = Chunker(chunker_config(Settings(), embedder), embedder.count_tokens)

    def build(paths: list[Path], options: Callable[[], ExtractOptions]) -> int:
        chunks = 0
        for p in paths:
            ex = extract_pdf(p, options())
            doc = Document(p.name, p.stem, p.stem, "studie", ex.pages, ex.metadata())
            cs = chunker.chunk(doc)
            embedder.embed_passages([c.embedding_text() for c in cs])
            chunks += len(cs)
        return chunks

    rounds = [_timed(lambda: build(text_pdfs, lambda: ExtractOptions(ocr=None))) for _ in range(2)]
    results["build_text"] = _per_page([r[:2] for r in rounds], n_text)
    results["build_text"]["chunks"] = rounds[0][2]
    rounds = [
        _timed(lambda i=i: build(scans, lambda i=i: ExtractOptions(cache=OcrCache(work / f"b{i}"))))
        for i in range(2)
    ]
    results["build_scan_cold_ocr"] = _per_page([r[:2] for r in rounds], n_scan)
    results["build_scan_cold_ocr"]["chunks"] = rounds[0][2]
    results["load_avg_end"] = os.getloadavg()[0]

    out = ROOT / "bench" / "results"
    (out / "pdf_extraction.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    lines = [
        "# PDF extraction cost per page (medians; preliminary on a shared machine)",
        "",
        f"Load average {results['load_avg_start']:.1f} → {results['load_avg_end']:.1f}; "
        f"{n_text} text pages in {len(text_pdfs)} PDFs, {n_scan} scanned pages.",
        "",
        "| step | wall s/page | CPU s/page |",
        "| --- | ---: | ---: |",
    ]
    for key in (
        "parse_pypdf",
        "parse_new",
        "ocr_cold",
        "ocr_cached",
        "build_text",
        "build_scan_cold_ocr",
    ):
        r = results[key]
        lines.append(f"| {key} | {r['wall_s_per_page']:.3f} | {r['cpu_s_per_page']:.3f} |")
    (out / "pdf_extraction.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
