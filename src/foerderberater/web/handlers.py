"""Handler logic of the web app, free of Gradio so that it can be tested directly.

Every function takes the ``AppContext`` and, where needed, the user's ``Session`` (kept in
``gr.State``); the Gradio wiring in ``web/app.py`` only maps inputs and outputs.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from foerderberater.core.errors import (
    ConfigError,
    FeedbackError,
    FoerderberaterError,
    IndexNotFoundError,
    UserError,
)
from foerderberater.core.messages import explain
from foerderberater.core.types import Answer
from foerderberater.search import filters as search_filters
from foerderberater.search.filters import FILTER_LABELS, Filters
from foerderberater.web.context import AppContext
from foerderberater.web.feedback import REASONS, FeedbackRecord

ALL = "alle"
LAND_AUTO = "automatisch"
# dropdown values: "automatisch"/"alle" (no filter) plus the vocabulary of the filter
FILTER_CHOICES: dict[str, tuple[str, ...]] = {
    name: (LAND_AUTO if name == "land" else ALL, *values)
    for name, values in search_filters.FILTER_CHOICES.items()
}
FILTER_FIELDS = tuple(FILTER_CHOICES)
EXAMPLES = (
    "Welche Zuschüsse gibt es für eine Produktionshalle in Borna?",
    "Wie wird ein Wasserstoffprojekt eines KMU in Sachsen-Anhalt gefördert?",
    "Gibt es Förderung für Digitalisierung im Handwerk in Thüringen?",
    "Was sagen die Studien zu Fachkräften im Mitteldeutschen Revier?",
)
MAX_ANSWERS_PER_SESSION = 20  # bounded per-session memory (answers keep their hits)
MAX_DEBUG_HITS = 30
RATING_LABELS = {"👍": "gut", "👎": "schlecht", "gut": "gut", "schlecht": "schlecht"}


@dataclass
class AnswerRecord:
    answer: Answer
    version: str
    time: str


@dataclass
class Session:
    """Per-browser-session state (in ``gr.State``): the conversation and its answers.

    ``auth_token``: the server-side staff/admin login of this session (``web.auth``), if any.
    """

    history: list[str] = field(default_factory=list)
    answers: list[AnswerRecord] = field(default_factory=list)
    auth_token: str | None = field(default=None, repr=False)

    def reset_conversation(self) -> None:
        self.history.clear()
        self.answers.clear()

    def answer_choices(self) -> list[tuple[str, int]]:
        return [(f"{i + 1}: {r.answer.question[:70]}", i) for i, r in enumerate(self.answers)]

    def record(self, index: int | None) -> AnswerRecord | None:
        if not self.answers:
            return None
        if index is None or not 0 <= int(index) < len(self.answers):
            return self.answers[-1]
        return self.answers[int(index)]


def make_filters(**values: str | None) -> Filters:
    """UI values ('alle'/'automatisch'/'' mean: no filter) -> ``Filters``; unknown -> UserError."""
    clean = {}
    for name, value in values.items():
        if name not in FILTER_CHOICES:
            raise UserError(f"Unbekannter Filter {name!r}.")
        value = (value or "").strip()
        clean[name] = None if value in ("", ALL, LAND_AUTO) else value
    try:
        return Filters(**clean)
    except ConfigError as exc:
        detail = str(exc).split(": ", 1)[-1]
        raise UserError(f"Ungültiger Filter {FILTER_LABELS[exc.field]}: {detail}") from exc


def friendly(exc: FoerderberaterError) -> str:
    if isinstance(exc, IndexNotFoundError):
        return (
            "Es gibt noch keinen Suchindex. Bitte in der Administration „Index neu aufbauen“ "
            "wählen oder auf dem Server `foerderberater index` ausführen."
        )
    return explain(exc)


def ask(
    ctx: AppContext, session: Session, question: str, filters: Filters, *, llm: bool = True
) -> AnswerRecord:
    """Answer ``question`` with the previous user questions of the session as history;
    ``llm=False`` returns the extractive answer (the chat streams the LLM wording itself)."""
    question = (question or "").strip()
    if not question:
        raise UserError("Bitte eine Frage eingeben.")
    if len(question) > 2000:
        raise UserError("Die Frage ist zu lang (höchstens 2000 Zeichen).")
    try:
        answer = ctx.advisor.ask(question, filters, history=list(session.history), llm=llm)
        version = answer.index_version
    except FoerderberaterError as exc:
        raise UserError(friendly(exc)) from exc
    answer = replace(answer, hits=answer.hits[:MAX_DEBUG_HITS])
    record = AnswerRecord(
        answer, version, dt.datetime.now().astimezone().isoformat(timespec="seconds")
    )
    session.history.append(question)
    session.answers.append(record)
    del session.answers[:-MAX_ANSWERS_PER_SESSION]
    del session.history[:-MAX_ANSWERS_PER_SESSION]
    return record


def api_ask(
    ctx: AppContext, question: str, filters: dict[str, str | None], history: list[str] | None = None
) -> dict[str, Any]:
    session = Session(history=[h for h in (history or []) if isinstance(h, str)][-20:])
    return ask(ctx, session, question, make_filters(**filters)).answer.to_json()


def stream_pieces(text: str, min_len: int = 600, lines_per_piece: int = 3) -> list[str]:
    """Growing prefixes of a long answer (line-wise) for streaming; one piece for short ones."""
    if len(text) < min_len:
        return [text]
    lines = text.split("\n")
    pieces = ["\n".join(lines[:end]) for end in range(lines_per_piece, len(lines), lines_per_piece)]
    return [*pieces, text]


def write_export(record: AnswerRecord, markdown: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="foerderberater-export-"))
    stamp = record.time[:16].replace(":", "").replace("T", "-")
    path = directory / f"foerderberater-antwort-{stamp}.md"
    path.write_text(markdown, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- staff
def sources_json(answer: Answer) -> list[dict[str, Any]]:
    return [
        {
            "number": s.number,
            "doc_id": s.doc_id,
            "title": s.title,
            "page": s.page,
            "score": round(float(s.score), 6),
            "url": s.url,
        }
        for s in answer.sources
    ]


def submit_feedback(
    ctx: AppContext, session: Session, index: int | None, rating: str, reason: str, comment: str
) -> str:
    record = session.record(index)
    if record is None:
        return "Noch keine Antwort in diesem Gespräch – erst eine Frage stellen."
    value = RATING_LABELS.get(rating, rating)
    a = record.answer
    try:
        fid = ctx.feedback.add(
            FeedbackRecord(
                rating=value,
                reason=reason or "",
                comment=comment or "",
                question=a.question,
                answer=a.text,
                sources=sources_json(a),
                filters=dict(a.filters),
                index_version=record.version,
            )
        )
    except FeedbackError as exc:
        return f"❌ {exc}"
    return f"✅ Feedback Nr. {fid} gespeichert – danke!"


FEEDBACK_HEADERS = [
    "Nr.",
    "Zeit",
    "Bewertung",
    "Grund",
    "Kommentar",
    "Frage",
    "Quellen",
    "Indexversion",
]


def feedback_rows(ctx: AppContext, rating: str, reason: str, text: str) -> list[list[Any]]:
    records = ctx.feedback.records(
        rating=RATING_LABELS.get(rating) or None,
        reason=reason if reason in REASONS else None,
        text=(text or "").strip() or None,
    )
    return [
        [
            r.id,
            r.created,
            "👍" if r.rating == "gut" else "👎",
            r.reason,
            r.comment,
            r.question,
            ", ".join(f"[{s.get('number')}] {s.get('title')}" for s in r.sources),
            r.index_version,
        ]
        for r in records
    ]


def feedback_csv(ctx: AppContext, rating: str, reason: str, text: str) -> Path:
    records = ctx.feedback.records(
        rating=RATING_LABELS.get(rating) or None,
        reason=reason if reason in REASONS else None,
        text=(text or "").strip() or None,
        limit=100_000,
    )
    directory = Path(tempfile.mkdtemp(prefix="foerderberater-feedback-"))
    path = directory / "feedback.csv"
    path.write_text("\ufeff" + ctx.feedback.to_csv(records), encoding="utf-8")  # BOM for Excel
    return path


def reword(session: Session, record: AnswerRecord, text: str, generator: str) -> AnswerRecord:
    """Store the LLM wording shown in the chat as the session's answer (export, debug)."""
    worded = replace(record, answer=replace(record.answer, text=text, generator=generator))
    if session.answers and session.answers[-1] is record:
        session.answers[-1] = worded
    return worded
