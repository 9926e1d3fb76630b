"""Grounding check (pure) and the OpenAI-compatible client against a real local HTTP server.

The server is a real ``http.server`` on 127.0.0.1 that replays OpenAI-style SSE streams (the
framing recorded from llama-cpp-python's server) and misbehaves on request: HTTP 500, a stall
longer than the client timeout, garbage lines, a stream cut before ``[DONE]``.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import programme_meta

from foerderberater.answer.factkeys import extract_dates, extract_numbers, number_supported
from foerderberater.answer.generation import (
    EXTRACTIVE,
    FinalEvent,
    SentenceEvent,
    build_messages,
    generate_answer,
    passages_from_answer,
    stream_answer,
)
from foerderberater.answer.grounding import (
    DECLINE_SENTENCE,
    GroundingChecker,
    Passage,
    SentenceStream,
    check_grounding,
    segment,
)
from foerderberater.answer.llm_client import (
    LlmConfig,
    LlmHttpError,
    LlmProtocolError,
    LlmTimeoutError,
    LlmUnavailableError,
    OpenAICompatibleGenerator,
    parse_sse,
)
from foerderberater.core.errors import ConfigError, FoerderberaterError
from foerderberater.core.types import Answer, Chunk, Hit, Source

EEW = Passage(
    1,
    "Bundesförderung für Energie- und Ressourceneffizienz in der Wirtschaft (EEW)",
    None,
    "Je nach Modul werden etwa 10 bis 60 % der förderfähigen Investitionskosten gefördert; "
    "KMU erhalten einen Aufschlag von bis zu 10 Prozentpunkten. Seit 2024 liegt die maximale "
    "Fördersumme in den Modulen 2, 3, 4 bei 20 Mio. Euro. Modul 1 bis höchstens 200.000 Euro. "
    "Seit dem 15. Februar 2024 gilt eine überarbeitete Richtlinie. Kredit über die KfW (295).",
)
STUDY = Passage(
    2,
    "Strukturwandel im Mitteldeutschen Revier – Beschäftigungsstudie",
    3,
    "Im Jahr 2022 arbeiteten 1.750 Beschäftigte direkt in der Braunkohle, die Förderung "
    "betrug 1,25 Mio. € je Vorhaben. Stand der Daten: 31.12.2022.",
)
PASSAGES = (EEW, STUDY)


def issues(text: str, passages: tuple[Passage, ...] = PASSAGES) -> list[tuple[str, ...]]:
    return [
        tuple(f"{i.kind}:{i.value}" for i in s.issues)
        for s in check_grounding(text, passages).sentences
    ]


# ---------------------------------------------------------------------------- facts
def supported(sentence: str, source: str) -> bool:
    numbers = extract_numbers(sentence)
    assert numbers, sentence
    return all(number_supported(n, extract_numbers(source)) for n in numbers)


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("1.750", "1750"),
        ("1750", "1.750"),
        ("1,25 Mio. €", "1.250.000 Euro"),
        ("1,25 Millionen Euro", "1,25 Mio. €"),
        ("35 %", "35 Prozent"),
        ("35 Prozent", "35 v. H."),
        ("2.800 €", "2800 EUR"),
        ("€ 2.800", "2.800 Euro"),
        ("20 Mio. Euro", "20.000.000 €"),
        ("0,5", "0,50"),
        ("60", "60 %"),  # a bare number may refer to a number with unit
    ],
)
def test_german_number_formats_match(sentence: str, source: str) -> None:
    assert supported(sentence, source)


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("1.750", "1,75"),  # German thousands separator, not a decimal point
        ("35 %", "35 €"),
        ("36 %", "35 %"),
        ("1,25 Mio. €", "1,25 €"),
        ("2.800 €", "28.000 €"),
    ],
)
def test_different_numbers_do_not_match(sentence: str, source: str) -> None:
    assert not supported(sentence, source)


def test_date_formats_normalise_to_one_key() -> None:
    for text in ("12. Januar 2023", "2023-01-12", "12.01.2023", "12.1.23", "12. Jan. 2023"):
        rest, keys = extract_dates(f"Frist: {text}.")
        assert keys == ["2023-01-12"], text
        assert not any(ch.isdigit() for ch in rest), rest
    assert extract_dates("bis 30. Juni")[1] == ["--06-30"]
    assert extract_dates("Stand März 2024")[1] == ["2024-03"]


# ---------------------------------------------------------------------------- grounding
def test_supported_sentences_pass_with_german_formats() -> None:
    text = (
        "Die EEW fördert je nach Modul 10 bis 60 Prozent der Investitionskosten [1]. "
        "Die Höchstsumme liegt bei 20.000.000 € [1]. "
        "Im Jahr 2022 waren es 1750 Beschäftigte in der Braunkohle [2, S. 3]."
    )
    result = check_grounding(text, PASSAGES)
    assert [s.ok for s in result.sentences] == [True, True, True]
    assert not result.fallback
    assert result.text == " ".join(segment(text))


def test_unsupported_number_date_and_name_are_reported() -> None:
    assert issues("Die EEW zahlt bis zu 70 % der Kosten [1].") == [("number:70 %",)]
    assert issues("Die Richtlinie gilt seit dem 16.02.2024 [1].") == [("date:2024-02-16",)]
    assert issues("Die GRW zahlt 60 % [1].") == [("name:GRW",)]
    assert issues("Der KfW-Kredit 296 ist möglich [1].") == [("number:296",)]


def test_fact_must_be_in_the_cited_passage_not_in_another() -> None:
    # 1.750 is in passage 2 only; citing [1] does not cover it
    assert issues("Es gab 1.750 Beschäftigte [1].") == [("number:1.750",)]
    assert issues("Es gab 1.750 Beschäftigte [1][2].") == [()]


def test_citation_rules() -> None:
    assert issues("Die EEW fördert Effizienz.") == [("no_citation:",)]
    assert issues("Die EEW fördert Effizienz [7].") == [("unknown_source:7",)]
    assert issues("Es gab 1.750 Beschäftigte [2, S. 4].") == [("wrong_page:2, S. 4",)]
    assert issues("Es gab 1.750 Beschäftigte [2, S. 3].") == [()]
    assert issues("Die EEW hatte 1.750 Beschäftigte [1, 2].") == [()]
    assert issues("Die EEW hatte 1.750 Beschäftigte [1; 2, S. 3].") == [()]
    # a rejected citation does not count as support
    assert issues("Die EEW hatte 1.750 Beschäftigte [1, 2, S. 4].") == [
        ("wrong_page:2, S. 4", "number:1.750")
    ]
    assert issues("Die EEW gibt es [1, 5].") == [("unknown_source:5",)]
    assert issues("Die EEW fördert Effizienz [sic].") == [("no_citation:",)]
    # a citation after the full stop belongs to the sentence before it
    assert segment("Es gab 1.750 Beschäftigte. [2] Die EEW gibt es [1].") == [
        "Es gab 1.750 Beschäftigte. [2]",
        "Die EEW gibt es [1].",
    ]
    # ... but a line that starts with "[n]" lists a source and stays a sentence of its own
    assert segment("Quellen:\n[2] Studie: 1.750 Beschäftigte.") == [
        "Quellen:",
        "[2] Studie: 1.750 Beschäftigte.",
    ]


def test_names_title_known_names_and_generic_acronyms() -> None:
    assert issues("Die EEW gilt für KMU [1].") == [()]  # EEW only in the title, KMU generic
    assert issues("Den Kredit gibt die KfW [1].") == [()]
    brandenburg = "Das gilt auch in Brandenburg [1]."
    assert issues(brandenburg) == [()]
    found = check_grounding(brandenburg, PASSAGES, names=["Brandenburg", "Sachsen"])
    assert [i.value for i in found.sentences[0].issues] == ["brandenburg"]


def test_dates_less_precise_than_the_source_are_supported() -> None:
    assert issues("Die Richtlinie gilt seit Februar 2024 [1].") == [()]
    assert issues("Die Daten reichen bis Ende 2022 [2].") == [()]
    assert issues("Die Richtlinie gilt seit März 2024 [1].") == [("date:2024-03",)]


def test_bullets_and_lines_are_sentences() -> None:
    text = "EEW fördert Effizienz [1].\n- Modul 1 bis 200.000 Euro [1]\n- Modul 9 auch [1]"
    result = check_grounding(text, PASSAGES)
    assert [s.text for s in result.sentences] == [
        "EEW fördert Effizienz [1].",
        "Modul 1 bis 200.000 Euro [1]",
        "Modul 9 auch [1]",
    ]
    assert [s.ok for s in result.sentences] == [True, True, False]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Die EEW zahlt 90 % [1]. Die EEW fördert Effizienz [1].", "first_sentence_dropped"),
        ("Ohne Beleg. Auch ohne.", "first_sentence_dropped"),
        ("\n  \n", "empty"),
        (DECLINE_SENTENCE, "declined"),
        ("", "empty"),
    ],
)
def test_fallback_reasons(text: str, reason: str) -> None:
    result = check_grounding(text, PASSAGES)
    assert result.fallback and result.fallback_reason == reason


def test_min_kept_and_partial_drop() -> None:
    text = "Die EEW fördert Effizienz [1]. Die EEW zahlt 90 % [1]."
    result = check_grounding(text, PASSAGES)
    assert not result.fallback and len(result.kept) == 1 and len(result.dropped) == 1
    assert check_grounding(text, PASSAGES, min_kept=2).fallback_reason == "too_few"


STREAM_TEXTS = (
    "Die EEW fördert je nach Modul 10 bis 60 % [1]. Die GRW zahlt 50 % [1]. "
    "Es gab 1.750 Beschäftigte, z. B. in der Braunkohle. [2] Ohne Beleg.\n- Modul 1 [1]",
    "Seit dem 15. Februar 2024 gilt eine Richtlinie [1]. Im Jahr 2022 [2, S. 3]. Falsch [9].",
)


@pytest.mark.parametrize("text", STREAM_TEXTS)
def test_streamed_sentences_equal_the_batch_check(text: str) -> None:
    rng = random.Random(7)
    batch = check_grounding(text, PASSAGES)
    for _ in range(20):
        stream = SentenceStream(GroundingChecker(PASSAGES))
        pos, got = 0, []
        while pos < len(text):
            step = rng.randint(1, 6)
            got += stream.feed(text[pos : pos + step])
            pos += step
        got += stream.close()
        assert got == list(batch.sentences)
        assert stream.result() == batch


def test_stream_holds_a_sentence_until_the_next_one_starts() -> None:
    stream = SentenceStream(GroundingChecker(PASSAGES))
    assert stream.feed("Es gab 1.750 Beschäftigte.") == []
    assert stream.feed(" [2") == []  # maybe a citation for this sentence
    assert stream.feed("]") == []
    (done,) = stream.feed(" Die")
    assert done.text == "Es gab 1.750 Beschäftigte. [2]" and done.ok
    # a new line that starts with a finished "[n]" does not hold back the line before it
    stream = SentenceStream(GroundingChecker(PASSAGES))
    assert stream.feed("Quellen:\n[1") == []
    (done,) = stream.feed("] Bundesförderung")
    assert done.text == "Quellen:" and not done.ok


# ---------------------------------------------------------------------------- config
def test_config_validates_and_hides_the_key() -> None:
    cfg = LlmConfig("http://127.0.0.1:1/v1", "m", api_key="sk-geheim")
    assert "sk-geheim" not in repr(cfg)
    assert cfg.endpoint == "http://127.0.0.1:1/v1/chat/completions"
    for kwargs, field_name in (
        ({"url": "127.0.0.1:8080"}, "llm_url"),
        ({"model": " "}, "llm_model"),
        ({"timeout_s": 0}, "llm_timeout_s"),
        ({"max_tokens": 0}, "llm_max_tokens"),
    ):
        with pytest.raises(ConfigError) as err:
            LlmConfig(**{"url": "http://x/v1", "model": "m", **kwargs})  # type: ignore[arg-type]
        assert err.value.field == field_name


def test_prompt_numbers_passages_and_asks_for_citations() -> None:
    system, user = build_messages("Wie viel zahlt die EEW?", PASSAGES)
    assert system["role"] == "system" and "[1]" in system["content"]
    assert DECLINE_SENTENCE in system["content"]
    assert user["content"].startswith("Quellen:\n\n[1] Bundesförderung")
    assert (
        "[2] Strukturwandel im Mitteldeutschen Revier – Beschäftigungsstudie, S. 3:"
        in (user["content"])
    )
    assert user["content"].endswith("Frage: Wie viel zahlt die EEW?\n\nAntwort:")


def test_passages_from_answer_keep_numbers_pages_and_programme_facts() -> None:
    def hit(doc: str, text: str, page: int) -> Hit:
        chunk = Chunk(Chunk.make_id(doc, 0, text), doc, doc, doc, "", (page,), 0, text)
        return Hit(chunk, 1.0)

    meta = programme_meta(kurzname="EEW", foerdersatz_max_prozent=60, max_betrag_eur=20_000_000)
    eew = (hit("eew.md", "Zuschuss für Effizienz.", 0),)
    study = (hit("s.pdf", "Satz A.", 3), hit("s.pdf", "Satz A.", 3), hit("s.pdf", "Satz B.", 4))
    sources = (
        Source(1, "eew.md", "eew", "EEW", None, 1.0, "s", None, meta, eew),
        Source(2, "s.pdf", "s", "Studie", 3, 0.5, "s", None, hits=study),
    )
    p1, p2 = passages_from_answer(Answer("Frage?", "Text [1] [2]", False, sources))
    assert (p1.number, p1.page, p2.number, p2.page) == (1, None, 2, 3)
    assert p1.text.startswith("Steckbrief: ") and p1.text.endswith("Zuschuss für Effizienz.")
    assert p2.text == "s … Satz A. … Satz B."  # the quoted snippet first, then the passages
    text = "Die EEW zahlt bis zu 60 % und maximal 20 Mio. € [1]."
    assert check_grounding(text, (p1, p2)).sentences[0].ok, p1.text


# ---------------------------------------------------------------------------- SSE parsing
def chunk(content: str | None, finish: str | None = None) -> str:
    delta = {} if content is None else {"content": content}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return "data: " + json.dumps(body, ensure_ascii=False)


def sse_lines(text: str, size: int = 4, done: bool = True) -> list[str]:
    first = chunk(None).replace('"delta": {}', '"delta": {"role": "assistant"}')
    lines = [first, ""]
    for i in range(0, len(text), size):
        lines += [chunk(text[i : i + size]), ""]
    if done:
        lines += [chunk(None, "stop"), "", ": ping - keep-alive", "", "data: [DONE]", ""]
    return lines


def test_parse_sse_collects_deltas_and_skips_comments() -> None:
    assert "".join(parse_sse(sse_lines("Hallo Welt [1]."))) == "Hallo Welt [1]."


@pytest.mark.parametrize(
    "lines",
    [
        ["data: {not json"],
        ["<html>Bad Gateway</html>"],
        ['data: {"error": {"message": "context length exceeded"}}'],
        sse_lines("abgeschnitten", done=False),
        ['data: {"choices": [{"index": 0, "delta": {"content": 5}}]}'],
    ],
)
def test_parse_sse_rejects_broken_streams(lines: list[str]) -> None:
    with pytest.raises(LlmProtocolError):
        list(parse_sse(lines))


# ---------------------------------------------------------------------------- real HTTP server
GOOD = (
    "Die EEW fördert je nach Modul 10 bis 60 % der Investitionskosten [1]. "
    "Die Höchstsumme beträgt 25 Mio. Euro [1]. "
    "Im Jahr 2022 arbeiteten 1.750 Beschäftigte in der Braunkohle [2, S. 3]."
)
BAD_FIRST = "Die EEW zahlt immer 95 % [1]. " + " ".join(["Die EEW fördert Effizienz [1]."] * 1500)


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReplayHandler)
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.finished: Counter[str] = Counter()  # streams written to the end, per mode
        self.aborted: Counter[str] = Counter()  # streams the client hung up on, per mode

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReplayHandler(BaseHTTPRequestHandler):
    server: ReplayServer

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, dict(self.headers), body))
        mode = self.path.split("/")[1]
        if mode == "http500":
            return self._send(500, "application/json", b'{"error": "model crashed"}')
        if not body.get("stream"):
            text = {"good": GOOD, "garbage": None}.get(mode, BAD_FIRST)
            payload = (
                b"{oops"
                if text is None
                else json.dumps(
                    {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
                ).encode()
            )
            return self._send(200, "application/json", payload)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        lines = {
            "good": sse_lines(GOOD),
            "badfirst": sse_lines(BAD_FIRST, size=3),
            "garbage": sse_lines("Die EEW")[:4] + ["data: {kaputt", ""],
            "cut": sse_lines(GOOD, done=False),
            "slow": sse_lines(GOOD)[:4],
        }[mode]
        try:
            for line in lines:
                self.wfile.write(line.encode() + b"\n")
                if not line:  # end of an event: deliver it, then pause like a model would
                    self.wfile.flush()
                    time.sleep(0.002)
            if mode == "slow":
                time.sleep(15.0)
            self.server.finished[mode] += 1
        except OSError:  # the client hung up early
            self.server.aborted[mode] += 1

    def _send(self, status: int, ctype: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def gen(replay: ReplayServer, mode: str, **kw: Any) -> OpenAICompatibleGenerator:
    # generous for a loaded CI machine; the "slow" replay stalls far longer than this
    cfg = LlmConfig(f"{replay.base}/{mode}/v1", "test-model", timeout_s=3.0, **kw)
    return OpenAICompatibleGenerator(cfg)


def test_stream_over_http_sends_an_openai_request(replay: ReplayServer) -> None:
    with gen(replay, "good", api_key="sk-test", max_tokens=123, seed=7) as g:
        text = "".join(g.stream(build_messages("Was zahlt die EEW?", PASSAGES)))
    assert text == GOOD
    path, headers, body = replay.requests[-1]
    assert path == "/good/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["stream"] is True and body["model"] == "test-model"
    assert body["max_tokens"] == 123 and body["messages"][1]["role"] == "user"
    assert body["seed"] == 7
    with gen(replay, "good") as g:
        assert "".join(g.stream(build_messages("Was zahlt die EEW?", PASSAGES))) == GOOD
    _, headers, body = replay.requests[-1]
    assert "seed" not in body and "Authorization" not in headers


def test_stream_answer_shows_only_checked_sentences(replay: ReplayServer) -> None:
    with gen(replay, "good") as g:
        events = list(stream_answer(g, "Was zahlt die EEW?", PASSAGES, "EXTRAKTIV"))
    sentences = [e.check for e in events if isinstance(e, SentenceEvent)]
    final = events[-1]
    assert isinstance(final, FinalEvent) and events[:-1] == [SentenceEvent(s) for s in sentences]
    assert [s.ok for s in sentences] == [True, False, True]
    assert [i.value for i in sentences[1].issues] == ["25 Mio. Euro"]
    answer = final.answer
    assert answer.generator == "llm:test-model" and answer.used_llm
    assert answer.text == f"{sentences[0].text} {sentences[2].text}"
    assert "25 Mio" not in answer.text


def test_first_sentence_dropped_falls_back_and_stops_the_stream(replay: ReplayServer) -> None:
    finished, aborted = replay.finished["badfirst"], replay.aborted["badfirst"]
    with gen(replay, "badfirst") as g:
        events = list(stream_answer(g, "Was zahlt die EEW?", PASSAGES, "EXTRAKTIV"))
    final = events[-1]
    assert isinstance(final, FinalEvent)
    assert final.answer.text == "EXTRAKTIV" and final.answer.generator == EXTRACTIVE
    assert final.answer.fallback_reason == "first_sentence_dropped"
    assert len(events) == 2  # the dropped first sentence, then the fallback
    # the server notices the closed connection while it writes (a full replay takes ~1 min,
    # so even on a loaded machine the hang-up comes first)
    deadline = time.monotonic() + 30
    while (replay.aborted["badfirst"], replay.finished["badfirst"]) == (aborted, finished):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (replay.aborted["badfirst"], replay.finished["badfirst"]) == (aborted + 1, finished)


def test_non_streaming_path(replay: ReplayServer) -> None:
    with gen(replay, "good") as g:
        answer = generate_answer(g, "Was zahlt die EEW?", PASSAGES, "EXTRAKTIV")
    assert answer.generator == "llm:test-model"
    assert len(answer.grounding.dropped) == 1  # type: ignore[union-attr]
    assert replay.requests[-1][2]["stream"] is False
    with gen(replay, "badfirst") as g:
        answer = generate_answer(g, "Was zahlt die EEW?", PASSAGES, "EXTRAKTIV")
    assert (answer.text, answer.fallback_reason) == ("EXTRAKTIV", "first_sentence_dropped")


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("http500", LlmHttpError),
        ("slow", LlmTimeoutError),
        ("garbage", LlmProtocolError),
        ("cut", LlmProtocolError),
    ],
)
def test_http_failures_become_typed_errors_and_fall_back(
    replay: ReplayServer, mode: str, error: type[Exception]
) -> None:
    with gen(replay, mode) as g:
        with pytest.raises(error) as err:
            "".join(g.stream(build_messages("Frage?", PASSAGES)))
        assert isinstance(err.value, FoerderberaterError)
        events = list(stream_answer(g, "Frage?", PASSAGES, "EXTRAKTIV"))
    final = events[-1]
    assert isinstance(final, FinalEvent)
    assert final.answer.text == "EXTRAKTIV" and final.answer.generator == EXTRACTIVE
    assert final.answer.fallback_reason == f"error:{error.__name__}"
    if mode == "http500":
        assert err.value.status == 500  # type: ignore[attr-defined]


def test_non_streaming_errors(replay: ReplayServer) -> None:
    with gen(replay, "http500") as g, pytest.raises(LlmHttpError):
        g.complete(build_messages("Frage?", PASSAGES))
    with gen(replay, "garbage") as g, pytest.raises(LlmProtocolError):
        g.complete(build_messages("Frage?", PASSAGES))


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    g = OpenAICompatibleGenerator(LlmConfig(f"http://127.0.0.1:{port}/v1", "m", timeout_s=2))
    with g:
        with pytest.raises(LlmUnavailableError):
            g.complete(build_messages("Frage?", PASSAGES))
        answer = generate_answer(g, "Frage?", PASSAGES, "EXTRAKTIV")
    assert answer.generator == EXTRACTIVE and answer.error
    assert answer.fallback_reason == "error:LlmUnavailableError"


def test_no_passages_means_extractive_without_a_request(replay: ReplayServer) -> None:
    count = len(replay.requests)
    with gen(replay, "good") as g:
        (final,) = list(stream_answer(g, "Frage?", (), "EXTRAKTIV"))
        assert generate_answer(g, "Frage?", (), "EXTRAKTIV").fallback_reason == "no_passages"
    assert isinstance(final, FinalEvent) and final.answer.fallback_reason == "no_passages"
    assert len(replay.requests) == count
