"""Input limits of the index build, with German reasons that name the setting to change.

* ``max_file_mb`` (``FOERDERBERATER_MAX_FILE_MB``, default 50): larger corpus files are
  reported by the corpus walk and never read.
* ``max_chunks_per_doc`` (``FOERDERBERATER_MAX_CHUNKS_PER_DOC``, default 3000, about 600 PDF
  pages): a document that would need more sections is refused. ``check_text_size`` decides
  this from the text length alone, before the (slow) chunking, whenever even the most
  generous estimate exceeds the limit – for a text file from its size on disk, before it is
  read; the chunker stops as soon as the real count exceeds it.

A refused file never changes the index: an older indexed version of it stays (the builder's
``kept_previous`` rule), and the build finishes with exit code 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from foerderberater.core.errors import ConfigError, IngestError

MB = 1024 * 1024
# generous upper bound of characters per token (German e5 text has about 3 to 4); a text needs
# at least chars / (MAX_CHARS_PER_TOKEN * chunk_tokens) chunks
MAX_CHARS_PER_TOKEN = 8


class DocumentTooLarge(IngestError):
    """A corpus file exceeds a configured limit (the reason names the limit)."""


@dataclass(frozen=True)
class Limits:
    max_file_mb: int = 50
    max_chunks_per_doc: int = 3000
    chunk_tokens: int = 256  # the chunker's budget: turns a text length into a chunk estimate

    def __post_init__(self) -> None:
        for name in ("max_file_mb", "max_chunks_per_doc", "chunk_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(name, "muss mindestens 1 sein")

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MB


def file_size_reason(size: int, max_bytes: int) -> str | None:
    """German reason when a file of ``size`` bytes is larger than ``max_bytes``, else None."""
    if size <= max_bytes:
        return None
    return (
        f"Datei zu groß: {size / MB:.1f} MB (höchstens {max_bytes / MB:.0f} MB, "
        "einstellbar mit FOERDERBERATER_MAX_FILE_MB)"
    )


def min_chunks(n_chars: int, chunk_tokens: int) -> int:
    """The fewest chunks a text of ``n_chars`` characters can possibly need."""
    return math.ceil(n_chars / (MAX_CHARS_PER_TOKEN * chunk_tokens)) if n_chars > 0 else 0


def check_text_size(path: Path | str, n_chars: int, limits: Limits) -> None:
    """Refuse before chunking when even the lowest estimate exceeds ``max_chunks_per_doc``.

    For a text file the byte size may be passed for ``n_chars`` (UTF-8 never has fewer bytes
    than characters, so this only errs towards letting the file through to the exact check).
    """
    estimate = min_chunks(n_chars, limits.chunk_tokens)
    if estimate > limits.max_chunks_per_doc:
        raise DocumentTooLarge(path, _too_many(f"mindestens {_de(estimate)}", limits))


def check_chunk_count(path: Path | str, n_chunks: int, limits: Limits) -> None:
    if n_chunks > limits.max_chunks_per_doc:
        raise DocumentTooLarge(
            path, _too_many(f"mehr als {_de(limits.max_chunks_per_doc)}", limits)
        )


def _de(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _too_many(count: str, limits: Limits) -> str:
    return (
        f"Dokument zu groß: {count} Abschnitte (höchstens {_de(limits.max_chunks_per_doc)}, "
        "einstellbar mit FOERDERBERATER_MAX_CHUNKS_PER_DOC)"
    )
