"""The optional LLM wording through the advisor, against a real local HTTP server that
answers like an OpenAI-compatible model (quoting its first source, or inventing a number)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from foerderberater.advisor import Advisor
from foerderberater.core.errors import ConfigError
from foerderberater.core.settings import Settings

TODAY = dt.date(2026, 11, 25)


def _first_passage_sentence(prompt: str) -> str:
    """What a faithful model would answer: the first body sentence of source [1], cited."""
    block = prompt.split("[1] ", 1)[1].split("\n\n[2] ", 1)[0]
    text = block.split(":\n", 1)[1].split("\n\nFrage:", 1)[0]
    text = re.sub(r"^Steckbrief: .*?Stand: \d{4}-\d{2}-\d{2}\.\s*", "", text)
    first = re.split(r"(?<=[.!?])\s+", text.replace(" … ", " "), maxsplit=1)[0]
    return first.strip().rstrip(".") + " [1]."


class Model(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        if self.path.startswith("/faithful/"):
            text = _first_passage_sentence(prompt)
        else:  # a number no source gives, in the first sentence
            text = "Die Förderung beträgt immer 97 % der Kosten [1]. Mehr steht in [1]."
        if not body.get("stream"):
            message = {"role": "assistant", "content": text}
            payload = json.dumps({"choices": [{"index": 0, "message": message}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(text), 7):
            delta = {"choices": [{"index": 0, "delta": {"content": text[i : i + 7]}}]}
            self.wfile.write(f"data: {json.dumps(delta)}\n\n".encode())
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())


@pytest.fixture(scope="module")
def model_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Model)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _advisor(settings: Settings, fake, url: str) -> Advisor:
    llm = {"llm_url": url, "llm_model": "test-model", "llm_timeout_s": 5.0, "min_relevance": 0.0}
    return Advisor(settings.with_overrides(**llm), embedder=fake)


def test_a_grounded_wording_is_shown_with_its_generator(starter_index, fake, model_url) -> None:
    advisor = _advisor(starter_index, fake, f"{model_url}/faithful/v1")
    extractive = advisor.ask("Wo beantrage ich die EEW?", today=TODAY, llm=False)
    answer = advisor.ask("Wo beantrage ich die EEW?", today=TODAY)
    assert extractive.generator == "extractive"
    assert answer.generator == "llm:test-model", answer.text
    assert answer.text != extractive.text and answer.text.endswith("[1].")
    assert answer.sources == extractive.sources
    assert answer.to_json()["generator"] == "llm:test-model"


def test_an_invented_number_falls_back_to_the_extractive_answer(
    starter_index, fake, model_url
) -> None:
    advisor = _advisor(starter_index, fake, f"{model_url}/inventing/v1")
    answer = advisor.ask("Wie hoch ist der Fördersatz der EEW?", today=TODAY)
    extractive = advisor.ask("Wie hoch ist der Fördersatz der EEW?", today=TODAY, llm=False)
    assert answer.generator == "extractive" and answer.text == extractive.text
    assert "97 %" not in answer.text


def test_an_unreachable_model_keeps_the_extractive_answer(starter_index, fake) -> None:
    advisor = _advisor(starter_index, fake, "http://127.0.0.1:9/v1")
    assert advisor.ask("Wo beantrage ich die EEW?", today=TODAY).generator == "extractive"


def test_llm_settings_are_validated_and_the_key_is_hidden() -> None:
    with pytest.raises(ConfigError, match="llm_model"):
        Settings(llm_url="http://127.0.0.1:8080/v1")
    with pytest.raises(ConfigError, match="llm_url"):
        Settings(llm_url="ftp://x", llm_model="m")
    settings = Settings(llm_url="http://h/v1", llm_model="m", llm_api_key="geheim")
    assert "geheim" not in repr(settings) and "geheim" not in repr(settings.llm_config())
    assert Settings().llm_config() is None
