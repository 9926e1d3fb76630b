"""Optional LLM answers over the numbered evidence, shown only after the grounding check.

Flow: ``build_messages`` puts the numbered passages and the question into a German prompt; a
``Generator`` (``llm_client.OpenAICompatibleGenerator``) writes the answer; every sentence passes
``grounding.GroundingChecker`` before anyone sees it. ``stream_answer`` yields checked sentences
one by one and ends with a ``FinalEvent`` whose text is either the kept LLM sentences or, on
any failure, the extractive answer. ``generate_answer`` is the same without streaming.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from foerderberater.answer.facts import facts_line
from foerderberater.answer.grounding import (
    DECLINE_SENTENCE,
    GroundedText,
    GroundingChecker,
    Passage,
    SentenceCheck,
    SentenceStream,
    is_decline,
    segment,
)
from foerderberater.answer.llm_client import Generator, LlmError, Message
from foerderberater.core.schema import ProgrammeMeta
from foerderberater.core.types import Answer

EXTRACTIVE = "extractive"

SYSTEM_PROMPT = (
    "Du bist der Förderberater für Förderprogramme und Strukturwandel-Studien im "
    "Mitteldeutschen Revier. Beantworte die Frage ausschließlich mit den nummerierten Quellen "
    "der Nutzernachricht.\n"
    "Regeln:\n"
    "1. Der erste Satz beantwortet die Frage direkt.\n"
    "2. Nutze nur Angaben aus den Quellen. Erfinde keine Zahlen, Daten oder Programmnamen.\n"
    "3. Belege jeden Satz am Satzende mit der Nummer seiner Quelle in eckigen Klammern, "
    "z. B. [1] oder [2, S. 4].\n"
    f"4. Beantworten die Quellen die Frage nicht, schreibe nur: {DECLINE_SENTENCE}\n"
    "5. Höchstens fünf kurze Sätze, sachlich, auf Deutsch, ohne Aufzählungszeichen."
)


def format_passage(p: Passage, max_chars: int) -> str:
    where = f", S. {p.page}" if p.page else ""
    text = " ".join(p.text.split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return f"[{p.number}] {p.doc_title}{where}:\n{text}"


def build_messages(
    question: str, passages: Sequence[Passage], *, max_chars: int = 1500
) -> list[Message]:
    """System prompt plus one user message with the numbered passages and the question."""
    sources = "\n\n".join(format_passage(p, max_chars) for p in passages)
    user = f"Quellen:\n\n{sources}\n\nFrage: {question.strip()}\n\nAntwort:"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def passages_from_answer(answer: Answer) -> tuple[Passage, ...]:
    """Numbered passages from an extractive answer's sources (same numbers as its [n]).

    A programme passage starts with its front-matter facts (rate, amount, office, Stand), the
    same line the extractive answer shows, so the model may quote them with a citation.
    """
    out = []
    for s in answer.sources:
        # the sentences the extractive answer quotes first, then the retrieved passages
        text = " … ".join(
            t for t in dict.fromkeys([s.snippet, *(h.chunk.text for h in s.hits)]) if t
        )
        if isinstance(s.meta, ProgrammeMeta):
            text = f"Steckbrief: {facts_line(s.meta)}.\n{text}"
        out.append(Passage(s.number, s.title, s.page, text))
    return tuple(out)


@dataclass(frozen=True)
class GeneratedAnswer:
    """``generator`` is "extractive" or "llm:<model>" (the ``"generator"`` JSON field)."""

    text: str
    generator: str
    grounding: GroundedText | None = None
    fallback_reason: str | None = None  # grounding reason, "no_passages" or "error:<Class>"
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def used_llm(self) -> bool:
        return self.generator != EXTRACTIVE


@dataclass(frozen=True)
class SentenceEvent:
    """One checked sentence; show it only if ``check.ok`` (dropped ones are for debugging)."""

    check: SentenceCheck


@dataclass(frozen=True)
class FinalEvent:
    """Last event: replace whatever was shown by ``answer.text``."""

    answer: GeneratedAnswer


AnswerEvent = SentenceEvent | FinalEvent


def _final(
    grounded: GroundedText | None,
    generator: Generator,
    extractive: str,
    started: float,
    error: LlmError | None = None,
    reason: str | None = None,
) -> GeneratedAnswer:
    elapsed = time.monotonic() - started
    if error is not None:
        reason = f"error:{type(error).__name__}"
    elif grounded is not None and grounded.fallback:
        reason = grounded.fallback_reason
    if reason is not None or grounded is None:
        return GeneratedAnswer(
            extractive, EXTRACTIVE, grounded, reason, str(error) if error else None, elapsed
        )
    return GeneratedAnswer(grounded.text, generator.label, grounded, None, None, elapsed)


def stream_answer(
    generator: Generator,
    question: str,
    passages: Sequence[Passage],
    extractive: str,
    *,
    names: Iterable[str] = (),
    min_kept: int = 1,
) -> Iterator[AnswerEvent]:
    """Stream checked sentences, then a ``FinalEvent``.

    Never yields an unchecked sentence. Stops the model early when the first sentence fails
    (the answer would fall back anyway). Any ``LlmError`` ends in the extractive answer.
    """
    started = time.monotonic()
    if not passages:
        yield FinalEvent(_final(None, generator, extractive, started, reason="no_passages"))
        return
    stream = SentenceStream(GroundingChecker(passages, names=names, min_kept=min_kept))
    deltas = generator.stream(build_messages(question, passages))
    first: SentenceCheck | None = None
    try:
        for delta in deltas:
            for check in stream.feed(delta):
                first = first or check
                yield SentenceEvent(check)
            if first is not None and not first.ok:
                break
        else:
            for check in stream.close():
                first = first or check
                yield SentenceEvent(check)
    except LlmError as exc:
        yield FinalEvent(_final(stream.result(), generator, extractive, started, exc))
        return
    finally:
        close = getattr(deltas, "close", None)
        if close is not None:
            close()
    yield FinalEvent(_final(stream.result(), generator, extractive, started))


def generate_answer(
    generator: Generator,
    question: str,
    passages: Sequence[Passage],
    extractive: str,
    *,
    names: Iterable[str] = (),
    min_kept: int = 1,
) -> GeneratedAnswer:
    """Non-streaming: one request, then the same check and fallback as ``stream_answer``."""
    started = time.monotonic()
    if not passages:
        return _final(None, generator, extractive, started, reason="no_passages")
    try:
        text = generator.complete(build_messages(question, passages))
    except LlmError as exc:
        return _final(None, generator, extractive, started, exc)
    checker = GroundingChecker(passages, names=names, min_kept=min_kept)
    grounded = checker.summarize([checker.check_sentence(s) for s in segment(text)])
    return _final(grounded, generator, extractive, started)


__all__ = [
    "EXTRACTIVE",
    "AnswerEvent",
    "FinalEvent",
    "GeneratedAnswer",
    "Passage",
    "SentenceEvent",
    "build_messages",
    "generate_answer",
    "is_decline",
    "passages_from_answer",
    "stream_answer",
]


def word_answer(
    generator: Generator, question: str, answer: Answer, names: Sequence[str] = ()
) -> Answer:
    """``answer`` worded by ``generator`` from its numbered sources and checked sentence by
    sentence; the extractive text stays when the check fails (``generator`` says which)."""
    if answer.abstained or not answer.sources:
        return answer
    worded = generate_answer(
        generator,
        answer.standalone_query or question,
        passages_from_answer(answer),
        answer.text,
        names=names,
    )
    return replace(answer, text=worded.text, generator=worded.generator)
