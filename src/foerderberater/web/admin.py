"""The evaluation tab (staff) and the admin tab (corpus, index build, status).

Every handler checks the role on the server (``web.admin_ops`` / ``web.auth``); hiding the
panel is only for the eye.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from foerderberater.security.auth import Role
from foerderberater.web import admin_ops as ops
from foerderberater.web import auth
from foerderberater.web import handlers as h
from foerderberater.web.context import AppContext
from foerderberater.web.status import build_summary_md, index_status_md, progress_html

DISABLED = (
    "Die Administration ist deaktiviert: Es ist kein Admin-Zugang eingerichtet. "
    "Zum Aktivieren `FOERDERBERATER_ADMIN_PASSWORD_HASH` (Hash von `python -m "
    "foerderberater.security.hashpw`) oder `FOERDERBERATER_ADMIN_PASSWORD` setzen und die "
    "App neu starten."
)


def eval_tab(ctx: AppContext, session: gr.State) -> None:
    gr.Markdown(
        "Führt die Gold-Fragen (`eval/gold.yaml`) gegen den aktiven Index aus und zeigt "
        "Recall@5, MRR und die Güte der Ablehnungen. Nur nach Anmeldung im Reiter „Team“ "
        "(oder als Admin)."
    )
    run = gr.Button("Gold-Evaluation starten", variant="primary", elem_id="fb-eval-run")
    summary = gr.Markdown(elem_id="fb-eval-summary")
    table = gr.Dataframe(interactive=False, wrap=True, elem_id="fb-eval-table", max_height=500)

    def evaluate(state: h.Session) -> tuple[str, Any]:
        import pandas as pd

        try:
            text, headers, rows = ops.run_gold_evaluation(ctx, state)
        except h.UserError as exc:
            return f"❌ {exc}", None
        if not headers:
            return text, None
        sizes = {"frage": "360px", "gefunden": "300px", "erwartet": "200px"}
        widths = [sizes.get(name, "110px") for name in headers]
        return text, gr.Dataframe(value=pd.DataFrame(rows, columns=headers), column_widths=widths)

    run.click(
        evaluate,
        [session],
        [summary, table],
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="eval",
    )


def admin_tab(ctx: AppContext, session: gr.State) -> None:
    if not ctx.credentials.enabled(Role.ADMIN):
        gr.Markdown(DISABLED, elem_id="fb-admin-disabled")
        return
    with gr.Column(visible=True) as login_box:
        password = gr.Textbox(label="Admin-Passwort", type="password", elem_id="fb-admin-pw")
        login_btn = gr.Button("Anmelden", variant="primary", elem_id="fb-admin-login")
        login_msg = gr.Markdown(elem_id="fb-admin-msg")
    with gr.Column(visible=False) as panel:
        logout_btn = gr.Button("Abmelden", size="sm", elem_id="fb-admin-logout")
        gr.Markdown("### Index-Status")
        status = gr.Markdown(elem_id="fb-index-status")
        gr.Markdown("### Index neu aufbauen")
        progress = gr.HTML(elem_id="fb-build-progress")
        build_msg = gr.Markdown(elem_id="fb-build-msg")
        with gr.Row():
            full = gr.Checkbox(
                label="vollständig neu aufbauen (sonst nur Änderungen)", elem_id="fb-build-full"
            )
            build_btn = gr.Button("Index neu aufbauen", variant="primary", elem_id="fb-build")
        gr.Markdown(
            f"### Dokument hochladen (PDF oder Markdown, höchstens {ctx.settings.max_upload_mb} MB)"
        )
        upload_file = gr.File(
            label="Datei",
            file_types=[".pdf", ".md", ".markdown", ".txt"],
            type="filepath",
            elem_id="fb-upload",
            height=140,
        )
        upload_btn = gr.Button("Hochladen", elem_id="fb-upload-btn")
        upload_msg = gr.Markdown(elem_id="fb-upload-msg")
        gr.Markdown("### Dokumente im Korpus")
        docs = gr.Dataframe(
            headers=ops.DOC_HEADERS,
            column_widths=["340px", "90px", "90px", "110px", "100px", "480px"],
            interactive=False,
            wrap=True,
            elem_id="fb-docs",
            max_height=420,
        )
        with gr.Row():
            pick = gr.Dropdown(choices=[], label="Dokument", elem_id="fb-doc-pick", scale=3)
            confirm = gr.Checkbox(label="Ja, entfernen", elem_id="fb-doc-confirm", scale=1)
            remove_btn = gr.Button("Entfernen", variant="stop", elem_id="fb-doc-remove", scale=1)
        remove_msg = gr.Markdown(elem_id="fb-remove-msg")
    timer = gr.Timer(1.0, active=False)

    def overview(state: h.Session) -> tuple[Any, Any, Any]:
        info, problem = ops.index_info(ctx, state)
        text = index_status_md(info) if info else f"⚠️ {problem}"
        rows = ops.document_rows(ctx, state, info)
        choices = [r[0] for r in rows if not str(r[3]).startswith("übersprungen:")]
        return text, rows, gr.Dropdown(choices=choices, value=None)

    def guarded(fn: Any, *args: Any) -> str:
        try:
            return fn(*args)
        except h.UserError as exc:
            return f"❌ {exc}"

    def do_login(pw: str, state: h.Session, request: gr.Request) -> tuple[Any, ...]:
        message = ops.login(ctx, state, pw, auth.client_of(ctx, request))
        if message != auth.LOGGED_IN or auth.role_of(ctx, state) is not Role.ADMIN:
            return (
                state,
                f"❌ {message}",
                "",
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
        text, rows, choices = overview(state)
        job = ctx.builds.snapshot()
        return (
            state,
            "",
            "",
            gr.Column(visible=False),
            gr.Column(visible=True),
            text,
            rows,
            choices,
            progress_html(job),
            gr.Timer(active=job.running),
        )

    login_outputs = [
        session,
        login_msg,
        password,
        login_box,
        panel,
        status,
        docs,
        pick,
        progress,
        timer,
    ]
    for trigger in (login_btn.click, password.submit):
        trigger(
            do_login,
            [password, session],
            login_outputs,
            api_visibility="private",
            concurrency_limit=auth.LOGIN_CONCURRENCY,
            concurrency_id="login",
        )

    def do_logout(state: h.Session) -> tuple[Any, ...]:
        auth.logout(ctx, state)
        return state, gr.Column(visible=True), gr.Column(visible=False), gr.Timer(active=False)

    logout_btn.click(
        do_logout, [session], [session, login_box, panel, timer], api_visibility="private"
    )

    def do_build(is_full: bool, state: h.Session) -> tuple[Any, ...]:
        message = guarded(ops.start_build, ctx, state, is_full)
        job = ctx.builds.snapshot()
        return message, progress_html(job), gr.Timer(active=job.running)

    build_btn.click(
        do_build, [full, session], [build_msg, progress, timer], api_visibility="private"
    )

    def poll(state: h.Session) -> tuple[Any, ...]:
        if not auth.allowed(ctx, state, Role.ADMIN):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.Timer(active=False)
        job = ctx.builds.snapshot()
        if job.running:
            return progress_html(job), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        text, rows, choices = overview(state)
        return (
            progress_html(job),
            build_summary_md(job),
            text,
            rows,
            choices,
            gr.Timer(active=False),
        )

    timer.tick(
        poll,
        [session],
        [progress, build_msg, status, docs, pick, timer],
        api_visibility="private",
        concurrency_limit=None,
    )

    def after_change(message: str, state: h.Session, reset: Any) -> tuple[Any, ...]:
        """Message, refreshed document list and the reset input after a corpus change."""
        if message.startswith("❌") or not auth.allowed(ctx, state, Role.ADMIN):
            return message, gr.skip(), gr.skip(), gr.skip()
        _, rows, choices = overview(state)
        return message, rows, choices, reset

    def do_upload(path: str | None, state: h.Session, request: gr.Request) -> tuple[Any, ...]:
        message = guarded(ops.upload, ctx, state, path, auth.client_of(ctx, request))
        return after_change(message, state, None)

    def do_remove(doc_id: str | None, ok: bool, state: h.Session) -> tuple[Any, ...]:
        return after_change(guarded(ops.remove, ctx, state, doc_id, ok), state, False)

    changes = (
        (upload_btn, do_upload, [upload_file], [upload_msg, docs, pick, upload_file]),
        (remove_btn, do_remove, [pick, confirm], [remove_msg, docs, pick, confirm]),
    )
    for button, fn, inputs, outputs in changes:
        button.click(
            fn,
            [*inputs, session],
            outputs,
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="corpus",
        )
