"""Read a PDF into cleaned pages: reading order, tables as rows, OCR for scanned pages.

``extract_pdf`` is what ``ingest.load_document`` calls for a ``.pdf`` (after its checks for
the ``%PDF-`` header and ``%%EOF``). It returns 1-based ``Page`` objects ready for a
``Document``, the tables found, and an :class:`ExtractionReport`. Running headers/footers,
page-number lines and hyphenation are cleaned as in today's ingest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foerderberater.core.errors import IngestError, ScanNotReadError
from foerderberater.core.settings import Settings
from foerderberater.core.text import join_across_pages, join_hyphenated, normalize
from foerderberater.core.types import Page
from foerderberater.index.pdf.layout import Box, reading_order
from foerderberater.index.pdf.ocr import (
    OcrError,
    OcrOptions,
    OcrPage,
    OcrUnavailableError,
    TesseractEngine,
    ocr_pdf_pages,
)
from foerderberater.index.pdf.ocr_cache import OcrCache, pdf_sha256
from foerderberater.index.pdf.report import ExtractionReport, PageReport, page_warnings
from foerderberater.index.pdf.tables import Table, continue_from, find_tables
from foerderberater.index.pdf.textlayer import (
    PageLayer,
    count_chars,
    image_share,
    is_garbled,
    strip_running_lines_guarded,
)

# Part of every PDF's content hash (``ingest.file_sha256``): bump it when the extracted text of
# unchanged PDFs changes, so the next incremental build reads them again.
EXTRACTOR = "pdfplumber-layout-tables-ocr-v1"
MIN_TEXT_CHARS_PER_DOC = 40
NO_TEXT_LAYER = "kein Textlayer, OCR nötig (gescannte PDF ohne Text)"
OCR_OFF = "Texterkennung abgeschaltet (FOERDERBERATER_OCR=0)"
WORD_X_TOLERANCE = 1.5  # pt: tighter than pdfplumber's 3, which glues small-font words


@dataclass(frozen=True)
class ExtractOptions:
    ocr: OcrOptions | None = field(default_factory=OcrOptions)  # None: OCR switched off
    cache: OcrCache | None = None  # where OCR results are kept between builds
    tables: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractOptions:
        """The build's options: OCR as configured, its cache under the index directory."""
        ocr = OcrOptions(settings.ocr_languages, settings.ocr_dpi) if settings.ocr else None
        return cls(ocr=ocr, cache=OcrCache.for_index(settings.index_dir))


@dataclass(frozen=True)
class PdfExtraction:
    pages: tuple[Page, ...]
    title: str  # from the PDF's metadata; may be empty
    tables: tuple[Table, ...]
    report: ExtractionReport

    def metadata(self) -> dict[str, Any]:
        """Keys for ``Document.metadata`` (JSON-safe): OCR marks and the table count."""
        meta: dict[str, Any] = {"seiten": len(self.pages)}
        if self.report.ocr_pages:
            meta["ocr"] = True
            meta["ocr_seiten"] = list(self.report.ocr_pages)
            meta["ocr_confidence"] = self.report.ocr_confidence
            meta["ocr_engine"] = self.report.ocr_engine
        if self.tables:
            meta["tabellen"] = len(self.tables)
        return meta


@dataclass
class _RawPage:
    layer: PageLayer
    text: str
    tables: list[Table]
    columns: int
    ocr: OcrPage | None = None


def _root_cause(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's errors in PdfminerException(original)."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
    return _root_cause(inner) if inner is not None else (exc.__context__ or exc)


def _unreadable(path: Path, exc: BaseException) -> IngestError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = _root_cause(exc)
    if isinstance(cause, PDFPasswordIncorrect):
        return IngestError(path, "passwortgeschützte PDF – bitte ohne Passwort ablegen")
    if isinstance(cause, PDFEncryptionError):
        return IngestError(path, f"verschlüsselte PDF, nicht lesbar ({cause})")
    return IngestError(path, f"PDF beschädigt, nicht lesbar ({type(cause).__name__}: {cause})")


def _open(path: Path) -> Any:
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path), password="")
        _ = pdf.pages  # parses the page tree: broken files fail here, not half-way
        return pdf
    except Exception as exc:  # pdfminer raises many internal types on broken files
        raise _unreadable(path, exc) from exc


def _title(pdf: Any) -> str:
    value = (pdf.metadata or {}).get("Title", "")
    if isinstance(value, bytes):
        for enc in ("utf-16", "utf-8", "latin-1"):
            try:
                value = value.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    return value.strip() if isinstance(value, str) else ""


def _read_page(page: Any, number: int, with_tables: bool, prev: Table | None) -> _RawPage:
    words = page.extract_words(x_tolerance=WORD_X_TOLERANCE, y_tolerance=3, use_text_flow=True)
    raw_text = " ".join(w["text"] for w in words)
    images = [(im["x0"], im["top"], im["x1"], im["bottom"]) for im in page.images]
    layer = PageLayer(
        number,
        count_chars(raw_text),
        image_share(images, float(page.width), float(page.height)),
        is_garbled(raw_text),
    )
    tables = find_tables(page, number) if with_tables and page.edges else []
    if tables and prev is not None:
        tables[0] = continue_from(prev, tables[0])

    def in_table(w: dict[str, Any]) -> bool:
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(t.bbox[0] <= cx <= t.bbox[2] and t.bbox[1] <= cy <= t.bbox[3] for t in tables)

    boxes = [
        Box(w["x0"], w["x1"], w["top"], w["bottom"], w["text"]) for w in words if not in_table(w)
    ]
    boxes += [Box(t.bbox[0], t.bbox[2], t.bbox[1], t.bbox[3], t.text, block=True) for t in tables]
    laid = reading_order(boxes)
    return _RawPage(layer, laid.text, tables, laid.columns)


