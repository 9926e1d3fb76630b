"""The business page (chat, filters, sources, programme cards) and its link to the team tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from foerderberater.answer.generation import (
    FinalEvent,
    SentenceEvent,
    passages_from_answer,
    stream_answer,
)
from foerderberater.search.filters import FILTER_LABELS
from foerderberater.security.auth import Role
from foerderberater.web import auth
from foerderberater.web import handlers as h
from foerderberater.web.context import AppContext
from foerderberater.web.render import cards_html, context_md, export_markdown, sources_html
from foerderberater.web.status import debug_md, debug_rows

WAITING = "⏳ Suche im Korpus …"


def chat_tab(ctx: AppContext, session: gr.State) -> dict[str, Any]:
    """Build the 'Förderberatung' tab; returns the components the other tabs connect to."""
    c: dict[str, Any] = {}
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=230):
            gr.Markdown("### Filter")
            filters = []
            for name, choices in h.FILTER_CHOICES.items():
                if name == "land":
                    comp = gr.Radio(
                        list(choices),
                        value=choices[0],
                        label=FILTER_LABELS[name],
                        elem_id="fb-filter-land",
                        info="„automatisch“: aus dem Ort in der Frage",
                    )
                else:
                    comp = gr.Dropdown(
                        list(choices),
                        value=choices[0],
                        label=FILTER_LABELS[name],
                        elem_id=f"fb-filter-{name}",
                    )
                filters.append(comp)
            c["context"] = gr.Markdown(context_md(None), elem_id="fb-context")
        with gr.Column(scale=3, min_width=380):
            c["chatbot"] = gr.Chatbot(
                label="Förderberater",
                height=480,
                elem_id="fb-chat",
                buttons=["copy"],
                feedback_options=None,
                placeholder="Fragen Sie nach Förderprogrammen für Ihr Vorhaben im "
                "Mitteldeutschen Revier – mit Ort, Branche und Unternehmensgröße.",
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ihre Frage …",
                    show_label=False,
                    scale=5,
                    elem_id="fb-question",
                    max_length=2000,
                )
                send = gr.Button("Fragen", variant="primary", scale=1, elem_id="fb-send")
            gr.Examples(list(h.EXAMPLES), inputs=question, label="Beispielfragen")
            with gr.Row():
                new = gr.Button("Neues Gespräch", elem_id="fb-new", size="sm")
                c["download"] = gr.DownloadButton(
                    "Antwort als Markdown herunterladen",
                    value=None,
                    elem_id="fb-download",
                    size="sm",
                )
            with gr.Accordion("Antwort mit Quellen zum Kopieren", open=False):
                c["export"] = gr.Textbox(
                    show_label=False,
                    lines=8,
                    interactive=False,
                    buttons=["copy"],
                    elem_id="fb-export",
                )
        with gr.Column(scale=2, min_width=300):
            gr.Markdown("### Quellen")
            c["sources"] = gr.HTML(sources_html(None), elem_id="fb-sources")
            gr.Markdown("### Passende Programme")
            c["cards"] = gr.HTML("", elem_id="fb-cards")
    c.update(question=question, send=send, new=new, filters=filters)
    return c


def wire_chat(
    ctx: AppContext, session: gr.State, chat: dict[str, Any], team: dict[str, Any]
) -> None:
    """Connect the chat to its panels and to the team tab (debug data only for staff)."""
    outputs = [
        chat["chatbot"],
        chat["question"],
        session,
        chat["sources"],
        chat["cards"],
        chat["context"],
        chat["download"],
        chat["export"],
        team["pick"],
        team["debug_md"],
        team["debug_table"],
    ]
    n_out = len(outputs)

    def respond(
        question: str, messages: list[dict[str, Any]] | None, state: h.Session, *values: str
    ) -> Iterator[tuple[Any, ...]]:
        q = (question or "").strip()
        if not q:
            yield tuple(gr.skip() for _ in range(n_out))
            return
        msgs = [
            *(messages or []),
            {"role": "user", "content": q},
            {"role": "assistant", "content": WAITING},
        ]
        keep = tuple(gr.skip() for _ in range(n_out - 3))
        yield (msgs, "", state, *keep)
        try:
            filters = h.make_filters(**dict(zip(h.FILTER_FIELDS, values, strict=True)))
            generator = ctx.advisor.generator
            rec = h.ask(ctx, state, q, filters, llm=False)
        except h.UserError as exc:
            msgs[-1] = {"role": "assistant", "content": f"⚠️ {exc}"}
            yield (msgs, gr.skip(), state, *keep)
            return
        if generator is not None and not rec.answer.abstained and rec.answer.sources:
            # the LLM wording arrives sentence by sentence, each checked against its sources
            shown: list[str] = []
            for event in stream_answer(
                generator, q, passages_from_answer(rec.answer), rec.answer.text
            ):
                if isinstance(event, SentenceEvent) and event.check.ok:
                    shown.append(event.check.text)
                    msgs[-1] = {"role": "assistant", "content": " ".join(shown)}
                    yield (msgs, gr.skip(), state, *keep)
                elif isinstance(event, FinalEvent):
                    rec = h.reword(state, rec, event.answer.text, event.answer.generator)
        else:
            for piece in h.stream_pieces(rec.answer.text)[:-1]:
                msgs[-1] = {"role": "assistant", "content": piece}
                yield (msgs, gr.skip(), state, *keep)
        msgs[-1] = {"role": "assistant", "content": rec.answer.text}
        md = export_markdown(rec.answer, rec.version)
        staff = auth.allowed(ctx, state, Role.STAFF)
        yield (
            msgs,
            gr.skip(),
            state,
            sources_html(rec.answer, number=len(state.answers)),
            cards_html(rec.answer),
            context_md(rec.answer),
            gr.DownloadButton(value=str(h.write_export(rec, md))),
            md,
            gr.Dropdown(choices=state.answer_choices(), value=len(state.answers) - 1),
            debug_md(rec.answer, rec.version) if staff else gr.skip(),
            debug_rows(rec.answer) if staff else gr.skip(),
        )

    inputs = [chat["question"], chat["chatbot"], session, *chat["filters"]]
    for trigger in (chat["question"].submit, chat["send"].click):
        trigger(respond, inputs, outputs, api_visibility="private", concurrency_id="ask")

    def new_conversation(state: h.Session) -> tuple[Any, ...]:
        state.reset_conversation()
        return (
            [],
            "",
            state,
            sources_html(None),
            "",
            context_md(None),
            gr.DownloadButton(value=None),
            "",
            gr.Dropdown(choices=[], value=None),
            "Noch keine Antwort.",
            [],
        )

    chat["new"].click(new_conversation, [session], outputs, api_visibility="private")
    chat["chatbot"].clear(new_conversation, [session], outputs, api_visibility="private")
