"""OCR results cached by the SHA-256 of the PDF bytes, so a rebuild never OCRs a page twice.

One JSON file per PDF: ``<cache_dir>/<sha256>.json``. The cache lives beside the index
versions (``<index_dir>/ocr-cache``), which a rebuild neither replaces nor cleans. Entries are
keyed by language and resolution; an engine upgrade alone does not invalidate them. Files are
written atomically; an unreadable file counts as a miss and is overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foerderberater.index.pdf.ocr import OcrOptions, OcrPage

CACHE_DIR_NAME = "ocr-cache"
CACHE_FORMAT = 1


def pdf_sha256(path: Path) -> str:
    """Hash of the PDF bytes only (a changed sidecar .yaml must not cause new OCR)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_key(options: OcrOptions) -> str:
    return f"{options.languages}@{options.dpi}"


@dataclass(frozen=True)
class OcrCache:
    directory: Path

    @classmethod
    def for_index(cls, index_dir: Path) -> OcrCache:
        return cls(index_dir / CACHE_DIR_NAME)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.directory / f"{sha256}.json"

    def _read(self, sha256: str) -> dict[str, Any]:
        path = self._path(sha256)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        ok = isinstance(data, dict) and data.get("format") == CACHE_FORMAT
        return data if ok and isinstance(data.get("entries"), dict) else {}

    def load(self, sha256: str, options: OcrOptions) -> dict[int, OcrPage]:
        """Cached pages of this PDF for these options, by page number."""
        entry = self._read(sha256).get("entries", {}).get(cache_key(options), {})
        pages: dict[int, OcrPage] = {}
        for raw in entry.values() if isinstance(entry, dict) else ():
            try:
                page = OcrPage(
                    int(raw["number"]),
                    str(raw["text"]),
                    None if raw["confidence"] is None else float(raw["confidence"]),
                    int(raw["rotation"]),
                    int(raw["words"]),
                    float(raw.get("seconds", 0.0)),
                )
            except (KeyError, TypeError, ValueError):
                continue
            pages[page.number] = page
        return pages

    def store(self, sha256: str, options: OcrOptions, pages: Iterable[OcrPage]) -> None:
        """Merge pages into the file of this PDF (atomic replace)."""
        pages = list(pages)
        if not pages:
            return
        data = self._read(sha256) or {"format": CACHE_FORMAT, "entries": {}}
        entry = data["entries"].setdefault(cache_key(options), {})
        for p in pages:
            entry[str(p.number)] = {
                "number": p.number,
                "text": p.text,
                "confidence": p.confidence,
                "rotation": p.rotation,
                "words": p.words,
                "seconds": round(p.seconds, 3),
            }
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path(sha256))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep: Iterable[str]) -> int:
        """Delete cache files of PDFs no longer in the corpus; returns how many went."""
        keep_set = set(keep)
        removed = 0
        if not self.directory.is_dir():
            return 0
        for path in self.directory.glob("*.json"):
            if not path.name.startswith(".") and path.stem not in keep_set:
                path.unlink(missing_ok=True)
                removed += 1
        for stale in self.directory.glob(".tmp-*.json"):  # left by a killed build
            stale.unlink(missing_ok=True)
        return removed


def prune_for_corpus(index_dir: Path, paths: Iterable[Path]) -> int:
    """After a build: drop the cached OCR of PDFs no longer among ``paths`` (the corpus files).

    Never fails a build that is already published: an unreadable file keeps everything."""
    cache = OcrCache.for_index(index_dir)
    if not cache.directory.is_dir():
        return 0
    try:
        keep = {pdf_sha256(p) for p in paths if p.suffix.lower() == ".pdf"}
        return cache.prune(keep)
    except OSError:
        return 0
