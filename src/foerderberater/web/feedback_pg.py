"""Feedback in PostgreSQL (``FOERDERBERATER_DATABASE_URL``): one list for all replicas.

Same API as ``FeedbackStore`` (``add``, ``records``, ``to_csv``); times are the database's.
"""

from __future__ import annotations

import json

from foerderberater.index.pg.db import PgDatabase
from foerderberater.web.feedback import FeedbackRecord, FeedbackStore, validate

_CREATED = "to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS+00:00')"


class PgFeedbackStore(FeedbackStore):
    def __init__(self, db: PgDatabase) -> None:  # no file: the rows live in ``feedback``
        self.db = db

    def add(self, record: FeedbackRecord) -> int:
        validate(record)
        with self.db.connection() as conn:
            row = conn.execute(
                "INSERT INTO feedback (created, rating, reason, comment, question, answer,"
                " sources, filters, index_version)"
                " VALUES (COALESCE(%s::timestamptz, now()), %s, %s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                (
                    record.created or None,
                    record.rating,
                    record.reason,
                    record.comment.strip()[:4000],
                    record.question,
                    record.answer,
                    json.dumps(record.sources, ensure_ascii=False),
                    json.dumps(record.filters, ensure_ascii=False),
                    record.index_version,
                ),
            ).fetchone()
        return int(row[0])

    def records(
        self,
        *,
        rating: str | None = None,
        reason: str | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[FeedbackRecord]:
        """Newest first; ``text`` searches question, answer and comment (case-insensitive)."""
        where, args = ["TRUE"], []
        if rating:
            where.append("rating = %s")
            args.append(rating)
        if reason:
            where.append("reason = %s")
            args.append(reason)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(question ILIKE %s OR answer ILIKE %s OR comment ILIKE %s)")
            args.extend([pattern] * 3)
        args.append(int(limit))
        with self.db.reader() as conn:
            rows = conn.execute(
                f"SELECT {FeedbackRecord.COLUMNS.format(created=_CREATED)} FROM feedback"
                f" WHERE {' AND '.join(where)}"
                " ORDER BY id DESC LIMIT %s",
                args,
            ).fetchall()
        return [FeedbackRecord.from_row(r) for r in rows]
