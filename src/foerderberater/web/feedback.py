"""Durable feedback on answers (SQLite in ``settings.data_dir``), listed and exported as CSV."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foerderberater.core.errors import FeedbackError
from foerderberater.security.csv_safe import to_csv

RATINGS = ("gut", "schlecht")
REASONS = ("falsch", "unvollständig", "falsche Quelle", "sonstiges")
DB_NAME = "feedback.sqlite3"
CSV_COLUMNS = (
    "id",
    "zeit",
    "bewertung",
    "grund",
    "kommentar",
    "frage",
    "antwort",
    "quellen",
    "filter",
    "index_version",
)

_DDL = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',
    filters TEXT NOT NULL DEFAULT '{}',
    index_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback(created);
"""


@dataclass(frozen=True)
class FeedbackRecord:
    rating: str  # "gut" | "schlecht"
    question: str
    answer: str
    reason: str = ""
    comment: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    index_version: str = ""
    created: str = ""  # ISO time (UTC); set on insert when empty
    id: int | None = None

    # the column order of both stores' SELECT
    COLUMNS = (
        "id, {created}, rating, reason, comment, question, answer, sources, filters, index_version"
    )

    @classmethod
    def from_row(
        cls, r: Sequence[Any], decode: Callable[[Any], Any] = lambda v: v
    ) -> FeedbackRecord:
        """A record from a row in ``COLUMNS`` order; ``decode`` reads the JSON columns
        (SQLite stores text, PostgreSQL returns them decoded)."""
        return cls(
            id=r[0],
            created=r[1],
            rating=r[2],
            reason=r[3],
            comment=r[4],
            question=r[5],
            answer=r[6],
            sources=decode(r[7]),
            filters=decode(r[8]),
            index_version=r[9],
        )


def validate(record: FeedbackRecord) -> None:
    """German ``FeedbackError`` for a record no store accepts."""
    if record.rating not in RATINGS:
        raise FeedbackError("Bitte 👍 oder 👎 wählen.")
    if record.reason and record.reason not in REASONS:
        raise FeedbackError(f"Unbekannter Grund {record.reason!r}.")
    if not record.question.strip():
        raise FeedbackError("Zu welcher Antwort? Es gibt noch keine Antwort zum Bewerten.")


class FeedbackStore:
    """One SQLite file; a connection per operation, so it is safe to use from any thread."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_NAME

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.executescript(_DDL)
            yield db
            db.commit()
        finally:
            db.close()

    def add(self, record: FeedbackRecord) -> int:
        validate(record)
        created = record.created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO feedback (created, rating, reason, comment, question, answer, sources,"
                " filters, index_version) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    created,
                    record.rating,
                    record.reason,
                    record.comment.strip()[:4000],
                    record.question,
                    record.answer,
                    json.dumps(record.sources, ensure_ascii=False),
                    json.dumps(record.filters, ensure_ascii=False),
                    record.index_version,
                ),
            )
            return int(cur.lastrowid or 0)

    def records(
        self,
        *,
        rating: str | None = None,
        reason: str | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[FeedbackRecord]:
        """Newest first; ``text`` searches question, answer and comment."""
        where, args = [], []
        if rating:
            where.append("rating = ?")
            args.append(rating)
        if reason:
            where.append("reason = ?")
            args.append(reason)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\'"
                " OR comment LIKE ? ESCAPE '\\')"
            )
            args.extend([pattern] * 3)
        sql = f"SELECT {FeedbackRecord.COLUMNS.format(created='created')} FROM feedback"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        return [FeedbackRecord.from_row(r, json.loads) for r in rows]

    @staticmethod
    def to_csv(records: list[FeedbackRecord]) -> str:
        """Semicolon CSV; cells a spreadsheet would run as a formula are neutralised (OWASP)."""
        rows = (
            (
                r.id,
                r.created,
                r.rating,
                r.reason,
                r.comment,
                r.question,
                r.answer,
                " | ".join(
                    f"[{s.get('number', i)}] {s.get('title', '')}"
                    for i, s in enumerate(r.sources, 1)
                ),
                json.dumps(r.filters, ensure_ascii=False),
                r.index_version,
            )
            for r in records
        )
        return to_csv(CSV_COLUMNS, rows)
