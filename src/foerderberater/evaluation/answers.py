"""Answer evaluation: does the answer TEXT state the asked facts and cite the right document?

Items are JSON lines ``{"q", "kind", "doc": [slug…], "facts_any": [[alt, alt…], …], "page",
"history"}`` (format in eval/README_answers.md). An answerable item passes the facts check when
every group has at least one alternative (case-insensitive) in the answer text; the source check
wants one of ``doc`` among the sources the text cites with [n]; the page check wants that source
cited with ``page``. Items with ``doc: []`` are in-domain questions the corpus cannot answer: they
pass when the answer abstains or is marked partial. Results are data; the CLI prints them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foerderberater.core.errors import EvalFileError
from foerderberater.core.types import Answer

STICHTAG = dt.date(2026, 11, 25)  # answers are judged as of this date unless --stichtag says
_CITATION = re.compile(r"\[(\d+)(?:,\s*S\.\s*(\d+))?\]")


@dataclass(frozen=True)
class AnswerItem:
    id: str
    question: str
    kind: str
    docs: tuple[str, ...]
    facts_any: tuple[tuple[str, ...], ...]
    page: int | None
    history: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.docs)


@dataclass(frozen=True)
class ItemResult:
    item: AnswerItem
    text: str
    facts_ok: bool
    missing: tuple[tuple[str, ...], ...]
    source_ok: bool
    page_ok: bool | None
    declined: bool  # abstained or partial
    cited: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.facts_ok and self.source_ok if self.item.answerable else self.declined


def load_items(path: Path) -> list[AnswerItem]:
    """Read the JSONL file; a broken line raises ``EvalFileError`` naming file and line."""
    items = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(path, f"nicht lesbar ({exc.strerror or exc})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                AnswerItem(
                    str(raw.get("id") or f"zeile-{number}"),
                    str(raw["q"]),
                    str(raw.get("kind") or "ohne Art"),
                    tuple(str(d) for d in raw.get("doc") or ()),
                    tuple(tuple(str(a) for a in group) for group in raw.get("facts_any") or ()),
                    int(raw["page"]) if raw.get("page") is not None else None,
                    tuple(str(h) for h in raw.get("history") or ()),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(path, f"Zeile {number}: kein gültiges Element ({exc})") from exc
    if not items:
        raise EvalFileError(path, "enthält keine Fragen")
    return items


def cited_sources(answer: Answer) -> dict[str, set[int | None]]:
    """Slug -> pages for every source the answer text cites with [n] or [n, S. p]."""
    by_number = {s.number: s for s in answer.sources}
    out: dict[str, set[int | None]] = defaultdict(set)
    for m in _CITATION.finditer(answer.text):
        source = by_number.get(int(m.group(1)))
        if source is not None:
            out[source.slug].add(int(m.group(2)) if m.group(2) else source.page)
    return out


def judge(item: AnswerItem, answer: Answer) -> ItemResult:
    text = answer.text.casefold().replace("\u00a0", " ").replace("\u202f", " ")
    missing = tuple(g for g in item.facts_any if not any(a.casefold() in text for a in g))
    cited = cited_sources(answer)
    right = [d for d in item.docs if d in cited]
    page_ok = None
    if item.page is not None and right:
        page_ok = any(item.page in cited[d] for d in right)
    return ItemResult(
        item,
        answer.text,
        not missing,
        missing,
        bool(right),
        page_ok,
        answer.abstained or answer.partial,
        tuple(cited),
    )


def evaluate(items: Iterable[AnswerItem], ask: Callable[[AnswerItem], Answer]) -> list[ItemResult]:
    return [judge(item, ask(item)) for item in items]


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def summarize(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Overall and per-kind rates: facts, source, page (answerable), declined (unanswerable)."""

    def block(rs: Sequence[ItemResult]) -> dict[str, Any]:
        answerable = [r for r in rs if r.item.answerable]
        paged = [r for r in answerable if r.page_ok is not None]
        unanswerable = [r for r in rs if not r.item.answerable]
        return {
            "n": len(rs),
            "answerable": len(answerable),
            "facts": _rate(sum(r.facts_ok for r in answerable), len(answerable)),
            "source": _rate(sum(r.source_ok for r in answerable), len(answerable)),
            "page": _rate(sum(bool(r.page_ok) for r in paged), len(paged)),
            "false_declines": sum(r.declined for r in answerable),
            "unanswerable": len(unanswerable),
            "declined": _rate(sum(r.declined for r in unanswerable), len(unanswerable)),
        }

    kinds: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        kinds[r.item.kind].append(r)
    return {
        "overall": block(results),
        "per_kind": {k: block(v) for k, v in sorted(kinds.items())},
        "failures": [
            {
                "id": r.item.id,
                "kind": r.item.kind,
                "q": r.item.question,
                "missing": [list(g) for g in r.missing],
                "source_ok": r.source_ok,
                "declined": r.declined,
                "cited": list(r.cited),
            }
            for r in results
            if not r.passed
        ],
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def report_lines(summary: dict[str, Any], path: Path) -> list[str]:
    """German text report: overall, per kind, then the failing items."""
    o = summary["overall"]
    lines = [
        f"Antwort-Evaluation {path}: {o['n']} Fragen ({o['answerable']} beantwortbar, "
        f"{o['unanswerable']} nicht beantwortbar)",
        f"Fakten im Antworttext: {_pct(o['facts'])} · richtige Quelle zitiert: {_pct(o['source'])}"
        f" · richtige Seite: {_pct(o['page'])} · Enthaltung/teilweise bei nicht beantwortbaren: "
        f"{_pct(o['declined'])} · fälschlich abgelehnt: {o['false_declines']}",
        "",
        "| Art | n | Fakten | Quelle | Seite | abgelehnt |",
        "|---|---|---|---|---|---|",
    ]
    for kind, b in summary["per_kind"].items():
        lines.append(
            f"| {kind} | {b['n']} | {_pct(b['facts'])} | {_pct(b['source'])} | "
            f"{_pct(b['page'])} | {_pct(b['declined'])} |"
        )
    if summary["failures"]:
        lines += ["", "Nicht bestanden:"]
        for f in summary["failures"]:
            why = "nicht abgelehnt" if not f["missing"] and f["source_ok"] else ""
            if f["missing"]:
                why = "fehlt: " + "; ".join(" / ".join(g) for g in f["missing"])
            elif not f["source_ok"] and not why:
                why = "Quelle nicht zitiert"
            lines.append(f"- {f['id']} ({f['kind']}): {why} – {f['q']}")
    return lines
