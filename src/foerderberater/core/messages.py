"""German wording of the core's typed errors, shared by the CLI and the web app."""

from __future__ import annotations

from foerderberater.core.errors import (
    ConfigError,
    DatabaseError,
    EmbedderError,
    FoerderberaterError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    ProfilError,
    UploadError,
    UserError,
)


def explain(exc: FoerderberaterError) -> str:
    """One German sentence (or two) for a core error, with the next step where there is one."""
    if isinstance(exc, IndexNotFoundError):
        return f"Kein Index in {exc.index_dir} gefunden. Bitte zuerst bauen: foerderberater index"
    if isinstance(exc, IndexMismatchError):
        return (
            f"Der Index in {exc.index_dir} passt nicht zur Konfiguration ({exc.what}: "
            f"gefunden {exc.found!r}, erwartet {exc.expected!r}). Bitte neu bauen: "
            "foerderberater index --full"
        )
    if isinstance(exc, IndexLockedError):
        return (
            f"Es läuft bereits ein Indexaufbau (Sperre {exc.lock_path}). Bitte warten, "
            "bis er fertig ist."
        )
    if isinstance(exc, DatabaseError):
        return f"Datenbank {exc.where} nicht nutzbar: {exc.detail}"
    if isinstance(exc, IndexCorruptError):
        return f"Index beschädigt: {exc}. Bitte neu bauen: foerderberater index --full"
    if isinstance(exc, ConfigError):
        return f"Ungültige Einstellung {exc}"
    if isinstance(exc, EmbedderError):
        return f"Embedding-Modell nicht verfügbar: {exc}"
    if isinstance(exc, ProfilError | UploadError | UserError):
        return str(exc)
    return f"Fehler: {exc}"
