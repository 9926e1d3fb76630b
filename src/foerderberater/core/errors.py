"""Typed exceptions of the core. Only the CLI and the UI turn them into text for people."""

from __future__ import annotations

from pathlib import Path


class FoerderberaterError(Exception):
    """Base class of all errors raised by the core."""


class ConfigError(FoerderberaterError):
    """A setting has an invalid value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class IngestError(FoerderberaterError):
    """A corpus file could not be read; ``reason`` is a German explanation for the user."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class FrontMatterError(IngestError):
    """YAML front matter is broken or violates the schema."""


class OcrError(FoerderberaterError):
    """OCR failed on a page; ``reason`` is German text for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OcrUnavailableError(OcrError):
    """The OCR engine (tesseract) or its language data is not installed."""


class ScanNotReadError(IngestError):
    """A scanned PDF without a text layer that was not read: OCR is switched off or missing."""


class EmbedderError(FoerderberaterError):
    """The embedding backend could not be created or failed."""


class IndexNotFoundError(FoerderberaterError):
    """No index has been built yet in the configured directory."""

    def __init__(self, index_dir: Path | str) -> None:
        super().__init__(f"no index in {index_dir}")
        self.index_dir = index_dir


class IndexCorruptError(FoerderberaterError):
    """Index files are missing or unreadable."""


class IndexMismatchError(FoerderberaterError):
    """The index was built with another embedder, chunker or schema version."""

    def __init__(self, index_dir: Path | str, what: str, found: object, expected: object) -> None:
        super().__init__(f"index in {index_dir}: {what} is {found!r}, expected {expected!r}")
        self.index_dir = index_dir
        self.what = what
        self.found = found
        self.expected = expected


class IndexLockedError(FoerderberaterError):
    """Another process is building the index right now."""

    def __init__(self, lock_path: Path | str) -> None:
        super().__init__(f"index build already running (lock {lock_path})")
        self.lock_path = lock_path


class DocumentNotFoundError(FoerderberaterError):
    """A document asked for by name (slug or path) is not in the index, or is ambiguous."""

    def __init__(
        self,
        name: str,
        candidates: tuple[str, ...] = (),
        *,
        ambiguous: bool = False,
        reason: str = "",
    ) -> None:
        super().__init__(f"document {name!r}: {reason or ('ambiguous' if ambiguous else 'none')}")
        self.name = name
        self.candidates = candidates
        self.ambiguous = ambiguous
        self.reason = reason  # German, e.g. "hat keine Seite 9 (Seiten 1–3)"


class DatabaseError(FoerderberaterError):
    """The database (``FOERDERBERATER_DATABASE_URL``) is unreachable or a statement failed.

    ``where`` is the URL without its password; ``detail`` keeps the driver's text.
    """

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where
        self.detail = detail


class VersionGoneError(DatabaseError):
    """The index version being read was garbage-collected meanwhile (another replica published
    twice while this one still served it); reopening the live version is the remedy."""


class ProfilError(FoerderberaterError):
    """A project-profile value is invalid; the message is German and names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"Angabe '{field_name}': {message}")
        self.field = field_name


class UploadError(FoerderberaterError):
    """Rejected upload or removal; the message is German and meant for the admin."""


class FeedbackError(FoerderberaterError):
    """Invalid feedback input; the message is German and meant for the user."""


class UserError(FoerderberaterError):
    """A problem of a web request, already worded in German for the user."""


class EvalFileError(FoerderberaterError):
    """An evaluation file is missing or malformed; the message is German and names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"Evaluationsdatei {path}: {reason}")
        self.path = str(path)
        self.reason = reason
