"""Verdicts of the Projekt-Check: programme status, rule outcome, and their fixed texts."""

from __future__ import annotations

PASST = "passt"
VIELLEICHT = "passt vielleicht"
NICHT = "passt nicht"
STATUS_ORDER = {PASST: 0, VIELLEICHT: 1, NICHT: 2}

ERFUELLT = "erfüllt"
VERLETZT = "nicht erfüllt"
OFFEN = "offen"
HINWEIS = "Hinweis"

KEINE_ANGABE = "keine Angabe im Korpus"
SOON_DAYS = 30
STALE_DAYS = 365
