"""Per-document extraction report: what was read from each page, and what looks wrong.

Built by :func:`foerderberater.index.pdf.extract.extract_pdf`; the admin tab and
``foerderberater info --doc SLUG`` show :func:`format_report` (German). The builder adds the
chunk count with :meth:`ExtractionReport.with_chunks`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

FEW_CHARS = 50  # a page with fewer characters gets a warning
LOW_CONFIDENCE = 0.7  # OCR pages below this mean word confidence get a warning

PageSource = Literal["text", "ocr", "empty"]


@dataclass(frozen=True)
class PageReport:
    number: int
    chars: int  # characters of the final page text (after clean-up)
    source: PageSource  # text layer, OCR, or nothing usable
    ocr_confidence: float | None = None  # 0..1, OCR pages only
    rotation: int = 0  # degrees the page was turned for OCR
    tables: int = 0
    columns: int = 1


@dataclass(frozen=True)
class ExtractionReport:
    path: str
    pages: tuple[PageReport, ...]
    tables: int
    warnings: tuple[str, ...]
    ocr_engine: str = ""  # "tesseract 5.3.0" when OCR ran or came from the cache
    ocr_cached_pages: int = 0  # OCR pages taken from the cache instead of the engine
    seconds: float = 0.0
    chunks: int | None = None  # set by the builder

    @property
    def n_pages(self) -> int:
        return len(self.pages)

    @property
    def chars(self) -> int:
        return sum(p.chars for p in self.pages)

    @property
    def ocr_pages(self) -> tuple[int, ...]:
        return tuple(p.number for p in self.pages if p.source == "ocr")

    @property
    def ocr_confidence(self) -> float | None:
        """Mean confidence over the OCR pages (None without OCR)."""
        values = [p.ocr_confidence for p in self.pages if p.ocr_confidence is not None]
        return round(sum(values) / len(values), 4) if values else None

    def with_chunks(self, chunks: int) -> ExtractionReport:
        return replace(self, chunks=chunks)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form, e.g. for the manifest or the document metadata."""
        return {
            "path": self.path,
            "pages": [
                {
                    "number": p.number,
                    "chars": p.chars,
                    "source": p.source,
                    "ocr_confidence": p.ocr_confidence,
                    "rotation": p.rotation,
                    "tables": p.tables,
                    "columns": p.columns,
                }
                for p in self.pages
            ],
            "tables": self.tables,
            "warnings": list(self.warnings),
            "ocr_engine": self.ocr_engine,
            "ocr_cached_pages": self.ocr_cached_pages,
            "seconds": round(self.seconds, 3),
            "chunks": self.chunks,
        }


def report_from_json(data: dict[str, Any]) -> ExtractionReport:
    """Inverse of ``ExtractionReport.to_json`` (e.g. read back from the index for ``info``)."""
    pages = tuple(
        PageReport(
            int(p["number"]),
            int(p["chars"]),
            p["source"],
            p.get("ocr_confidence"),
            int(p.get("rotation", 0)),
            int(p.get("tables", 0)),
            int(p.get("columns", 1)),
        )
        for p in data.get("pages", [])
    )
    return ExtractionReport(
        str(data.get("path", "")),
        pages,
        int(data.get("tables", 0)),
        tuple(str(w) for w in data.get("warnings", [])),
        str(data.get("ocr_engine", "")),
        int(data.get("ocr_cached_pages", 0)),
        float(data.get("seconds", 0.0)),
        None if data.get("chunks") is None else int(data["chunks"]),
    )


def page_warnings(page: PageReport) -> list[str]:
    """Warnings derived from one page's numbers (German, for admins)."""
    out: list[str] = []
    if page.source == "empty":
        out.append(f"Seite {page.number}: kein Text")
    elif page.chars < FEW_CHARS:
        out.append(f"Seite {page.number}: nur {page.chars} Zeichen")
    if page.ocr_confidence is not None and page.ocr_confidence < LOW_CONFIDENCE:
        pct = round(page.ocr_confidence * 100)
        out.append(f"Seite {page.number}: Texterkennung unsicher ({pct} % Konfidenz)")
    return out


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def format_report(report: ExtractionReport) -> str:
    """German plain-text rendering: summary, one line per page, then the warnings."""
    ocr = report.ocr_pages
    lines = [
        f"Extraktionsbericht: {report.path}",
        f"Seiten: {report.n_pages} · Zeichen: {report.chars:,}".replace(",", "."),
        f"Tabellen: {report.tables}"
        + (f" · Abschnitte (Chunks): {report.chunks}" if report.chunks is not None else ""),
    ]
    if ocr:
        cached = (
            f", {report.ocr_cached_pages} aus dem Zwischenspeicher"
            if report.ocr_cached_pages
            else ""
        )
        lines.append(
            f"Aus Scan erkannt (OCR, {report.ocr_engine or 'tesseract'}): Seite "
            f"{', '.join(map(str, ocr))} · mittlere Konfidenz {_percent(report.ocr_confidence)}"
            f"{cached}"
        )
    else:
        lines.append("Aus Scan erkannt (OCR): keine Seite")
    lines.append("")
    lines.append("Seite  Zeichen  Quelle      Spalten  Tabellen  OCR-Konfidenz")
    source_de = {"text": "Textlayer", "ocr": "OCR", "empty": "leer"}
    for p in report.pages:
        turned = f" (gedreht {p.rotation}°)" if p.rotation else ""
        lines.append(
            f"{p.number:>5}  {p.chars:>7}  {source_de[p.source]:<10}  {p.columns:>7}  "
            f"{p.tables:>8}  {_percent(p.ocr_confidence) if p.source == 'ocr' else '–'}{turned}"
        )
    lines.append("")
    if report.warnings:
        lines.append("Hinweise:")
        lines.extend(f"- {w}" for w in report.warnings)
    else:
        lines.append("Hinweise: keine")
    return "\n".join(lines)
