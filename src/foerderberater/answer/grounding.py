"""Grounding check for generated answers: every sentence cited, every fact found in its sources.

Pure and deterministic. A sentence is kept only when it cites at least one existing passage
(``[n]`` or ``[n, S. p]``) and every number, date and name-like token in it also occurs in
the passages it cites (text or document title). Numbers and dates are compared as normalised
values, so "1,25 Mio. €" matches "1.250.000 Euro" and "12.01.2023" matches "12. Januar 2023".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from foerderberater.answer import factkeys as facts
from foerderberater.core.text import line_sentences

IssueKind = Literal["no_citation", "unknown_source", "wrong_page", "number", "date", "name"]

# The one sentence the prompt asks for when the passages do not answer the question.
DECLINE_SENTENCE = "Die Quellen beantworten diese Frage nicht."

# "[1]", "[1, S. 2]", "[1, 2]", "[1; 3, S. 4]": numbers, each optionally followed by its page
_CITE_ITEM = r"\d{1,3}(?:\s*,\s*S\.\s*\d{1,4})?"
_CITATION = re.compile(rf"\[\s*{_CITE_ITEM}(?:\s*[,;]\s*{_CITE_ITEM})*\s*\]")
_CITE_PART = re.compile(r"(\d{1,3})(?:\s*,\s*S\.\s*(\d{1,4}))?")
_OPEN_CITATION = re.compile(r"^\[[\d\s,;S.]*$")
_LEADING_CITATIONS = re.compile(rf"^(?:\s*{_CITATION.pattern}[.,;:]?)+")


@dataclass(frozen=True)
class Passage:
    """One numbered evidence passage shown to the model; ``number`` is the n of ``[n]``."""

    number: int
    doc_title: str
    page: int | None
    text: str


@dataclass(frozen=True)
class Issue:
    kind: IssueKind
    value: str  # the offending citation, number, date (ISO) or name


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[int, ...]
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class GroundedText:
    """Outcome of the check; ``fallback`` means: show the extractive answer instead."""

    sentences: tuple[SentenceCheck, ...]
    fallback: bool
    # None, or "declined" | "empty" | "first_sentence_dropped" | "too_few"
    fallback_reason: str | None = None

    @property
    def kept(self) -> tuple[SentenceCheck, ...]:
        return tuple(s for s in self.sentences if s.ok)

    @property
    def dropped(self) -> tuple[SentenceCheck, ...]:
        return tuple(s for s in self.sentences if not s.ok)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.kept)


def nfkc(text: str) -> str:
    """Compatibility-normalised text: CO₂ -> CO2, no-break spaces -> spaces."""
    return unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------------------- segmentation
def segment(text: str) -> list[str]:
    """Split generated text into sentences; a citation after the full stop stays with it.

    Line by line with the project's German splitter (list markers and Markdown emphasis
    removed; table rows kept, so they are checked and reported like any sentence). A line
    that starts with "[n]" is its own sentence (a list of sources, not a late citation).
    """
    out: list[str] = []
    for line in nfkc(text).split("\n"):
        for i, part in enumerate(line_sentences(line, tables=True)):
            lead = _LEADING_CITATIONS.match(part)
            if lead and i > 0:
                out[-1] = f"{out[-1]} {lead.group(0).strip()}"
                part = part[lead.end() :].strip()
            if part:
                out.append(part)
    return out


# ---------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class _Support:
    numbers: frozenset[facts.Number]
    dates: frozenset[str]
    folded: str  # casefolded text for name look-ups


class GroundingChecker:
    """Checks sentences against numbered passages; facts of each passage are computed once."""

    def __init__(
        self,
        passages: Sequence[Passage],
        *,
        names: Iterable[str] = (),
        min_kept: int = 1,
    ) -> None:
        self.passages = {p.number: p for p in passages}
        self.known_names = frozenset(nfkc(n).casefold() for n in names if n.strip())
        self.min_kept = min_kept
        self._support: dict[int, _Support] = {}

    def _support_of(self, number: int) -> _Support:
        if number not in self._support:
            p = self.passages[number]
            text = nfkc(f"{p.doc_title}\n{p.text}")
            rest, dates = facts.extract_dates(text)
            self._support[number] = _Support(
                numbers=frozenset(facts.extract_numbers(rest)) | facts.date_years(dates),
                dates=frozenset(dates),
                folded=text.casefold(),
            )
        return self._support[number]

    def check_sentence(self, sentence: str) -> SentenceCheck:
        sentence = nfkc(sentence).strip()
        issues: list[Issue] = []
        cited: list[int] = []
        for m in _CITATION.finditer(sentence):
            for part in _CITE_PART.finditer(m.group(0)):
                n, page = int(part.group(1)), part.group(2)
                if n not in self.passages:
                    issues.append(Issue("unknown_source", part.group(0)))
                    continue
                p = self.passages[n]
                if page is not None and p.page is not None and int(page) != p.page:
                    issues.append(Issue("wrong_page", part.group(0)))
                    continue
                if n not in cited:
                    cited.append(n)
        if not cited:
            if not issues:
                issues.append(Issue("no_citation", ""))
            return SentenceCheck(sentence, (), tuple(issues))
        body = _CITATION.sub(" ", sentence)
        support = [self._support_of(n) for n in cited]
        rest, dates = facts.extract_dates(body)
        for date in dates:
            if not any(facts.date_supported(date, s.dates) for s in support):
                issues.append(Issue("date", date))
        for num in facts.extract_numbers(rest):
            if not any(facts.number_supported(num, s.numbers) for s in support):
                issues.append(Issue("number", num.raw))
        for name in facts.name_tokens(rest, self.known_names):
            if not any(facts.mentions(name.casefold(), s.folded) for s in support):
                issues.append(Issue("name", name))
        return SentenceCheck(sentence, tuple(cited), tuple(issues))

    def summarize(self, checks: Sequence[SentenceCheck]) -> GroundedText:
        """Decide about the fallback once all sentences are checked."""
        kept = [c for c in checks if c.ok]
        reason: str | None = None
        if len(checks) == 1 and is_decline(checks[0].text):
            reason = "declined"
        elif not checks:
            reason = "empty"
        elif not checks[0].ok:
            reason = "first_sentence_dropped"
        elif len(kept) < self.min_kept:
            reason = "too_few"
        return GroundedText(tuple(checks), fallback=reason is not None, fallback_reason=reason)


def is_decline(sentence: str) -> bool:
    """True for the prompt's fixed "the passages do not answer" sentence (citations ignored)."""
    core = _CITATION.sub("", nfkc(sentence)).strip().strip('„“"').rstrip(".").strip().casefold()
    return core == DECLINE_SENTENCE.rstrip(".").casefold()


