"""ASGI middleware in front of Gradio's own routes (pure ASGI, so streams pass untouched).

* ``POST …/gradio_api/upload`` is public (any visitor may upload into Gradio's cache):
  its volume is capped per client and hour (``upload_quota_mb``; 429 with a German detail;
  booked in the database with PostgreSQL, so it holds across replicas),
  and the paths Gradio stored are recorded for that client (``UploadLedger``), so an admin
  upload accepts only a file this client really uploaded.
* ``…/gradio_api/queue/join`` answers a full queue with 503, which Gradio's browser client
  replaces by its own English "currently busy" line; the guard turns it into 429 with the
  German ``detail`` "Zu viele Anfragen – bitte in ein paar Sekunden erneut" and
  ``Retry-After``, which the browser client shows as it is.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

import anyio.to_thread

from foerderberater.security.client_ip import TrustedProxies, client_id
from foerderberater.security.upload_check import UploadLedger

BUSY = "Zu viele Anfragen – bitte in ein paar Sekunden erneut"
QUOTA = "Zu viele Uploads von Ihrer Adresse – bitte in einer Stunde erneut versuchen."
NO_LENGTH = "Upload ohne Größenangabe (Content-Length) abgelehnt."
RETRY_AFTER_SECONDS = 5
WINDOW_SECONDS = 3600.0
MAX_CLIENTS = 10_000

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Send], Awaitable[None]]


class QuotaStore(Protocol):
    """Where the bytes per client and window are booked: this process, or the database
    (``index.pg.state.PgQuotaStore``) so that all replicas share one quota per client."""

    def charge(self, client: str, size: int, max_bytes: int, window: float) -> bool: ...


class MemoryQuotaStore:
    """In-process windows; bounded (oldest clients dropped)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._used: OrderedDict[str, tuple[float, int]] = OrderedDict()  # client -> (start, n)

    def charge(self, client: str, size: int, max_bytes: int, window: float) -> bool:
        now = self._clock()
        with self._lock:
            start, used = self._used.pop(client, (now, 0))
            if now - start > window:
                start, used = now, 0
            ok = used + size <= max_bytes
            self._used[client] = (start, used + size if ok else used)
            while len(self._used) > MAX_CLIENTS:
                self._used.popitem(last=False)
            return ok


class UploadQuota:
    """Bytes per client in a fixed one-hour window."""

    def __init__(
        self,
        max_bytes: int,
        clock: Callable[[], float] = time.monotonic,
        store: QuotaStore | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.store: QuotaStore = store if store is not None else MemoryQuotaStore(clock)

    def charge(self, client: str, size: int) -> bool:
        """Book ``size`` bytes for ``client``; False (nothing booked) when over the quota."""
        return self.store.charge(client, size, self.max_bytes, WINDOW_SECONDS)


class GradioGuard:
    def __init__(
        self, app: ASGIApp, trusted: TrustedProxies, quota: UploadQuota, ledger: UploadLedger
    ) -> None:
        self.app = app
        self.trusted = trusted
        self.quota = quota
        self.ledger = ledger

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.endswith("/gradio_api/upload") and scope.get("method") == "POST":
            client = self._client(scope)
            size = _content_length(scope)
            if size is None:
                return await _json(send, 411, NO_LENGTH)
            # a database-backed quota is a blocking round trip: not on the event loop
            if not await anyio.to_thread.run_sync(self.quota.charge, client, size):
                return await _json(send, 429, QUOTA)
            return await self.app(scope, receive, self._record(send, client))
        if path.endswith("/gradio_api/queue/join"):
            return await self.app(scope, receive, _busy_in_german(send))
        return await self.app(scope, receive, send)

    def _client(self, scope: Scope) -> str:
        peer = (scope.get("client") or (None,))[0]
        forwarded = [
            v.decode("latin-1") for k, v in scope.get("headers") or [] if k == b"x-forwarded-for"
        ]
        return client_id(peer, forwarded, self.trusted)

    def _record(self, send: Send, client: str) -> Send:
        """Pass the response on; remember the stored paths (JSON list) for ``client``."""
        body: list[bytes] = []
        status: list[int] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body") and status == [200]:
                    try:
                        paths = json.loads(b"".join(body))
                    except ValueError:
                        paths = []
                    if isinstance(paths, list):
                        self.ledger.record([p for p in paths if isinstance(p, str)], client)
            await send(message)

        return wrapped


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers") or []:
        if key == b"content-length":
            try:
                return max(0, int(value))
            except ValueError:
                return None
    return None


def _busy_in_german(send: Send) -> Send:
    """Replace a 503 (queue full) by 429 with the German detail; pass anything else."""
    busy = False

    async def wrapped(message: Message) -> None:
        nonlocal busy
        if message["type"] == "http.response.start" and message["status"] == 503:
            busy = True
            return
        if busy:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await _json(send, 429, BUSY, retry_after=RETRY_AFTER_SECONDS)
            return
        await send(message)

    return wrapped


async def _json(send: Send, status: int, detail: str, retry_after: int | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
