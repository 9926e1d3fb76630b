"""Client for OpenAI-compatible chat completions (Ollama, vLLM, llama.cpp server, hosted APIs).

Only ``POST {url}/chat/completions`` is used, streaming (Server-Sent Events) or not. Every
failure becomes an ``LlmError`` so the caller can fall back to the extractive answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.llm import LlmConfig

if TYPE_CHECKING:
    import httpx


class LlmError(FoerderberaterError):
    """The language model could not deliver an answer; fall back to the extractive one."""


class LlmUnavailableError(LlmError):
    """Connection refused, DNS or network failure."""


class LlmTimeoutError(LlmUnavailableError):
    """No byte arrived within ``timeout_s`` (connect, first token or between tokens)."""


class LlmHttpError(LlmError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body[:300]


class LlmProtocolError(LlmError):
    """The server answered, but not in the OpenAI chat-completions format."""


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Generator(Protocol):
    """A chat model. ``label`` is what answers report as ``generator`` ("llm:<model>")."""

    @property
    def label(self) -> str: ...

    def complete(self, messages: Sequence[Message]) -> str: ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas in order; closing the iterator early ends the request."""
        ...


def parse_sse(lines: Iterable[str]) -> Iterator[str]:
    """Content deltas of an OpenAI-style SSE stream (``data: {...}`` lines, ``data: [DONE]``).

    Comments, ``event:``/``id:``/``retry:`` fields and blank lines are skipped. A stream that
    ends without ``[DONE]`` and without a ``finish_reason`` was cut off: LlmProtocolError.
    """
    finished = False
    for line in lines:
        line = line.rstrip("\r\n")
        if not line or line.startswith(":") or line.startswith(("event:", "id:", "retry:")):
            continue
        if not line.startswith("data:"):
            raise LlmProtocolError(f"unexpected line in event stream: {line[:120]!r}")
        data = line[5:].strip()
        if data == "[DONE]":
            return
        chunk = _json(data)
        if "error" in chunk:
            raise LlmProtocolError(f"error event: {str(chunk['error'])[:200]}")
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                raise LlmProtocolError("choice is not an object")
            if choice.get("index", 0) != 0:
                continue
            content = (choice.get("delta") or {}).get("content")
            if content:
                if not isinstance(content, str):
                    raise LlmProtocolError("delta.content is not a string")
                yield content
            finished = finished or bool(choice.get("finish_reason"))
    if not finished:
        raise LlmProtocolError("event stream ended without [DONE]")


def _json(data: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LlmProtocolError(f"invalid JSON in response: {data[:120]!r}") from exc
    if not isinstance(value, dict):
        raise LlmProtocolError("response is not a JSON object")
    return value


class OpenAICompatibleGenerator:
    """``Generator`` over HTTP with httpx; one pooled client, closed by ``close()``."""

    def __init__(self, config: LlmConfig, client: httpx.Client | None = None) -> None:
        import httpx  # gradio brings it; imported here so importing this module stays cheap

        self.config = config
        t = config.timeout_s
        self._client = client or httpx.Client(timeout=httpx.Timeout(t, connect=min(t, 10.0)))

    @property
    def label(self) -> str:
        return f"llm:{self.config.model}"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAICompatibleGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, messages: Sequence[Message], stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": list(messages),
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "stream": stream,
        }
        if self.config.seed is not None:
            body["seed"] = self.config.seed
        return body

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream, application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return headers

    def complete(self, messages: Sequence[Message]) -> str:
        import httpx

        try:
            resp = self._client.post(
                self.config.endpoint, json=self._request(messages, False), headers=self._headers()
            )
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc
        if resp.status_code >= 400:
            raise LlmHttpError(resp.status_code, resp.text)
        body = _json(resp.text)
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LlmProtocolError("no choices[0].message.content in response") from exc
        if not isinstance(content, str):
            raise LlmProtocolError("message.content is not a string")
        return content

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        import httpx

        try:
            with self._client.stream(
                "POST",
                self.config.endpoint,
                json=self._request(messages, True),
                headers=self._headers(),
            ) as resp:
                if resp.status_code >= 400:
                    raise LlmHttpError(resp.status_code, resp.read().decode("utf-8", "replace"))
                yield from parse_sse(resp.iter_lines())
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc


def _transport_error(exc: Exception) -> LlmError:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return LlmTimeoutError(f"timeout: {type(exc).__name__}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return LlmProtocolError(f"{type(exc).__name__}: {exc}")
    return LlmUnavailableError(f"{type(exc).__name__}: {exc}")
