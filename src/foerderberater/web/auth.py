"""Server-side roles of the web handlers: login, logout and the check every handler makes.

The user's ``Session`` (in ``gr.State``, held by Gradio on the server) keeps only the token of a
server-side login (``security.sessions``). Every staff or admin handler calls ``require``
itself, so a raw queue call that skips the UI gets nothing without a login. Roles: staff
(feedback list and export, debug view, evaluation) and admin (also corpus and index builds).
"""

from __future__ import annotations

from typing import Any

from foerderberater.core.errors import UserError
from foerderberater.security.auth import AccessDenied, Role
from foerderberater.security.client_ip import client_id
from foerderberater.web.context import AppContext
from foerderberater.web.handlers import Session

LOGGED_IN = "Angemeldet."
WRONG = "Falsches Passwort."
LOGIN_CONCURRENCY = 1  # a scrypt check costs ~0.5 s of a core: logins never take both cores


def client_of(ctx: AppContext, request: Any) -> str:
    """The throttle key of the real client: the peer, or behind a trusted proxy its XFF hop."""
    peer = getattr(getattr(request, "client", None), "host", None)
    headers = getattr(request, "headers", None) or {}
    getlist = getattr(headers, "getlist", None)
    values = getlist("x-forwarded-for") if getlist else [headers.get("x-forwarded-for", "")]
    return client_id(peer, [v for v in values if v], ctx.trusted)


def role_of(ctx: AppContext, session: Session | None) -> Role | None:
    """The role of the session's live login, else None (anonymous or expired)."""
    found = ctx.sessions.resolve(getattr(session, "auth_token", None))
    return found.role if found else None


def allowed(ctx: AppContext, session: Session | None, role: Role) -> bool:
    found = role_of(ctx, session)
    return found is not None and found.allows(role)


def require(ctx: AppContext, session: Session | None, role: Role) -> None:
    """Raise ``UserError`` (German: please log in as …) unless the session may act as ``role``."""
    try:
        ctx.sessions.require(getattr(session, "auth_token", None), role)
    except AccessDenied as exc:
        raise UserError(str(exc)) from exc


def login(ctx: AppContext, session: Session, password: str, wanted: Role, client: str) -> str:
    """Check ``password`` for ``wanted`` with back-off per (client, account); German message.

    On success the session gets a fresh token (an older login of it is closed first).
    """
    if not ctx.credentials.enabled(wanted):
        return str(AccessDenied(wanted, "disabled"))
    found: list[Role] = []

    def verify() -> bool:
        role = ctx.credentials.authenticate(password or "", wanted)
        if role is not None:
            found.append(role)
        return role is not None

    result = ctx.throttle.attempt(client or "unbekannt", wanted.value, verify)
    if result.wait_seconds:
        return f"Zu viele Fehlversuche. Bitte in {result.wait_seconds} Sekunden erneut versuchen."
    if not result.ok:
        return WRONG
    ctx.sessions.close(session.auth_token)
    session.auth_token = ctx.sessions.open(found[0], client).token
    return LOGGED_IN


def logout(ctx: AppContext, session: Session) -> None:
    ctx.sessions.close(session.auth_token)
    session.auth_token = None
