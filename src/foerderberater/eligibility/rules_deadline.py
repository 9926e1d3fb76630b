"""The application deadline: the rule (expired / soon) and the deadline text of a check."""

from __future__ import annotations

import datetime as dt

from foerderberater.eligibility.model import Context, Programme, Reason
from foerderberater.eligibility.programmes import cite_all, meta_cite
from foerderberater.eligibility.verdicts import HINWEIS, SOON_DAYS, VERLETZT


def rule_frist(prog: Programme, ctx: Context) -> list[Reason]:
    day = prog.meta.frist_datum
    if day is None:
        return []
    cites = cite_all(
        meta_cite(prog, "antragsfrist"),
        meta_cite(prog, "frist_hinweis") if prog.meta.frist_hinweis else None,
    )
    if day < ctx.today:
        text = (
            f"Antragsfrist {day.isoformat()} ist abgelaufen (Stand "
            f"{prog.meta.stand}); ein neuer Aufruf ist im Korpus nicht belegt."
        )
        return [Reason("antragsfrist", VERLETZT, text, cites)]
    days = (day - ctx.today).days
    if days <= SOON_DAYS:
        text = f"Antragsfrist {day.isoformat()} – nur noch {days} Tage."
        return [Reason("antragsfrist", HINWEIS, text, cites)]
    return []


def frist_text(prog: Programme, today: dt.date) -> tuple[str, bool]:
    meta = prog.meta
    hint = meta.frist_hinweis
    tail = f" – {hint}" if hint else ""
    day = meta.frist_datum
    if day is None:
        return "laufend" + tail, False
    if day < today:
        return f"abgelaufen am {day.isoformat()}{tail}", True
    days = (day - today).days
    soon = " – läuft bald ab" if days <= SOON_DAYS else ""
    return f"bis {day.isoformat()} (noch {days} Tage{soon}){tail}", False
