"""The application deadline: the rule (expired / soon) and the deadline text of a check."""

from __future__ import annotations

import datetime as dt

from foerderberater.eligibility.corpus import _cites, meta_cite
from foerderberater.eligibility.model import (
    HINWEIS,
    KEINE_ANGABE,
    SOON_DAYS,
    VERLETZT,
    Context,
    Programme,
    Reason,
)


def rule_frist(prog: Programme, ctx: Context) -> list[Reason]:
    frist = prog.metadata.get("antragsfrist")
    if not frist or frist == "laufend":
        return []
    try:
        day = dt.date.fromisoformat(str(frist))
    except ValueError:
        return []
    cites = _cites(
        meta_cite(prog, "antragsfrist"),
        meta_cite(prog, "frist_hinweis") if prog.metadata.get("frist_hinweis") else None,
    )
    if day < ctx.today:
        return [
            Reason(
                "antragsfrist",
                VERLETZT,
                f"Antragsfrist {day.isoformat()} ist abgelaufen (Stand "
                f"{prog.metadata.get('stand')}); ein neuer Aufruf ist im Korpus nicht belegt.",
                cites,
            )
        ]
    days = (day - ctx.today).days
    if days <= SOON_DAYS:
        return [
            Reason(
                "antragsfrist",
                HINWEIS,
                f"Antragsfrist {day.isoformat()} – nur noch {days} Tage.",
                cites,
            )
        ]
    return []


def frist_text(prog: Programme, today: dt.date) -> tuple[str, bool]:
    meta = prog.metadata
    frist = meta.get("antragsfrist")
    hint = meta.get("frist_hinweis")
    tail = f" – {hint}" if hint else ""
    if frist == "laufend":
        return "laufend" + tail, False
    try:
        day = dt.date.fromisoformat(str(frist))
    except ValueError:
        return (str(frist) if frist else KEINE_ANGABE) + tail, False
    if day < today:
        return f"abgelaufen am {day.isoformat()}{tail}", True
    days = (day - today).days
    soon = " – läuft bald ab" if days <= SOON_DAYS else ""
    return f"bis {day.isoformat()} (noch {days} Tage{soon}){tail}", False
