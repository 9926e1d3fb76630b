"""Input limits for the index build, with German reasons that name the limit to change.

* ``max_file_mb`` (``FOERDERBERATER_MAX_FILE_MB``, default 50): larger corpus files are
  skipped before they are read.
* ``max_chunks_per_doc`` (``FOERDERBERATER_MAX_CHUNKS_PER_DOC``, default 3000, about 600 PDF
  pages): a document that would need more sections is skipped. ``check_text_size`` decides
  this from the text length alone, before the (slow) chunking, whenever even the most
  generous estimate exceeds the limit; ``check_chunk_count`` checks the real count afterwards.

A skipped file never changes the index: an older indexed version of it stays (the builder's
``kept_previous`` rule), and the build finishes with exit code 4.

``additive_token_counter`` fixes small chunks: a model's token counter adds a constant per
call (e5: 4 tokens for the passage prefix and the special tokens), so summing the counts of
many short lines or words charged that constant once per piece and filled the budget with
nothing. Subtracting it makes the counts of pieces add up to the count of their concatenation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from foerderberater.errors import ConfigError, IngestError

MB = 1024 * 1024
# generous upper bound of characters per token (German e5 text has about 3 to 4); a text needs
# at least chars / (MAX_CHARS_PER_TOKEN * chunk_tokens) chunks
MAX_CHARS_PER_TOKEN = 8
TokenCounter = Callable[[str], int]


class DocumentTooLarge(IngestError):
    """A corpus file exceeds a configured limit (the reason names the limit)."""


@dataclass(frozen=True)
class Limits:
    max_file_mb: int = 50
    max_chunks_per_doc: int = 3000

    def __post_init__(self) -> None:
        if self.max_file_mb < 1:
            raise ConfigError("max_file_mb", "muss mindestens 1 sein")
        if self.max_chunks_per_doc < 1:
            raise ConfigError("max_chunks_per_doc", "muss mindestens 1 sein")

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MB

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for name in ("max_file_mb", "max_chunks_per_doc"):
            raw = env.get(f"FOERDERBERATER_{name.upper()}", "").strip()
            if raw:
                try:
                    values[name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(name, f"ungültiger Wert {raw!r}") from exc
        return cls(**values)


def file_size_reason(size: int, limits: Limits) -> str | None:
    """German reason when a file of ``size`` bytes is too large, else None."""
    if size <= limits.max_file_bytes:
        return None
    return (
        f"Datei zu groß: {size / MB:.1f} MB (höchstens {limits.max_file_mb} MB, "
        "einstellbar mit FOERDERBERATER_MAX_FILE_MB)"
    )


def min_chunks(n_chars: int, chunk_tokens: int) -> int:
    """The fewest chunks a text of ``n_chars`` characters can possibly need."""
    return math.ceil(n_chars / (MAX_CHARS_PER_TOKEN * chunk_tokens)) if n_chars > 0 else 0


def check_text_size(path: Path | str, n_chars: int, chunk_tokens: int, limits: Limits) -> None:
    """Refuse before chunking when even the lowest estimate exceeds ``max_chunks_per_doc``.

    For a text file the byte size may be passed for ``n_chars`` (UTF-8 never has fewer bytes
    than characters, so this only errs towards letting the file through to the exact check).
    """
    estimate = min_chunks(n_chars, chunk_tokens)
    if estimate > limits.max_chunks_per_doc:
        raise DocumentTooLarge(path, _too_many(f"mindestens {_de(estimate)}", limits))


def check_chunk_count(path: Path | str, n_chunks: int, limits: Limits) -> None:
    if n_chunks > limits.max_chunks_per_doc:
        raise DocumentTooLarge(path, _too_many(_de(n_chunks), limits))


def _de(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _too_many(count: str, limits: Limits) -> str:
    return (
        f"Dokument zu groß: {count} Abschnitte (höchstens {_de(limits.max_chunks_per_doc)}, "
        "einstellbar mit FOERDERBERATER_MAX_CHUNKS_PER_DOC)"
    )


def additive_token_counter(count: TokenCounter, probe: str = "Haus") -> TokenCounter:
    """``count`` minus its constant per-call overhead.

    The overhead is measured once as ``2 * count(w) - count(w + " " + w)`` for a plain word:
    prefix and special tokens appear once per call, the word's own tokens twice. (The empty
    string is no good probe: e5 counts a lone separator token for it.)
    """
    overhead = max(0, 2 * count(probe) - count(f"{probe} {probe}"))

    def counted(text: str) -> int:
        return max(0, count(text) - overhead)

    return counted
