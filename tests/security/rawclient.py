"""A minimal raw Gradio client for the security probes (what an attacker would script).

Talks to ``/config``, ``/gradio_api/queue/join``, ``/gradio_api/queue/data`` and
``/gradio_api/upload`` with httpx, from a chosen local address (127.0.0.x are all loopback on
Linux, so one machine can play several clients) and with any extra headers (for spoofing).
Endpoints are found in the running app's config by the ``elem_id`` of their trigger
component, never by a hard-coded ``fn_index``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

SKIP = {"__type__": "update"}  # what gr.skip() looks like on the wire


@dataclass
class Endpoint:
    fn_index: int
    trigger_id: int | None
    trigger: str  # elem_id (or component type) and event, e.g. "fb-feedback-csv.click"
    api_name: str | None
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    tab: str | None  # id of the enclosing gr.Tab ("beratung", "team", "admin", ...)

    def output_index(self, elem_id: str) -> int:
        for i, comp in enumerate(self.outputs):
            if comp.get("props", {}).get("elem_id") == elem_id:
                return i
        raise KeyError(f"{self.trigger}: kein Ausgang {elem_id}")


@dataclass
class Result:
    success: bool
    data: list[Any]
    error: str | None
    raw: str  # every SSE message of the event, to search for leaked data

    def text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False)


@dataclass
class Config:
    raw: dict[str, Any]
    components: dict[int, dict[str, Any]] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Config:
        comps = {c["id"]: c for c in raw["components"]}
        tabs: dict[int, str | None] = {}

        def walk(node: dict[str, Any], tab: str | None) -> None:
            comp = comps.get(node["id"], {})
            if comp.get("type") == "tabitem":
                tab = comp.get("props", {}).get("id") or tab
            tabs[node["id"]] = tab
            for child in node.get("children", []):
                walk(child, tab)

        walk(raw["layout"], None)
        endpoints = []
        for dep in raw["dependencies"]:
            trigger_id, event = dep["targets"][0] if dep["targets"] else (None, "api")
            comp = comps.get(trigger_id, {}) if trigger_id is not None else {}
            name = comp.get("props", {}).get("elem_id") or comp.get("type") or "api"
            endpoints.append(
                Endpoint(
                    fn_index=dep["id"],
                    trigger_id=trigger_id,
                    trigger=f"{name}.{event}",
                    api_name=dep.get("api_name"),
                    inputs=[comps[i] for i in dep["inputs"]],
                    outputs=[comps[i] for i in dep["outputs"]],
                    tab=tabs.get(trigger_id) if trigger_id is not None else None,
                )
            )
        return cls(raw, comps, endpoints)

    def endpoint(self, trigger: str) -> Endpoint:
        """``"fb-feedback-csv.click"``; the first dependency with that trigger."""
        for ep in self.endpoints:
            if ep.trigger == trigger:
                return ep
        known = ", ".join(ep.trigger for ep in self.endpoints)
        raise KeyError(f"kein Endpunkt {trigger} (vorhanden: {known})")

    def api(self, name: str) -> Endpoint:
        for ep in self.endpoints:
            if ep.api_name == name and ep.trigger_id is None:
                return ep
        raise KeyError(name)


class RawClient:
    """One browser-like session (one ``session_hash``) against a running app."""

    def __init__(
        self,
        base_url: str,
        *,
        local_address: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        self.http = httpx.Client(timeout=timeout, transport=transport, headers=headers or {})
        self.session_hash = secrets.token_hex(6)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def config(self) -> Config:
        resp = self.http.get(f"{self.base_url}/config")
        resp.raise_for_status()
        return Config.parse(resp.json())

    def join(
        self, ep: Endpoint, data: list[Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {
            "data": data,
            "event_data": None,
            "fn_index": ep.fn_index,
            "trigger_id": ep.trigger_id,
            "session_hash": self.session_hash,
        }
        return self.http.post(
            f"{self.base_url}/gradio_api/queue/join", json=body, headers=headers or {}
        )

    def call(self, ep: Endpoint, data: list[Any], headers: dict[str, str] | None = None) -> Result:
        """Join the queue and read the event's SSE stream until it completes."""
        joined = self.join(ep, data, headers)
        if joined.status_code != 200:
            return Result(False, [], f"HTTP {joined.status_code}: {joined.text}", joined.text)
        event_id = joined.json()["event_id"]
        lines: list[str] = []
        try:
            return self._listen(event_id, lines, headers)
        except httpx.HTTPError as exc:  # the server dropped the stream (e.g. a crash)
            return Result(False, [], f"Verbindung abgebrochen: {exc}", "\n".join(lines))

    def _listen(self, event_id: str, lines: list[str], headers: dict[str, str] | None) -> Result:
        with self.http.stream(
            "GET",
            f"{self.base_url}/gradio_api/queue/data",
            params={"session_hash": self.session_hash},
            headers=headers or {},
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                lines.append(line)
                msg = json.loads(line[5:])
                if msg.get("event_id") not in (None, event_id):
                    continue
                if msg.get("msg") == "process_completed":
                    out = msg.get("output") or {}
                    ok = bool(msg.get("success"))
                    error = None if ok else str(out.get("error") or out)
                    return Result(ok, out.get("data") or [], error, "\n".join(lines))
                if msg.get("msg") == "close_stream":
                    break
        return Result(False, [], "Stream ohne Ergebnis beendet", "\n".join(lines))

    def upload(
        self, name: str, content: bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.post(
            f"{self.base_url}/gradio_api/upload",
            params={"upload_id": secrets.token_hex(5)},
            files=[("files", (name, content, "application/octet-stream"))],
            headers=headers or {},
        )


def file_data(path: str, orig_name: str) -> dict[str, Any]:
    """The FileData payload a browser sends after ``/gradio_api/upload`` (any path can be put)."""
    return {"path": path, "orig_name": orig_name, "meta": {"_type": "gradio.FileData"}}


def default_inputs(ep: Endpoint) -> list[Any]:
    """Harmless values of the right shape for every input of ``ep`` (state: None)."""
    values: list[Any] = []
    for comp in ep.inputs:
        kind = comp.get("type")
        props = comp.get("props", {})
        if kind in ("state", "file", "api"):
            values.append(None)
        elif kind == "checkbox":
            values.append(True)
        elif kind in ("radio", "dropdown"):
            values.append(props.get("value"))
        elif kind == "number":
            values.append(None)
        elif kind == "chatbot":
            values.append([])
        else:
            values.append(props.get("value") if props.get("value") is not None else "")
    return values
