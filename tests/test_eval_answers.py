"""``eval answers``: facts in the text, the right source cited, declines of what the corpus
cannot answer; file errors name file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import programme_meta

from foerderberater.core.errors import EvalFileError
from foerderberater.core.types import Answer, Source
from foerderberater.evaluation.answers import (
    AnswerItem,
    judge,
    load_items,
    report_lines,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent


def _answer(text: str, *, partial: bool = False, abstained: bool = False) -> Answer:
    meta = programme_meta()
    sources = (
        Source(1, "programme/grw-sachsen.md", "grw-sachsen", "GRW", None, 0.1, "", None, meta),
        Source(2, "studien/x.pdf", "x", "Studie X", 2, 0.1, "", None, meta),
    )
    return Answer("q", text, abstained, sources, partial=partial)


def _item(**kw: object) -> AnswerItem:
    values: dict[str, object] = {
        "id": "a",
        "question": "Wie viel Prozent?",
        "kind": "rate",
        "docs": ("grw-sachsen",),
        "facts_any": (("35 %", "35 Prozent"),),
        "page": None,
        "history": (),
    }
    values.update(kw)
    return AnswerItem(**values)  # type: ignore[arg-type]


def test_facts_need_every_group_and_the_source_must_be_cited() -> None:
    good = judge(_item(), _answer("**GRW Sachsen**: Fördersatz bis zu 35 % [1]"))
    assert good.facts_ok and good.source_ok and good.passed
    uncited = judge(_item(), _answer("Es sind 35 Prozent."))
    assert uncited.facts_ok and not uncited.source_ok and not uncited.passed
    two = _item(facts_any=(("35 %",), ("Sächsische Aufbaubank", "SAB")))
    assert judge(two, _answer("bis zu 35 % [1]")).missing == (("Sächsische Aufbaubank", "SAB"),)


def test_page_is_checked_on_the_cited_source() -> None:
    item = _item(docs=("x",), facts_any=(("331",),), page=2)
    assert judge(item, _answer("„331 Orte“ [2, S. 2]")).page_ok is True
    assert judge(item, _answer("„331 Orte“ [2, S. 3]")).page_ok is False


def test_unanswerable_items_pass_when_declined_or_partial() -> None:
    item = _item(docs=(), facts_any=(), kind="unanswerable")
    assert judge(item, _answer("Dazu nichts.", partial=True)).passed
    assert judge(item, _answer("", abstained=True)).passed
    assert not judge(item, _answer("GRW [1]")).passed


def test_summary_per_kind_and_report() -> None:
    results = [
        judge(_item(), _answer("35 % [1]")),
        judge(_item(kind="amount", facts_any=(("2.800",),)), _answer("nichts [1]")),
        judge(_item(docs=(), facts_any=(), kind="unanswerable"), _answer("x", partial=True)),
    ]
    summary = summarize(results)
    assert summary["overall"]["facts"] == 0.5 and summary["overall"]["declined"] == 1.0
    assert summary["per_kind"]["amount"]["facts"] == 0.0
    assert [f["id"] for f in summary["failures"]] == ["a"]
    text = "\n".join(report_lines(summary, Path("x.jsonl")))
    assert "| amount | 1 | 0 % |" in text and "fehlt: 2.800" in text


def test_broken_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"q": "a", "doc": []}) + "\n{kaputt\n", "utf-8")
    with pytest.raises(EvalFileError, match=r"set\.jsonl.*Zeile 2"):
        load_items(path)
    with pytest.raises(EvalFileError, match="nicht lesbar"):
        load_items(tmp_path / "fehlt.jsonl")


def test_the_shipped_sets_load() -> None:
    dev = load_items(ROOT / "eval" / "answers.jsonl")
    holdout = load_items(ROOT / "eval" / "answers_holdout.jsonl")
    assert len(dev) + len(holdout) >= 80
    assert sum(not i.answerable for i in dev + holdout) >= 10
    assert {i.kind for i in dev} >= {"rate", "amount", "study", "followup", "unanswerable"}


def test_every_shipped_answer_set_loads_with_unique_ids_and_known_documents() -> None:
    slugs = {p.stem for p in (ROOT / "corpus").rglob("*") if p.suffix in {".md", ".pdf"}}
    seen: set[str] = set()
    for path in sorted((ROOT / "eval").glob("answers*.jsonl")):
        for item in load_items(path):
            assert item.id not in seen, f"{path.name}: {item.id} doppelt"
            seen.add(item.id)
            assert set(item.docs) <= slugs, f"{path.name}: {item.id} {item.docs}"
    assert len(seen) >= 800
