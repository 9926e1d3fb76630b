"""The tab 'Team: Feedback & Debug': public rating of an answer, staff-only debug and list.

Rating an answer of one's own conversation is open to every visitor (the handler stores it and
returns nothing of other users' feedback). The debug view, the stored feedback and its CSV
export need a staff (or admin) login; every such handler checks the role on the server.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from foerderberater.security.auth import Role
from foerderberater.web import auth
from foerderberater.web import handlers as h
from foerderberater.web.context import AppContext
from foerderberater.web.feedback import REASONS
from foerderberater.web.status import DEBUG_HEADERS, DEBUG_WIDTHS, debug_md, debug_rows


def _staff_only(ctx: AppContext, state: h.Session) -> None:
    """Refuse with a German error toast unless the session is a staff (or admin) login."""
    try:
        auth.require(ctx, state, Role.STAFF)
    except h.UserError as exc:
        raise gr.Error(str(exc)) from exc


def team_tab(ctx: AppContext, session: gr.State) -> dict[str, Any]:
    """Build the tab; returns the components the chat updates (answer pick, debug view)."""
    c: dict[str, Any] = {}
    gr.Markdown(
        "Bewerten Sie eine Antwort aus *Ihrem* Gespräch (Reiter „Förderberatung“). "
        "Debug-Ansicht und gespeichertes Feedback sieht nur das Team nach der Anmeldung."
    )
    c["pick"] = gr.Dropdown(
        choices=[], label="Antwort", elem_id="fb-answer-pick", allow_custom_value=False
    )
    with gr.Row():
        rating = gr.Radio(
            [("👍 hilfreich", "gut"), ("👎 nicht hilfreich", "schlecht")],
            label="Bewertung",
            elem_id="fb-rating",
        )
        reason = gr.Radio(list(REASONS), label="Grund", elem_id="fb-reason")
    comment = gr.Textbox(label="Kommentar", lines=2, elem_id="fb-comment", max_length=4000)
    save = gr.Button("Feedback speichern", variant="primary", elem_id="fb-feedback-save")
    saved = gr.Markdown(elem_id="fb-feedback-msg")

    gr.Markdown("### Team-Bereich")
    with gr.Row():
        team_pw = gr.Textbox(label="Team-Passwort", type="password", elem_id="fb-team-pw", scale=3)
        team_login = gr.Button("Anmelden", elem_id="fb-team-login", scale=1)
        team_logout = gr.Button("Abmelden", elem_id="fb-team-logout", scale=1)
    team_msg = gr.Markdown(elem_id="fb-team-msg")
    with gr.Accordion("Debug-Ansicht der Antwort", open=True):
        c["debug_md"] = gr.Markdown("Noch keine Antwort.", elem_id="fb-debug-info")
        c["debug_table"] = gr.Dataframe(
            headers=DEBUG_HEADERS,
            column_widths=DEBUG_WIDTHS,
            interactive=False,
            wrap=True,
            elem_id="fb-debug-table",
            max_height=420,
        )
    gr.Markdown("### Gespeichertes Feedback")
    with gr.Row():
        f_rating = gr.Radio(
            [("alle", "alle"), ("👍 hilfreich", "gut"), ("👎 nicht hilfreich", "schlecht")],
            value="alle",
            label="Bewertung",
        )
        f_reason = gr.Dropdown(["alle", *REASONS], value="alle", label="Grund")
        f_text = gr.Textbox(label="Suche in Frage, Antwort, Kommentar")
    with gr.Row():
        refresh = gr.Button("Liste aktualisieren", elem_id="fb-feedback-refresh")
        csv_btn = gr.Button("CSV exportieren", elem_id="fb-feedback-csv")
    table = gr.Dataframe(
        headers=h.FEEDBACK_HEADERS,
        column_widths=["50px", "170px", "80px", "120px", "240px", "280px", "240px", "170px"],
        interactive=False,
        wrap=True,
        elem_id="fb-feedback-table",
        max_height=420,
    )
    csv_file = gr.File(label="CSV-Datei", visible=False, elem_id="fb-feedback-file")
    filters = [f_rating, f_reason, f_text]

    def listing(rating: str, reason: str, text: str, state: h.Session) -> list[list[Any]]:
        _staff_only(ctx, state)
        return h.feedback_rows(ctx, rating, reason, text)

    def export(rating: str, reason: str, text: str, state: h.Session) -> Any:
        _staff_only(ctx, state)
        return gr.File(value=str(h.feedback_csv(ctx, rating, reason, text)), visible=True)

    for trigger in (refresh.click, f_rating.change, f_reason.change):
        trigger(listing, [*filters, session], table, api_visibility="private")
    csv_btn.click(export, [*filters, session], csv_file, api_visibility="private")

    def do_login(pw: str, state: h.Session, request: gr.Request) -> tuple[Any, ...]:
        message = auth.login(ctx, state, pw, Role.STAFF, auth.client_of(ctx, request))
        if message != auth.LOGGED_IN:
            return state, f"❌ {message}", ""
        return state, "✅ Angemeldet – „Liste aktualisieren“ zeigt das Feedback.", ""

    for trigger in (team_login.click, team_pw.submit):
        trigger(
            do_login,
            [team_pw, session],
            [session, team_msg, team_pw],
            api_visibility="private",
            concurrency_limit=auth.LOGIN_CONCURRENCY,
            concurrency_id="login",
        )

    def do_logout(state: h.Session) -> tuple[Any, ...]:
        auth.logout(ctx, state)
        return state, "Abgemeldet.", [], "Noch keine Antwort.", []

    team_logout.click(
        do_logout,
        [session],
        [session, team_msg, table, c["debug_md"], c["debug_table"]],
        api_visibility="private",
    )

    def show_debug(index: int | None, state: h.Session) -> tuple[Any, Any]:
        if not auth.allowed(ctx, state, Role.STAFF):  # visitors pick an answer only to rate it
            return gr.skip(), gr.skip()
        rec = state.record(index)
        if rec is None:
            return "Noch keine Antwort.", []
        return debug_md(rec.answer, rec.version), debug_rows(rec.answer)

    c["pick"].input(
        show_debug,
        [c["pick"], session],
        [c["debug_md"], c["debug_table"]],
        api_visibility="private",
    )

    def store(
        index: int | None,
        rating: str | None,
        reason: str | None,
        comment: str,
        state: h.Session,
        *chosen: str,
    ) -> tuple[Any, ...]:
        """Public: stores the rating; only staff get the refreshed list back."""
        message = h.submit_feedback(ctx, state, index, rating or "", reason or "", comment)
        ok = message.startswith("✅")
        rows = h.feedback_rows(ctx, *chosen) if auth.allowed(ctx, state, Role.STAFF) else None
        return message, "" if ok else gr.skip(), gr.skip() if rows is None else rows

    save.click(
        store,
        [c["pick"], rating, reason, comment, session, *filters],
        [saved, comment, table],
        api_visibility="private",
    )
    return c