def check_grounding(
    text: str,
    passages: Sequence[Passage],
    *,
    names: Iterable[str] = (),
    min_kept: int = 1,
) -> GroundedText:
    """Check a complete generated text; see the module docstring for the rules."""
    checker = GroundingChecker(passages, names=names, min_kept=min_kept)
    return checker.summarize([checker.check_sentence(s) for s in segment(text)])


class SentenceStream:
    """Incremental segmentation and check for streamed text.

    ``feed(delta)`` returns the sentences that are complete by now, already checked; a sentence
    counts as complete once the next one has visibly started (so a citation written after the
    full stop still belongs to it). ``close()`` returns the rest; ``result()`` the summary.
    The whole buffer is re-segmented on every delta (answers are short), so streamed and
    batch segmentation agree.
    """

    def __init__(self, checker: GroundingChecker) -> None:
        self.checker = checker
        self._buffer = ""
        self._done: list[SentenceCheck] = []

    def feed(self, delta: str) -> list[SentenceCheck]:
        self._buffer += delta
        parts = segment(self._buffer)
        # The last part may still grow; an unfinished "[2" may become a citation that
        # belongs to the sentence before it.
        ready = len(parts) - 1
        if ready >= 1 and _OPEN_CITATION.match(parts[-1]):
            ready -= 1
        return self._emit(parts[:ready])

    def close(self) -> list[SentenceCheck]:
        return self._emit(segment(self._buffer))

    def result(self) -> GroundedText:
        return self.checker.summarize(self._done)

    def _emit(self, parts: Sequence[str]) -> list[SentenceCheck]:
        new = [self.checker.check_sentence(s) for s in parts[len(self._done) :]]
        self._done.extend(new)
        return new
