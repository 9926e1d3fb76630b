"""Safe changes to the corpus from the admin UI: upload PDF/Markdown, list and remove documents.

* the type is decided by the content (PDF magic bytes, else UTF-8 text), never by the name;
* the stored name is derived from the original name but reduced to ``[a-z0-9-]``;
* every path is resolved and must stay inside the corpus directory (no traversal, no symlinks);
* files are checked with the real ingest code before they are placed, written atomically.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from foerderberater.core.errors import FoerderberaterError, ScanNotReadError, UploadError
from foerderberater.index.ingest import IGNORED_NAMES, SUPPORTED_SUFFIXES, discover, load_document
from foerderberater.index.pdf.extract import ExtractOptions

UPLOAD_SUBDIR = "uploads"
_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)
MAX_NAME = 80
MB = 1024 * 1024
UPLOAD_CHECK = ExtractOptions(ocr=None)  # no OCR while the admin waits: the build does it


@dataclass(frozen=True)
class StoredFile:
    doc_id: str  # path relative to the corpus (POSIX)
    path: Path
    kind: str  # "pdf" | "markdown"
    size: int


def detect_type(head: bytes) -> str | None:
    """``"pdf"`` or ``"markdown"`` from the first bytes of a file, else None."""
    if head.lstrip(b"\r\n\t \xef\xbb\xbf")[:5] == b"%PDF-":
        return "pdf"
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # a multi-byte character may be cut at the end of the sample
        if exc.start < len(head) - 4:
            return None
        text = head[: exc.start].decode("utf-8-sig", errors="strict")
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return "markdown" if control == 0 and text.strip() else None


def safe_filename(original: str, kind: str) -> str:
    """A plain, lower-case file name with the extension that matches the detected type."""
    stem = Path(original.replace("\\", "/")).name  # drop any directory part
    stem = re.sub(r"\.(pdf|md|markdown|txt)$", "", stem, flags=re.I)
    stem = unicodedata.normalize("NFKD", stem.translate(_TRANSLIT))
    stem = stem.encode("ascii", "ignore").decode("ascii").lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:MAX_NAME].strip("-")
    suffix = ".pdf" if kind == "pdf" else ".md"
    if not stem or f"{stem}{suffix}" in IGNORED_NAMES:
        stem = f"dokument-{stem}" if stem else "dokument"
    return stem + suffix


def _inside(corpus_dir: Path, candidate: Path) -> Path:
    root = corpus_dir.resolve()
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise UploadError("Ungültiger Pfad: nur Dateien im Korpus-Ordner sind erlaubt.")
    return resolved


def save_upload(
    corpus_dir: Path, source: Path, original_name: str, max_bytes: int, subdir: str = UPLOAD_SUBDIR
) -> StoredFile:
    """Validate ``source`` and copy it into ``corpus_dir/subdir`` under a safe, unused name."""
    source = Path(source)
    if not source.is_file():
        raise UploadError("Keine Datei empfangen.")
    size = source.stat().st_size
    if size == 0:
        raise UploadError("Die Datei ist leer.")
    if size > max_bytes:
        raise UploadError(
            f"Datei zu groß: {size / MB:.1f} MB (erlaubt sind höchstens {max_bytes / MB:.0f} MB)."
        )
    with source.open("rb") as fh:
        head = fh.read(8192)
    kind = detect_type(head)
    if kind is None:
        raise UploadError(
            "Dateityp nicht erkannt: erlaubt sind PDF-Dateien und Markdown-/Text-"
            "Dateien in UTF-8 (geprüft wird der Inhalt, nicht die Endung)."
        )
    target_dir = _inside(corpus_dir, corpus_dir / subdir)
    name = safe_filename(original_name, kind)
    _check_ingest(source, subdir, name)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = _unused(target_dir, name)
    tmp = target_dir / f".upload-{os.getpid()}-{target.name}"
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    doc_id = target.relative_to(corpus_dir.resolve()).as_posix()
    return StoredFile(doc_id, target, kind, size)


def _unused(directory: Path, name: str) -> Path:
    target = directory / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists():
        target = directory / f"{stem}-{n}{suffix}"
        n += 1
    return target


def _check_ingest(source: Path, subdir: str, name: str) -> None:
    """Parse the file with the real ingest code in a scratch corpus; reject what it rejects."""
    with tempfile.TemporaryDirectory(prefix="foerderberater-upload-") as scratch:
        root = Path(scratch)
        path = root / subdir / name
        path.parent.mkdir(parents=True)
        shutil.copyfile(source, path)
        try:
            load_document(path, root, pdf_options=UPLOAD_CHECK)
        except ScanNotReadError:
            pass  # a scan: the next index build reads it by OCR (or reports why it cannot)
        except FoerderberaterError as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            raise UploadError(f"Datei nicht verwendbar: {reason}") from exc


def list_corpus(corpus_dir: Path) -> list[StoredFile]:
    """The indexable files of the corpus (as the index builder sees them)."""
    out = []
    for path in discover(corpus_dir):
        kind = "pdf" if path.suffix.lower() == ".pdf" else "markdown"
        out.append(
            StoredFile(path.relative_to(corpus_dir).as_posix(), path, kind, path.stat().st_size)
        )
    return out


def resolve_document(corpus_dir: Path, doc_id: str) -> Path:
    """The file of ``doc_id`` inside the corpus; raises ``UploadError`` for anything else."""
    if not doc_id or "\x00" in doc_id or doc_id.startswith(("/", "\\")):
        raise UploadError("Ungültiger Dokumentname.")
    parts = Path(doc_id).parts
    if any(p in ("..", "") or p.startswith(".") for p in parts):
        raise UploadError("Ungültiger Dokumentname.")
    candidate = corpus_dir / doc_id
    if candidate.is_symlink():
        raise UploadError("Verknüpfungen (Symlinks) werden nicht angefasst.")
    path = _inside(corpus_dir, candidate)
    if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadError(f"Dokument {doc_id!r} gibt es im Korpus nicht.")
    return path


def remove_document(corpus_dir: Path, doc_id: str) -> list[str]:
    """Delete a corpus file (and the metadata sidecar of a PDF); returns what was removed."""
    path = resolve_document(corpus_dir, doc_id)
    removed = [path]
    sidecar = path.with_suffix(".yaml")
    if path.suffix.lower() == ".pdf" and sidecar.is_file() and not sidecar.is_symlink():
        removed.append(sidecar)
    for p in removed:
        p.unlink()
    root = corpus_dir.resolve()
    return [p.relative_to(root).as_posix() for p in removed]
