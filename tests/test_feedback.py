"""SQLite feedback store: durable records, filters, CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from foerderberater.web.feedback import FeedbackError, FeedbackRecord, FeedbackStore


def record(**overrides):
    values = {
        "rating": "schlecht",
        "question": "Förderung für Wasserstoff?",
        "answer": "Passende Programme … [1]",
        "reason": "falsche Quelle",
        "comment": 'Quelle [1] passt nicht; Semikolon; "Zitat"',
        "sources": [{"number": 1, "title": "ZIM", "doc_id": "programme/zim.md"}],
        "filters": {"land": "Sachsen"},
        "index_version": "20250101T000000-abc",
    }
    values.update(overrides)
    return FeedbackRecord(**values)


def test_add_persists_across_instances_and_filters(tmp_path):
    store = FeedbackStore(tmp_path / "data")
    assert store.records() == []
    first = store.add(record())
    second = store.add(record(rating="gut", reason="", comment="", question="Frage zwei"))
    assert (first, second) == (1, 2)
    again = FeedbackStore(tmp_path / "data")  # a new process would see the same rows
    rows = again.records()
    assert [r.id for r in rows] == [2, 1]
    assert rows[1].sources[0]["title"] == "ZIM" and rows[1].filters == {"land": "Sachsen"}
    assert rows[1].index_version == "20250101T000000-abc" and rows[1].created.endswith("+00:00")
    assert [r.id for r in again.records(rating="gut")] == [2]
    assert [r.id for r in again.records(reason="falsche Quelle")] == [1]
    assert [r.id for r in again.records(text="zwei")] == [2]
    assert again.records(text="%") == []  # LIKE wildcards come from the user: no crash


def test_rejects_invalid(tmp_path):
    store = FeedbackStore(tmp_path)
    with pytest.raises(FeedbackError):
        store.add(record(rating="egal"))
    with pytest.raises(FeedbackError):
        store.add(record(reason="gefällt mir nicht"))
    with pytest.raises(FeedbackError):
        store.add(record(question=" "))


def test_csv_export_round_trips(tmp_path):
    store = FeedbackStore(tmp_path)
    store.add(record())
    text = store.to_csv(store.records())
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["kommentar"] == 'Quelle [1] passt nicht; Semikolon; "Zitat"'
    assert rows[0]["quellen"] == "[1] ZIM" and rows[0]["grund"] == "falsche Quelle"


def test_csv_export_neutralises_spreadsheet_formulas(tmp_path):
    store = FeedbackStore(tmp_path)
    store.add(record(question='=HYPERLINK("https://example.invalid")', comment="@SUM(A1)"))
    store.add(record(question="-2+3", comment="+41 Anruf", answer="Antwort [1]"))
    rows = list(csv.DictReader(io.StringIO(store.to_csv(store.records())), delimiter=";"))
    cells = [v for row in rows for v in row.values()]
    assert '\'=HYPERLINK("https://example.invalid")' in cells and "'@SUM(A1)" in cells
    assert "'-2+3" in cells and "'+41 Anruf" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {row["id"] for row in rows} == {"1", "2"}  # numbers stay numbers
