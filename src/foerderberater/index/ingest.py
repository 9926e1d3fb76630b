"""Read corpus files (PDF, Markdown with front matter, plain text) into ``Document`` objects."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FrontMatterError, IngestError
from foerderberater.core.schema import Meta, parse_meta
from foerderberater.core.text import (
    drop_page_number_lines,
    join_across_pages,
    join_hyphenated,
    normalize,
    strip_running_lines,
)
from foerderberater.core.types import Document, Page
from foerderberater.index.limits import Limits, check_text_size
from foerderberater.index.walk import CorpusWalk, walk_corpus

SUPPORTED_SUFFIXES = (".pdf", ".md", ".markdown", ".txt")
IGNORED_NAMES = {"readme.md", "readme.txt", "license", "license.md"}
MIN_TEXT_CHARS_PER_DOC = 40
log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    sidecar = path.with_suffix(".yaml")
    if path.suffix.lower() == ".pdf" and sidecar.exists():
        h.update(b"\x00sidecar\x00" + sidecar.read_bytes())
    return h.hexdigest()


def scan_corpus(corpus_dir: Path, max_file_bytes: int | None = None) -> CorpusWalk:
    """The indexable files below ``corpus_dir`` (sorted) and the files left out, with reasons.

    Hidden paths and READMEs are ignored; symlinks, names that are not UTF-8, special files,
    files above ``max_file_bytes`` and clashing doc_ids are reported (see ``index.walk``).
    """
    return walk_corpus(
        corpus_dir,
        suffixes=SUPPORTED_SUFFIXES,
        ignored_names=IGNORED_NAMES,
        max_file_bytes=max_file_bytes,
    )


def discover(corpus_dir: Path) -> list[Path]:
    """All indexable files below ``corpus_dir``, sorted (``scan_corpus`` without the skips)."""
    return list(scan_corpus(corpus_dir).files)


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def load_document(
    path: Path,
    corpus_dir: Path,
    sha256: str = "",
    limits: Limits | None = None,
) -> Document:
    """Parse one file; raises ``IngestError`` with a German reason naming the problem.

    With ``limits``, a text file too large for ``max_chunks_per_doc`` is refused before it is
    read, any other document before it is chunked (``DocumentTooLarge``).
    """
    size = path.stat().st_size
    if size == 0:
        raise IngestError(path, "leere Datei (0 Bytes)")
    suffix = path.suffix.lower()
    doc_id = doc_id_for(path, corpus_dir)
    if suffix != ".pdf" and limits is not None:  # bytes >= characters: refuse before reading
        check_text_size(doc_id, size, limits)
    doc = _load_pdf(path, doc_id, sha256) if suffix == ".pdf" else _load_text(path, doc_id, sha256)
    if limits is not None:
        check_text_size(doc_id, sum(len(p.text) for p in doc.pages), limits)
    return doc


# --------------------------------------------------------------------------- Markdown / text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(raw: str, path: Path | str) -> tuple[dict[str, Any], str]:
    """Return (metadata, body). Broken YAML raises ``FrontMatterError`` with the line."""
    if not raw.startswith("---"):
        return {}, raw
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise FrontMatterError(path, "YAML-Front-Matter ist nicht mit '---' abgeschlossen")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (Zeile {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(path, f"YAML-Front-Matter fehlerhaft{line}: {problem}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError(path, "YAML-Front-Matter muss aus Schlüssel: Wert-Paaren bestehen")
    return meta, raw[match.end() :]


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(path, "Binärdatei, keine Textdatei (Inhalt passt nicht zur Endung)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"keine gültige UTF-8-Textdatei (Byte {exc.start})") from exc


def _load_text(path: Path, doc_id: str, sha256: str) -> Document:
    raw = _decode(path).replace("\r\n", "\n").replace("\r", "\n")  # CRLF front matter
    front: dict[str, Any] = {}
    body = raw
    if path.suffix.lower() in (".md", ".markdown"):
        front, body = split_front_matter(raw, doc_id)
    programme = "foerderart" in front or doc_id.startswith("programme/")
    meta = parse_meta(front, doc_id, "Programm" if programme else "Text")
    text = normalize(body)
    if len(text) < 20:
        raise IngestError(path, "kein verwertbarer Text enthalten")
    title = str(meta.titel or _first_heading(text) or path.stem)
    return Document(doc_id, path.stem, title, (Page(0, text),), meta, sha256)


def _first_heading(text: str) -> str | None:
    for line in text.split("\n"):
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


# --------------------------------------------------------------------------- PDF


def _load_pdf(path: Path, doc_id: str, sha256: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    head = path.read_bytes()[:1024]
    if b"%PDF-" not in head:
        raise IngestError(path, "keine PDF-Datei (Inhalt passt nicht zur Endung .pdf)")
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" not in fh.read():
            raise IngestError(path, "PDF unvollständig oder abgeschnitten (kein Dateiende '%%EOF')")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (NotImplementedError, FileNotDecryptedError) as exc:
                raise IngestError(path, f"verschlüsselte PDF, nicht lesbar ({exc})") from exc
            if not ok:
                raise IngestError(path, "passwortgeschützte PDF – bitte ohne Passwort ablegen")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        pdf_title = (info.title if info and info.title else "") or ""
    except IngestError:
        raise
    except DependencyError as exc:  # AES-encrypted PDFs need the 'cryptography' package
        raise IngestError(
            path, f"verschlüsselte PDF, zum Entschlüsseln fehlt ein Paket ({exc})"
        ) from exc
    except (FileNotDecryptedError, PdfReadError, PdfStreamError, ValueError, KeyError) as exc:
        raise IngestError(
            path, f"PDF beschädigt, nicht lesbar ({type(exc).__name__}: {exc})"
        ) from exc
    except Exception as exc:  # pypdf raises many internal types on broken files
        raise IngestError(path, f"PDF nicht lesbar ({type(exc).__name__}: {exc})") from exc
    if not raw_pages:
        raise IngestError(path, "PDF enthält keine Seiten")
    # order matters: running lines first, so a footer never splits a hyphenated word
    normalized = [normalize(p) for p in raw_pages]
    pages = [drop_page_number_lines(p) for p in strip_running_lines(normalized)]
    if sum(map(len, pages)) < MIN_TEXT_CHARS_PER_DOC <= sum(map(len, normalized)):
        pages = normalized  # near-identical pages: the repeated lines are the text, not headers
    pages = [join_hyphenated(p) for p in join_across_pages(pages)]
    if sum(len(p) for p in pages) < MIN_TEXT_CHARS_PER_DOC:
        raise IngestError(path, "kein Textlayer, OCR nötig (gescannte PDF ohne Text)")
    meta = _sidecar(path, doc_id, len(pages))
    title = str(meta.titel or pdf_title.strip() or _first_line(pages) or path.stem)
    page_objs = tuple(Page(i + 1, text) for i, text in enumerate(pages))
    return Document(doc_id, path.stem, title, page_objs, meta, sha256)


def _sidecar(path: Path, doc_id: str, n_pages: int) -> Meta:
    """Metadata of a PDF from ``<name>.yaml`` next to it (a study unless it says otherwise)."""
    sidecar = path.with_suffix(".yaml")
    if not sidecar.exists():
        return parse_meta({"seiten": n_pages}, doc_id, "Studie")
    try:
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FrontMatterError(sidecar.name, f"Metadaten-Datei fehlerhaft: {exc}") from exc
    if not isinstance(meta, dict):
        raise FrontMatterError(sidecar.name, "Metadaten-Datei muss Schlüssel: Wert-Paare enthalten")
    return parse_meta({"seiten": n_pages, **meta}, doc_id, "Studie")


# Letterhead lines are no title: "Telefon: 233 – 26228", "Datum: 22.12.2020", "AZ: 0262.0-25"
_LETTERHEAD = re.compile(
    r"^(telefon|telefax|tel|fax|e-mail|mail|internet|datum|az|aktenzeichen|seite)\b", re.I
)


def _first_line(pages: list[str]) -> str | None:
    for page in pages:
        for line in page.split("\n"):
            line = line.strip()
            if len(line) > 3 and not _LETTERHEAD.match(line):
                return line[:200]
    return None
