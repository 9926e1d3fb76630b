"""Gradio web app: business chat, staff feedback/debug, gold evaluation, admin.

``launch(settings)`` serves it with uvicorn; ``create_app(ctx)`` returns the FastAPI app (Gradio
mounted at ``/`` plus the read-only corpus route ``/korpus/<doc_id>``). Nothing runs at import.
Security settings (README "Sicherheit"): Gradio's upload size limit and cache clean-up, Gradio's
own check that inputs are files from its upload folder, the queue size, ``web.guard`` in front
of the Gradio routes, and uvicorn without its own X-Forwarded-For handling.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from foerderberater.core.settings import Settings
from foerderberater.web.context import AppContext, create_context

TITLE = "Förderberater – Förderprogramme im Mitteldeutschen Revier"
QUEUE_CONCURRENCY = 4  # embedding is serialised anyway; retrieval and rendering run in parallel
# waiting events per CPU core: an answer takes ~0.1 s of one core (median 0.07 s in-process),
# so a full queue drains in about 64 x 0.1 s = 6-7 s; beyond that "try again" beats waiting
QUEUE_PER_CORE = 64


def queue_size(settings: Settings) -> int:
    """``FOERDERBERATER_QUEUE_SIZE``, or 64 per CPU core (128 on 2 cores) when it is 0."""
    return settings.queue_size or QUEUE_PER_CORE * (os.cpu_count() or 1)


def _no_analytics() -> None:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_RUN_HISTORY", "False")


def create_blocks(ctx: AppContext) -> Any:
    """The Gradio ``Blocks`` of the app (queue configured)."""
    _no_analytics()
    import gradio as gr

    from foerderberater.web import handlers as h
    from foerderberater.web.admin import admin_tab, eval_tab
    from foerderberater.web.chat import chat_tab, wire_chat
    from foerderberater.web.check import check_tab
    from foerderberater.web.team import team_tab

    age = ctx.settings.upload_cache_seconds  # uploads and exports older than this are deleted
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(age, age)) as demo:
        session = gr.State(h.Session())
        gr.Markdown(
            "## Förderberater\nFundierte Antworten zu Förderprogrammen und "
            "Strukturwandel-Studien im Mitteldeutschen Revier (Sachsen, Sachsen-Anhalt, "
            "Thüringen) – jede Aussage mit Quelle. Maßgeblich ist immer die aktuelle "
            "Richtlinie des Fördergebers."
        )
        with gr.Tabs():
            with gr.Tab("Förderberatung", id="beratung", elem_id="tab-beratung"):
                chat = chat_tab(ctx, session)
            with gr.Tab("Projekt-Check", id="check", elem_id="tab-check"):
                check_tab(ctx)
            with gr.Tab("Team: Feedback & Debug", id="team", elem_id="tab-team"):
                team = team_tab(ctx, session)
            with gr.Tab("Evaluation", id="evaluation", elem_id="tab-evaluation"):
                eval_tab(ctx, session)
            with gr.Tab("Administration", id="admin", elem_id="tab-admin"):
                admin_tab(ctx, session)
        wire_chat(ctx, session, chat, team)

        def ask(
            question: str,
            land: str = "",
            foerderberechtigte: str = "",
            foerderart: str = "",
            technologiefeld: str = "",
            vorhabenart: str = "",
            dokumenttyp: str = "",
            history: list[str] | None = None,
        ) -> dict[str, Any]:
            """Frage an den Förderberater; Antwort als JSON (answer, sources, warnings, region).

            Filterwerte wie in der Oberfläche (leer = kein Filter); ``history``: frühere Fragen
            desselben Gesprächs für Rückfragen.
            """
            filters = {
                "land": land,
                "foerderberechtigte": foerderberechtigte,
                "foerderart": foerderart,
                "technologiefeld": technologiefeld,
                "vorhabenart": vorhabenart,
                "dokumenttyp": dokumenttyp,
            }
            try:
                return h.api_ask(ctx, question, filters, history)
            except h.UserError as exc:
                raise gr.Error(str(exc)) from exc

        gr.api(ask, api_name="ask", concurrency_limit=QUEUE_CONCURRENCY, concurrency_id="api")
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=queue_size(ctx.settings))
    return demo


def create_app(ctx: AppContext) -> Any:
    """FastAPI app: read-only corpus files under ``/korpus/`` and the Gradio UI at ``/``."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse

    from foerderberater.core.errors import UploadError
    from foerderberater.web.guard import GradioGuard
    from foerderberater.web.render import CSS
    from foerderberater.web.uploads import resolve_document

    demo = create_blocks(ctx)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.api_route("/korpus/{doc_id:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def corpus_file(doc_id: str) -> FileResponse:
        try:
            path = resolve_document(Path(ctx.settings.corpus_dir), doc_id)
        except UploadError as exc:
            raise HTTPException(status_code=404, detail="Dokument nicht gefunden") from exc
        is_pdf = path.suffix.lower() == ".pdf"
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.name)}",
            "Cache-Control": "no-cache",
        }
        if not is_pdf:
            headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        media = "application/pdf" if is_pdf else "text/plain; charset=utf-8"
        return FileResponse(path, media_type=media, headers=headers)

    mounted = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        server_name=ctx.settings.host,
        server_port=ctx.settings.port,
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        show_error=False,
        max_file_size=f"{ctx.settings.max_upload_mb}mb",
        css=CSS,
    )
    # mount_gradio_app never sets this (launch() does); it switches on Gradio's own check that a
    # file input is a file of its upload folder, not a path on the server the client names
    demo.has_launched = True
    mounted.add_middleware(GradioGuard, trusted=ctx.trusted, quota=ctx.quota, ledger=ctx.uploads)
    return mounted


def launch(settings: Settings | None = None, *, gold_path: Path | None = None) -> None:
    """Serve the app on ``settings.host:settings.port`` (127.0.0.1:7860 by default); blocks."""
    _no_analytics()
    import uvicorn

    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("foerderberater.security").setLevel(logging.INFO)  # logins, no passwords
    ctx = create_context(settings, gold_path=gold_path)
    app = create_app(ctx)
    print(
        f"Förderberater läuft auf http://{settings.host}:{settings.port}/ "
        f"(Korpus {settings.corpus_dir}, Index {settings.index_dir}, Daten {settings.data_dir})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=3,
        proxy_headers=False,  # X-Forwarded-For counts only from trusted proxies (web.auth)
    )
