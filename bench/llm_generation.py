"""Measure the optional LLM path: llama-cpp-python's server with Gemma 3 270M (CPU).

Starts the server like tests/test_llm_server.py does, answers N dev questions of
eval/answers.jsonl with the real extractive pipeline (an existing index), streams the LLM
answer through the grounding check and reports: server start time, time to first token,
tokens/s (SSE deltas ≈ tokens), latency of a short answer, sentences shown/dropped by reason
and how often the answer fell back to the extractive one. Prints one JSON object as the last
stdout line and writes it to bench/results/llm_generation.json.

    tools/ensure_llm.sh && .venv/bin/python bench/llm_generation.py --index-dir index -n 10
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # reuse the server launcher of the e2e test

from test_llm_server import ALIAS, model_path, start_llama_server, stop  # noqa: E402

from foerderberater.advisor import Advisor  # noqa: E402
from foerderberater.answer.generation import (  # noqa: E402
    FinalEvent,
    SentenceEvent,
    build_messages,
    generate_answer,
    passages_from_answer,
    stream_answer,
)
from foerderberater.answer.llm_client import (  # noqa: E402
    LlmConfig,
    Message,
    OpenAICompatibleGenerator,
)
from foerderberater.core.settings import Settings  # noqa: E402


class TimedGenerator:
    """Wraps a Generator and timestamps every streamed delta (the Protocol seam in use)."""

    def __init__(self, inner: OpenAICompatibleGenerator) -> None:
        self.inner = inner
        self.stamps: list[float] = []
        self.started = 0.0

    @property
    def label(self) -> str:
        return self.inner.label

    def complete(self, messages: Sequence[Message]) -> str:
        return self.inner.complete(messages)

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        self.stamps, self.started = [], time.monotonic()
        for delta in self.inner.stream(messages):
            self.stamps.append(time.monotonic())
            yield delta


def pick_questions(path: Path, n: int) -> list[dict[str, Any]]:
    """Round-robin over the kinds so that N questions cover many of them (dev set only)."""
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
    out: list[dict[str, Any]] = []
    while len(out) < n and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(out) < n:
                out.append(by_kind[kind].pop(0))
    return out


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, default=ROOT / "index")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "answers.jsonl")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--n-ctx", type=int, default=8192)
    args = ap.parse_args(argv)

    settings = Settings.from_env(index_dir=args.index_dir, corpus_dir=ROOT / "corpus")
    advisor = Advisor(settings)
    items = pick_questions(args.questions, args.n)
    # SIGTERM -> SystemExit, so the ``finally`` below stops the server subprocess
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log = Path(tempfile.mkdtemp(prefix="llm-bench-")) / "server.log"
    proc, server = start_llama_server(model_path(), log, n_ctx=args.n_ctx)
    print(f"server ready in {server.start_s:.1f} s ({server.url})", file=sys.stderr)
    cfg = LlmConfig(server.url, ALIAS, timeout_s=300, max_tokens=args.max_tokens, temperature=0)
    rows: list[dict[str, Any]] = []
    try:
        with OpenAICompatibleGenerator(cfg) as inner:
            short = build_messages("Wie heißt das Programm?", ())
            t0 = time.monotonic()
            inner.complete(short)  # warm-up
            short_cfg = LlmConfig(server.url, ALIAS, timeout_s=300, max_tokens=24, temperature=0)
            with OpenAICompatibleGenerator(short_cfg) as g24:
                t0 = time.monotonic()
                g24.complete(short)
                short_latency = time.monotonic() - t0
            timed = TimedGenerator(inner)
            for item in items:
                extractive = advisor.ask(item["q"], history=item.get("history", ()))
                passages = passages_from_answer(extractive)
                t0 = time.monotonic()
                events = list(stream_answer(timed, item["q"], passages, extractive.text))
                total = time.monotonic() - t0
                final = events[-1]
                assert isinstance(final, FinalEvent)
                checks = [e.check for e in events if isinstance(e, SentenceEvent)]
                stamps = timed.stamps
                # the whole answer without early stop (prompt is cached by the server): how
                # many of all generated sentences does the check reject, and why?
                full = generate_answer(inner, item["q"], passages, extractive.text)
                full_checks = full.grounding.sentences if full.grounding else ()
                full_issues: Counter[str] = Counter(i.kind for c in full_checks for i in c.issues)
                gen_s = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
                rows.append(
                    {
                        "id": item["id"],
                        "kind": item["kind"],
                        "passages": len(passages),
                        "prompt_chars": sum(
                            len(m["content"]) for m in build_messages(item["q"], passages)
                        ),
                        "first_token_s": round(stamps[0] - timed.started, 3) if stamps else None,
                        "total_s": round(total, 3),
                        "deltas": len(stamps),
                        "tokens_per_s": round((len(stamps) - 1) / gen_s, 1) if gen_s else None,
                        "sentences": len(checks),
                        "dropped": sum(not c.ok for c in checks),
                        "issues": sorted({i.kind for c in checks for i in c.issues}),
                        "generator": final.answer.generator,
                        "fallback_reason": final.answer.fallback_reason,
                        "raw": [c.text for c in checks],
                        "full_sentences": len(full_checks),
                        "full_dropped": sum(not c.ok for c in full_checks),
                        "full_issues": dict(full_issues),
                        "full_generator": full.generator,
                        "full_s": round(full.elapsed_s, 3),
                        "full_raw": [
                            (c.text, [f"{i.kind}:{i.value}" for i in c.issues]) for c in full_checks
                        ],
                    }
                )
                print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    finally:
        stop(proc)

    issue_counts: Counter[str] = Counter()
    full_issue_counts: Counter[str] = Counter()
    for r in rows:
        issue_counts.update(r["issues"])
        full_issue_counts.update(r["full_issues"])
    summary = {
        "model": ALIAS,
        "questions": len(rows),
        "server_start_s": round(server.start_s, 2),
        "short_answer_latency_s": round(short_latency, 3),
        "first_token_s_median": median([r["first_token_s"] for r in rows if r["first_token_s"]]),
        "tokens_per_s_median": median([r["tokens_per_s"] for r in rows if r["tokens_per_s"]]),
        "total_s_median": median([r["total_s"] for r in rows]),
        "sentences": sum(r["sentences"] for r in rows),
        "sentences_dropped": sum(r["dropped"] for r in rows),
        "answers_with_a_dropped_sentence": sum(r["dropped"] > 0 for r in rows),
        "issue_kinds_in_answers": dict(issue_counts),
        "fallbacks": dict(Counter(r["fallback_reason"] or "none" for r in rows)),
        "llm_answers_shown": sum(r["generator"] != "extractive" for r in rows),
        "full_sentences": sum(r["full_sentences"] for r in rows),
        "full_sentences_dropped": sum(r["full_dropped"] for r in rows),
        "full_issue_counts": dict(full_issue_counts),
        "full_llm_answers_shown": sum(r["full_generator"] != "extractive" for r in rows),
        "rows": rows,
    }
    out = ROOT / "bench" / "results" / "llm_generation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
