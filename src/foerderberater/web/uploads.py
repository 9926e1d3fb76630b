"""Safe changes to the corpus from the admin UI: upload PDF/Markdown, list and remove documents.

* an upload is accepted only as the fresh file Gradio stored for this client, checked for size
  and then type by content (``security.upload_check.accept_upload``);
* it is parsed with the real ingest code and copied atomically into ``uploads/`` as
  ``upload-<safe name>.pdf|.md`` (the ``upload-`` prefix keeps its doc_id apart from every
  curated programme or study, see ``security.upload_check``), never overwriting a file;
* every other path is resolved and must stay inside the corpus directory (no traversal,
  no symlinks); the listing is the index builder's corpus walk, with the files it skips.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from foerderberater.core.errors import FoerderberaterError, UploadError
from foerderberater.index.ingest import SUPPORTED_SUFFIXES, load_document, scan_corpus
from foerderberater.index.walk import WalkSkip
from foerderberater.security.upload_check import (
    UPLOAD_SUBDIR,
    AcceptedUpload,
    UploadRejected,
    store_upload,
)


@dataclass(frozen=True)
class StoredFile:
    doc_id: str  # path relative to the corpus (POSIX)
    path: Path
    kind: str  # "pdf" | "markdown"
    size: int


def _inside(corpus_dir: Path, candidate: Path) -> Path:
    root = corpus_dir.resolve()
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise UploadError("Ungültiger Pfad: nur Dateien im Korpus-Ordner sind erlaubt.")
    return resolved


def save_upload(
    corpus_dir: Path, upload: AcceptedUpload, subdir: str = UPLOAD_SUBDIR
) -> StoredFile:
    """Parse ``upload`` with the real ingest code, then store it in ``corpus_dir/subdir``."""

    def check_ingest(tmp: Path, name: str) -> None:
        with tempfile.TemporaryDirectory(prefix="foerderberater-upload-") as scratch:
            root = Path(scratch)
            path = root / UPLOAD_SUBDIR / name
            path.parent.mkdir(parents=True)
            shutil.copyfile(tmp, path)
            try:
                load_document(path, root)
            except FoerderberaterError as exc:
                reason = getattr(exc, "reason", None) or str(exc)
                raise UploadRejected(f"Datei nicht verwendbar: {reason}") from exc

    target = store_upload(upload, corpus_dir, validate=check_ingest, subdir=subdir)
    doc_id = target.relative_to(corpus_dir.resolve()).as_posix()
    return StoredFile(doc_id, target, upload.kind, upload.size)


def list_corpus(
    corpus_dir: Path, max_file_bytes: int | None = None
) -> tuple[list[StoredFile], tuple[WalkSkip, ...]]:
    """The indexable files of the corpus and the skipped ones (as the index builder sees them)."""
    scan = scan_corpus(corpus_dir, max_file_bytes)
    out = []
    for path in scan.files:
        kind = "pdf" if path.suffix.lower() == ".pdf" else "markdown"
        out.append(
            StoredFile(path.relative_to(corpus_dir).as_posix(), path, kind, path.stat().st_size)
        )
    return out, scan.skipped


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