def _run_ocr(
    path: Path,
    raws: list[_RawPage],
    options: ExtractOptions,
    warnings: list[str],
    ocr_progress: Callable[[int, int, int], None] | None,
) -> tuple[str, int]:
    """OCR the pages that need it (cache first). Returns (engine name, pages from cache)."""
    todo = [r for r in raws if r.layer.needs_ocr]
    if not todo or options.ocr is None:
        if todo:
            warnings.append(f"{_pages([r.layer.number for r in todo])}: ohne Textlayer – {OCR_OFF}")
        return "", 0
    sha = pdf_sha256(path)
    cached = options.cache.load(sha, options.ocr) if options.cache else {}
    engine: TesseractEngine | None = None
    from_cache = 0
    for done, raw in enumerate(todo):
        number = raw.layer.number
        if number in cached:
            raw.ocr = cached[number]
            from_cache += 1
            continue
        if ocr_progress:
            ocr_progress(done, len(todo), number)
        try:
            engine = engine or TesseractEngine.detect(options.ocr)
            raw.ocr = ocr_pdf_pages(path, [number], options.ocr, engine)[0]
        except OcrUnavailableError as exc:
            missing = [r.layer.number for r in todo if r.ocr is None]
            warnings.append(f"{_pages(missing)}: kein Textlayer, OCR nötig – {exc.reason}")
            break
        except OcrError as exc:
            warnings.append(f"Seite {number}: OCR fehlgeschlagen – {exc.reason}")
            continue
        except Exception as exc:  # rendering a broken page: that page only
            warnings.append(f"Seite {number}: OCR fehlgeschlagen ({type(exc).__name__})")
            continue
        if options.cache:
            options.cache.store(sha, options.ocr, [raw.ocr])  # keep progress of long scans
    name = engine.name if engine else ("tesseract" if from_cache else "")
    return name, from_cache


def _pages(numbers: list[int]) -> str:
    return ("Seite " if len(numbers) == 1 else "Seiten ") + ", ".join(map(str, numbers))


def extract_pdf(
    path: Path,
    options: ExtractOptions | None = None,
    *,
    doc_id: str = "",
    progress: Callable[[int, int], None] | None = None,
    ocr_progress: Callable[[int, int, int], None] | None = None,
) -> PdfExtraction:
    """Extract all pages of ``path``; raises ``IngestError`` with a German reason.

    ``doc_id`` names the document in the report; ``progress(page, pages)`` is called after
    each page's text layer is read; ``ocr_progress(done, todo, page)`` before each page that
    tesseract reads (not for pages from the cache), so a long scan shows where it is.
    """
    options = options or ExtractOptions()
    t0 = time.perf_counter()
    warnings: list[str] = []
    raws: list[_RawPage] = []
    with _open(path) as pdf:
        title = _title(pdf)
        total = len(pdf.pages)
        if total == 0:
            raise IngestError(path, "PDF enthält keine Seiten")
        prev_table: Table | None = None
        for i, page in enumerate(pdf.pages):
            try:
                raw = _read_page(page, i + 1, options.tables, prev_table)
            except Exception as exc:  # one broken page must not lose the document
                warnings.append(f"Seite {i + 1}: nicht lesbar ({type(exc).__name__})")
                raw = _RawPage(PageLayer(i + 1, 0, 0.0), "", [], 1)
            prev_table = raw.tables[-1] if raw.tables else None
            raws.append(raw)
            page.close()
            if progress:
                progress(i + 1, total)
    engine_name, from_cache = _run_ocr(path, raws, options, warnings, ocr_progress)

    texts = [
        normalize(r.ocr.text if r.ocr else (r.text if not r.layer.garbled else "")) for r in raws
    ]
    texts = [join_hyphenated(p) for p in join_across_pages(strip_running_lines_guarded(texts))]
    if sum(len(t) for t in texts) < MIN_TEXT_CHARS_PER_DOC:
        if any(r.layer.needs_ocr for r in raws) and not any(r.ocr for r in raws):
            reasons = [w.split(" – ", 1)[1] for w in warnings if "OCR nötig – " in w]
            reasons += [OCR_OFF] if options.ocr is None else []
            detail = f" – {reasons[0]}" if reasons else ""
            raise ScanNotReadError(path, NO_TEXT_LAYER + detail)
        if any(r.ocr for r in raws):
            raise IngestError(path, "kein Textlayer, und die Texterkennung (OCR) fand keinen Text")
        raise IngestError(path, "kein verwertbarer Text in der PDF")

    reports = []
    for raw, text in zip(raws, texts, strict=True):
        source = "ocr" if raw.ocr else "text"
        rep = PageReport(
            raw.layer.number,
            len(text),
            "empty" if not text else source,
            raw.ocr.confidence if raw.ocr else None,
            raw.ocr.rotation if raw.ocr else 0,
            len(raw.tables) if not raw.ocr else 0,
            raw.columns if not raw.ocr else 1,
        )
        reports.append(rep)
        warnings.extend(page_warnings(rep))
    tables = tuple(t for r in raws if not r.ocr for t in r.tables)
    report = ExtractionReport(
        doc_id or path.name,
        tuple(reports),
        len(tables),
        tuple(dict.fromkeys(warnings)),
        engine_name,
        from_cache,
        time.perf_counter() - t0,
    )
    pages = tuple(Page(i + 1, t) for i, t in enumerate(texts))
    return PdfExtraction(pages, title, tables, report)
