"""Checks for an admin upload before anything reaches the corpus.

Order: where the file is (only a fresh, regular file that Gradio stored in its own upload
folder; never a path the client names elsewhere on the server), then size, then type by
content (PDF magic bytes or UTF-8 text), and only then a copy into ``corpus/uploads/`` that is
atomic (temporary file in the target folder, checked, fsync'ed, then hard-linked to an unused
name, so an existing document is never overwritten and a crash leaves no half file).

Doc-id rule for uploads: the stored name is ``upload-<safe stem>.<pdf|md>`` in ``uploads/``, so
its public doc_id (the file stem) can never be the doc_id of a curated programme or study
(``zim`` stays the ZIM programme; an uploaded ``zim.md`` becomes ``upload-zim``).
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from foerderberater.core.errors import UploadError

UPLOAD_SUBDIR = "uploads"
UPLOAD_PREFIX = "upload-"
MAX_STEM = 80
SNIFF_BYTES = 8192
MB = 1024 * 1024
_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


class UploadLedger:
    """Which files Gradio's upload route stored, for which client, when (server side).

    The upload route is public, and a queue call can name any path inside the upload folder
    (another user's upload, a cached export), so the web layer records the paths from each
    ``/gradio_api/upload`` response together with the uploading client; an admin upload is
    accepted only for a path this client uploaded within ``max_age`` seconds. Bounded.
    """

    def __init__(self, max_age: float = 3600.0, max_entries: int = 10_000) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()  # path -> (client, t)

    def record(self, paths: Iterable[str], client: str, now: float | None = None) -> None:
        stamp = time.time() if now is None else now
        with self._lock:
            for path in paths:
                self._entries.pop(path, None)
                self._entries[path] = (client, stamp)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def issued_to(self, client: str, now: float | None = None) -> list[str]:
        stamp = time.time() if now is None else now
        with self._lock:
            return [
                path
                for path, (who, when) in self._entries.items()
                if who == client and stamp - when <= self.max_age
            ]

    def forget(self, path: str) -> None:
        with self._lock:
            self._entries.pop(path, None)


class UploadRejected(UploadError):
    """The upload is refused; the message is German and meant for the admin."""


@dataclass(frozen=True)
class AcceptedUpload:
    path: Path  # resolved, inside the upload folder
    size: int
    kind: str  # "pdf" | "markdown"
    original_name: str


def sniff_type(head: bytes) -> str | None:
    """``"pdf"`` or ``"markdown"`` from the first bytes of a file, else None."""
    if head.lstrip(b"\r\n\t \xef\xbb\xbf")[:5] == b"%PDF-":
        return "pdf"
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the end
            return None
        text = head[: exc.start].decode("utf-8-sig")
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return "markdown" if control == 0 and text.strip() else None


def accept_upload(
    candidate: str | os.PathLike[str] | None,
    upload_root: Path,
    *,
    max_bytes: int,
    original_name: str = "",
    max_age_seconds: float = 3600.0,
    issued: Collection[str] | None = None,
    now: Callable[[], float] = time.time,
) -> AcceptedUpload:
    """Validate the file a Gradio upload handler received; raises ``UploadRejected``.

    ``issued``: the paths the upload route stored for this client (``UploadLedger``); when
    given, the candidate must be one of them (not another user's upload, not a cached export).
    """
    if not candidate:
        raise UploadRejected("Keine Datei empfangen.")
    path = Path(os.fspath(candidate))
    try:
        root = upload_root.resolve(strict=True)
        info = os.lstat(path)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise UploadRejected("Keine hochgeladene Datei gefunden – bitte erneut hochladen.") from exc
    if not path.is_absolute() or Path(os.path.abspath(path)) != real or root not in real.parents:
        raise UploadRejected(
            "Abgelehnt: angenommen werden nur Dateien, die gerade über das Formular "
            "hochgeladen wurden, keine Pfade auf dem Server."
        )
    if issued is not None and str(real) not in {str(Path(p).resolve()) for p in issued}:
        raise UploadRejected(
            "Abgelehnt: diese Datei wurde nicht von Ihnen hochgeladen – bitte erneut hochladen."
        )
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        raise UploadRejected("Abgelehnt: keine gewöhnliche Datei.")
    if now() - info.st_mtime > max_age_seconds:
        raise UploadRejected("Der Upload ist abgelaufen – bitte die Datei erneut hochladen.")
    if info.st_size == 0:
        raise UploadRejected("Die Datei ist leer.")
    if info.st_size > max_bytes:
        raise UploadRejected(
            f"Datei zu groß: {info.st_size / MB:.1f} MB (erlaubt sind höchstens "
            f"{max_bytes / MB:.0f} MB)."
        )
    with _open_nofollow(real) as fh:
        kind = sniff_type(fh.read(SNIFF_BYTES))
    if kind is None:
        raise UploadRejected(
            "Dateityp nicht erkannt: erlaubt sind PDF-Dateien und Markdown-/Text-Dateien in "
            "UTF-8 (geprüft wird der Inhalt, nicht die Endung)."
        )
    return AcceptedUpload(real, info.st_size, kind, original_name or real.name)


def _open_nofollow(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")


def discard(accepted: AcceptedUpload) -> None:
    """Remove the file from Gradio's upload folder once it is stored (or refused)."""
    accepted.path.unlink(missing_ok=True)


def upload_name(original: str, kind: str) -> str:
    """``upload-<stem>.pdf|.md``: ASCII, lower case, ``[a-z0-9-]``, extension from the content."""
    stem = Path(original.replace("\\", "/")).name
    stem = re.sub(r"\.(pdf|md|markdown|txt)$", "", stem, flags=re.I)
    stem = unicodedata.normalize("NFKD", stem.translate(_TRANSLIT))
    stem = stem.encode("ascii", "ignore").decode("ascii").lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:MAX_STEM].strip("-") or "dokument"
    if stem.startswith(UPLOAD_PREFIX.rstrip("-")):
        stem = stem[len(UPLOAD_PREFIX.rstrip("-")) :].strip("-") or "dokument"
    return f"{UPLOAD_PREFIX}{stem}{'.pdf' if kind == 'pdf' else '.md'}"


def store_upload(
    accepted: AcceptedUpload,
    corpus_dir: Path,
    *,
    validate: Callable[[Path, str], None] | None = None,
    subdir: str = UPLOAD_SUBDIR,
) -> Path:
    """Copy atomically into ``corpus_dir/subdir`` under an unused ``upload_name``; returns it.

    ``validate(tmp_path, name)`` (e.g. parsing with the real ingest code under the final
    ``name``) may raise to refuse the file; the temporary copy is removed in every case.
    """
    root = corpus_dir.resolve()
    target_dir = (root / subdir).resolve()
    if root not in target_dir.parents:
        raise UploadRejected("Ungültiger Pfad: nur Dateien im Korpus-Ordner sind erlaubt.")
    target_dir.mkdir(parents=True, exist_ok=True)
    if target_dir.is_symlink():
        raise UploadRejected("Ungültiger Pfad: der Upload-Ordner ist eine Verknüpfung.")
    name = upload_name(accepted.original_name, accepted.kind)
    tmp = target_dir / f".tmp-{os.getpid()}-{time.monotonic_ns()}-{name}"
    try:
        copied = 0
        with _open_nofollow(accepted.path) as src, tmp.open("xb") as dst:
            while block := src.read(1 << 20):
                copied += len(block)
                if copied > accepted.size:  # grew after the check: refuse
                    raise UploadRejected("Die Datei hat sich während des Hochladens verändert.")
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        if validate is not None:
            validate(tmp, name)
        return _link_unused(tmp, target_dir, name)
    finally:
        tmp.unlink(missing_ok=True)


def _link_unused(tmp: Path, directory: Path, name: str) -> Path:
    stem, suffix = name.rsplit(".", 1)
    for n in range(1, 10_000):
        target = directory / (name if n == 1 else f"{stem}-{n}.{suffix}")
        try:
            os.link(tmp, target)  # fails if the name exists: never overwrites
        except FileExistsError:
            continue
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return target
    raise UploadRejected("Kein freier Dateiname im Upload-Ordner.")
