"""Rendering for the staff debug view and the admin tab (pure functions, no Gradio)."""

from __future__ import annotations

import json
from typing import Any

from foerderberater.core.messages import embedding_summary, embedding_warning
from foerderberater.core.types import Answer
from foerderberater.web.render import esc

_STAGES = {
    "start": "Start",
    "scan": "Dateien suchen",
    "parse": "Dateien lesen",
    "embed": "Abschnitte einbetten",
    "write": "Index schreiben",
    "done": "Fertig",
}


DEBUG_HEADERS = [
    "Rang",
    "Quelle",
    "Fused",
    "Dense",
    "Dense-Rang",
    "Lexikalisch",
    "Lex-Rang",
    "Seite",
    "Dokument",
    "Abschnitt",
    "Text",
]
DEBUG_WIDTHS = [
    "55px",
    "65px",
    "80px",
    "70px",
    "70px",
    "85px",
    "65px",
    "55px",
    "220px",
    "160px",
    "420px",
]


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def debug_rows(answer: Answer, limit: int = 30) -> list[list[Any]]:
    """Retrieved chunks with fused, dense and lexical scores/ranks; cited ones marked [n]."""
    cited = {h.chunk.chunk_id: s.number for s in answer.sources for h in s.hits}
    rows = []
    for rank, h in enumerate(answer.hits[:limit], 1):
        c = h.chunk
        rows.append(
            [
                rank,
                f"[{cited[c.chunk_id]}]" if c.chunk_id in cited else "",
                round(h.score, 5),
                _round(h.dense_score, 4),
                h.dense_rank or "",
                _round(h.lexical_score, 3),
                h.lexical_rank or "",
                c.page or "",
                _short(c.title, 60),
                _short(c.section, 40),
                _short(c.text, 200),
            ]
        )
    return rows


def _round(value: float | None, digits: int) -> Any:
    return "" if value is None else round(float(value), digits)


def debug_md(answer: Answer, version: str) -> str:
    filters = json.dumps(answer.filters, ensure_ascii=False) if answer.filters else "keine"
    return (
        f"**Frage:** {answer.question}  \n**Suchanfrage (eigenständig):** "
        f"{answer.standalone_query or answer.question}  \n**Filter:** `{filters}`  \n"
        f"**Region:** {answer.region or '–'}  \n**Abgelehnt (keine Grundlage):** "
        f"{'ja' if answer.abstained else 'nein'}  \n**Indexversion:** {version or '–'}  \n"
        f"**Treffer:** {len(answer.hits)}"
    )


def progress_html(job: Any) -> str:
    """Progress bar of a ``BuildJob`` (overall percent over the stages)."""
    if not job.running and not job.started:
        return "<div class='fb-progress-idle'>Kein Indexaufbau gestartet.</div>"
    frac = job.done / job.total if job.total else 0.0
    base = {"start": 0, "scan": 2, "parse": 5, "embed": 30, "write": 95, "done": 100}
    span = {"parse": 25, "embed": 65, "write": 5}
    pct = min(100, int(base.get(job.stage, 0) + span.get(job.stage, 0) * frac))
    if not job.running:
        pct = 100 if job.report else pct
    stage = _STAGES.get(job.stage, job.stage)
    if job.running:
        state = "läuft"
    elif job.error:
        state = "fehlgeschlagen"
    else:
        state = "fertig"
    count = f" {job.done}/{job.total}" if job.running and job.total else ""
    label = f"Indexaufbau {state}: {stage}{count} ({pct} %)"
    return (
        f"<div class='fb-progress' data-state='{state}' data-percent='{pct}'>"
        f"<div class='fb-progress-label'>{esc(label)}</div>"
        f"<progress max='100' value='{pct}'>{pct} %</progress></div>"
    )


def build_summary_md(job: Any) -> str:
    if job.running:
        return (
            f"Indexaufbau läuft seit {job.started}. Die Beratung antwortet weiter aus dem "
            "bisherigen Index."
        )
    if job.error:
        return f"❌ {job.error}"
    r = job.report
    if r is None:
        return ""
    mode = "vollständig" if r.full else "inkrementell"
    lines = [
        f"✅ Index {mode} aufgebaut ({r.seconds:.1f} s): {r.documents} Dokumente, "
        f"{r.chunks} Abschnitte. Neu: {len(r.added)}, geändert: {len(r.changed)}, "
        f"entfernt: {len(r.removed)}. Version {r.version} ist jetzt aktiv.",
        "- "
        + embedding_summary(
            r.embedding,
            r.embedded_chunks,
            r.embedded_sentences,
            r.cached_chunks + r.cached_sentences,
        ),
    ]
    if warning := embedding_warning(r.embedding):
        lines.append(f"- ⚠️ {warning}")
    for s in r.skipped:
        keep = " (bisherige Fassung bleibt im Index)" if s.kept_previous else ""
        lines.append(f"- Übersprungen: `{s.path}` – {s.reason}{keep}")
    return "\n".join(lines)


def index_status_md(info: dict[str, Any]) -> str:
    emb = info.get("embedder") or {}
    lines = [
        f"**Aktive Version:** {info.get('version')}",
        f"**Dokumente:** {info.get('documents')} · **Abschnitte:** {info.get('chunks')} · "
        f"**PDF-Seiten:** {info.get('pages')}",
        f"**Embedder:** {emb.get('name', '–')} ({emb.get('dim', '–')} Dimensionen)",
        f"**Letzter Aufbau:** {info.get('build_time') or '–'}",
    ]
    skipped = info.get("skipped") or []
    lines.append(f"**Übersprungene Dateien:** {len(skipped)}")
    items = "\n".join(f"- `{s.get('path')}`: {s.get('reason')}" for s in skipped)
    return "  \n".join(lines) + ("\n\n" + items if items else "")
