"""What the index holds for one document: its extraction report and a page's indexed text.

``foerderberater info --doc SLUG`` and the admin tab show this. The report of a PDF is stored
with the document's metadata (``extraktion``), so every storage backend that keeps the metadata
carries it; the chunk count comes from the index version. A page preview is the text the index
holds for that page: the chunks that stand on it, in reading order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Protocol

from foerderberater.core.errors import DocumentNotFoundError
from foerderberater.core.types import Chunk
from foerderberater.index.pdf.report import ExtractionReport, format_report, report_from_json
from foerderberater.index.store import DocRecord

PREVIEW_CHARS = 6000  # the page preview is cut after this many characters


class DocumentIndex(Protocol):
    """The parts of an index version used here (``IndexVersion`` or another backend)."""

    docs: dict[str, DocRecord]
    manifest: dict[str, Any]

    def doc_chunks(self, doc_id: str) -> list[Chunk]: ...


@dataclass(frozen=True)
class DocumentReport:
    doc_id: str
    slug: str
    title: str
    kind: str  # "Programm" | "Studie" | "Text"
    pages: int  # PDF pages (0 for Markdown and text)
    chunks: int
    report: ExtractionReport | None  # None for documents that are not PDFs

    @property
    def ocr_pages(self) -> tuple[int, ...]:
        return self.report.ocr_pages if self.report else ()

    def text(self) -> str:
        """German plain text: the extraction report, or a short note for a text document."""
        if self.report is not None:
            return f"Titel: {self.title} ({self.kind})\n" + format_report(self.report)
        return (
            f"Dokument: {self.doc_id}\nTitel: {self.title} ({self.kind})\n"
            f"Text- bzw. Markdown-Datei, ohne PDF-Extraktion · Abschnitte (Chunks): {self.chunks}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.slug,
            "path": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "pages": self.pages,
            "chunks": self.chunks,
            "report": self.report.to_json() if self.report else None,
        }


def find_document(version: DocumentIndex, name: str) -> DocRecord:
    """The document named by its slug (file stem) or its path in the corpus."""
    name = name.strip()
    if name in version.docs:
        return version.docs[name]
    by_slug = [d for d in version.docs.values() if d.slug == name]
    if len(by_slug) == 1:
        return by_slug[0]
    if by_slug:
        raise DocumentNotFoundError(name, tuple(sorted(d.doc_id for d in by_slug)), ambiguous=True)
    names = sorted({d.slug for d in version.docs.values()})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    raise DocumentNotFoundError(name, tuple(close))


def document_report(version: DocumentIndex, name: str) -> DocumentReport:
    record = find_document(version, name)
    files = version.manifest.get("files", {})
    chunks = files.get(record.doc_id, {}).get("chunks")
    if chunks is None:
        chunks = len(version.doc_chunks(record.doc_id))
    raw = getattr(record.meta, "extraktion", None)
    report = report_from_json(raw).with_chunks(int(chunks)) if isinstance(raw, dict) else None
    return DocumentReport(
        record.doc_id,
        record.slug,
        record.title,
        record.kind,
        record.n_pages,
        int(chunks),
        report,
    )


def page_preview(version: DocumentIndex, name: str, page: int) -> str:
    """German text: what the index holds for ``page`` of a PDF (its chunks in order)."""
    record = find_document(version, name)
    if record.n_pages == 0:
        raise DocumentNotFoundError(name, (), reason="hat keine Seiten (keine PDF)")
    if not 1 <= page <= record.n_pages:
        raise DocumentNotFoundError(
            name, (), reason=f"hat keine Seite {page} (Seiten 1–{record.n_pages})"
        )
    chunks = [c for c in version.doc_chunks(record.doc_id) if page in c.pages]
    ocr = page in (getattr(record.meta, "ocr_seiten", ()) or ())
    head = f"Seite {page} von {record.n_pages} – {record.doc_id}"
    head += " · aus Scan erkannt (OCR)" if ocr else ""
    if not chunks:
        return f"{head}\nKein Text dieser Seite im Index (leere Seite oder nur Bilder)."
    parts = [f"{head} · {len(chunks)} Abschnitt(e) im Index"]
    for c in chunks:
        where = ", ".join(f"S. {p}" for p in c.pages)
        section = f" · {c.section}" if c.section else ""
        parts.append(f"--- Abschnitt {c.ordinal + 1} ({where}){section}\n{c.text}")
    text = "\n\n".join(parts)
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"
