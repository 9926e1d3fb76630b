"""Server-side login sessions: a random token maps to a role with idle and absolute expiry.

The web layer keeps only the token in the user's ``gr.State`` (which Gradio holds on the
server); every protected handler calls ``SessionManager.require(token, role)``, so a raw queue
call without a login never reaches staff or admin data, whatever the UI shows or hides.
Logging out, an expired session or an app restart ends the login.

``SessionStore`` is the seam for a shared backend (PostgreSQL table ``login_session`` with token
hash, role and times) when several app processes serve one site.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from foerderberater.security.auth import AccessDenied, Role


@dataclass(frozen=True, repr=False)
class AuthSession:
    token: str
    role: Role
    client: str
    created: float
    last_seen: float

    def __repr__(self) -> str:  # the token is a credential: never in logs
        return f"AuthSession(role={self.role.value}, client={self.client})"


class SessionStore(Protocol):
    def get(self, key: str) -> AuthSession | None: ...

    def put(self, key: str, session: AuthSession) -> None: ...

    def delete(self, key: str) -> None: ...


class MemorySessionStore:
    """In-process store keyed by the token's SHA-256; bounded, oldest sessions dropped first."""

    def __init__(self, max_sessions: int = 1000) -> None:
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._items: OrderedDict[str, AuthSession] = OrderedDict()

    def get(self, key: str) -> AuthSession | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, session: AuthSession) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = session
            while len(self._items) > self.max_sessions:
                self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionManager:
    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        idle_timeout: float = 2 * 3600.0,
        max_age: float = 12 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store: SessionStore = store if store is not None else MemorySessionStore()
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        self._clock = clock

    def open(self, role: Role, client: str = "") -> AuthSession:
        now = self._clock()
        session = AuthSession(secrets.token_urlsafe(32), role, client, now, now)
        self.store.put(_key(session.token), session)
        return session

    def close(self, token: str | None) -> None:
        if token:
            self.store.delete(_key(token))

    def resolve(self, token: str | None) -> AuthSession | None:
        """The live session of ``token`` (its idle timer restarts), else None."""
        if not token or not isinstance(token, str):
            return None
        key = _key(token)
        session = self.store.get(key)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self.idle_timeout or now - session.created > self.max_age:
            self.store.delete(key)
            return None
        fresh = replace(session, last_seen=now)
        self.store.put(key, fresh)
        return fresh

    def require(self, token: str | None, role: Role) -> AuthSession:
        """The session if it may act as ``role``; raises ``AccessDenied`` otherwise."""
        session = self.resolve(token)
        if session is None:
            raise AccessDenied(role, "expired" if token else "anonymous")
        if not session.role.allows(role):
            raise AccessDenied(role, "forbidden")
        return session
