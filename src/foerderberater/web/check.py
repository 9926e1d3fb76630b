"""The "Projekt-Check" tab: which programmes fit a project profile (thin layer over eligibility)."""

from __future__ import annotations

from typing import Any

from foerderberater.core.errors import FoerderberaterError, ProfilError
from foerderberater.core.vocab import TECHNOLOGIEFELDER, VORHABENART
from foerderberater.profile import ARTEN
from foerderberater.web.context import AppContext
from foerderberater.web.handlers import friendly

INTRO = (
    "Beschreiben Sie Ihr Vorhaben – frei im Text oder über die Felder. Förderberater prüft "
    "jedes Programm im Korpus Bedingung für Bedingung (**passt / passt vielleicht / passt "
    "nicht**) und belegt jede Begründung mit dem Metadatenfeld oder der Textstelle. Beträge "
    "sind indikativ und unverbindlich; maßgeblich ist die Richtlinie des Fördergebers."
)


def run_check(ctx: AppContext, values: dict[str, Any]) -> str:
    """Markdown result for the form ``values`` (field names as in ``profile_from_dict``)."""
    from foerderberater.eligibility import render_markdown
    from foerderberater.profile import profile_from_dict

    clean = {
        k: v for k, v in values.items() if v not in (None, "", [], 0, False) or k == "begonnen"
    }
    if not clean.get("begonnen"):
        clean.pop("begonnen", None)
    if not any(k != "begonnen" for k in clean):
        return "Bitte beschreiben Sie Ihr Vorhaben oder füllen Sie mindestens ein Feld aus."
    try:
        profile = profile_from_dict(clean, ctx.advisor.gazetteer)
        result = ctx.advisor.check(profile)
    except ProfilError as exc:
        return f"**Eingabe prüfen:** {exc}"
    except FoerderberaterError as exc:
        return f"⚠️ {friendly(exc)}"
    text = render_markdown(result, show_failing=True)
    if result.rueckfragen:
        text += "\n\n**Rückfragen, um die offenen Punkte zu klären:**\n" + "\n".join(
            f"- {q}" for q in result.rueckfragen
        )
    return text


def check_tab(ctx: AppContext) -> None:
    import gradio as gr

    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=2):
            text = gr.Textbox(
                label="Ihr Vorhaben in eigenen Worten",
                lines=4,
                placeholder="z. B. Wir sind ein Betrieb mit 45 Mitarbeitern in Zeitz und wollen "
                "2 Mio. € in eine Elektrolyse investieren.",
                elem_id="fb-check-text",
            )
            with gr.Row():
                ort = gr.Textbox(label="Standort (Ort oder Landkreis)", elem_id="fb-check-ort")
                art = gr.Dropdown(["", *ARTEN], value="", label="Antragsteller")
            with gr.Row():
                beschaeftigte = gr.Number(
                    value=None, label="Beschäftigte (0 = keine Angabe)", precision=0
                )
                umsatz = gr.Number(value=None, label="Jahresumsatz in Mio. € (0 = keine Angabe)")
                bilanz = gr.Number(value=None, label="Bilanzsumme in Mio. € (0 = keine Angabe)")
            with gr.Row():
                vorhaben = gr.Dropdown(["", *VORHABENART], value="", label="Vorhabenart")
                technologie = gr.Dropdown(
                    list(TECHNOLOGIEFELDER), multiselect=True, label="Technologiefeld(er)"
                )
            with gr.Row():
                volumen = gr.Textbox(
                    label="Investitionsvolumen / Projektkosten", placeholder="2 Mio"
                )
                beginn = gr.Textbox(label="Geplanter Beginn (JJJJ-MM-TT)")
                begonnen = gr.Checkbox(label="Vorhaben hat schon begonnen")
            run = gr.Button("Förderfähigkeit prüfen", variant="primary", elem_id="fb-check-run")
        with gr.Column(scale=3):
            out = gr.Markdown(elem_id="fb-check-result")

    def do_check(*args: Any) -> str:
        keys = (
            "text",
            "ort",
            "art",
            "beschaeftigte",
            "umsatz_mio",
            "bilanzsumme_mio",
            "vorhaben",
            "technologie",
            "volumen",
            "beginn",
            "begonnen",
        )
        return run_check(ctx, dict(zip(keys, args, strict=True)))

    run.click(
        do_check,
        [
            text,
            ort,
            art,
            beschaeftigte,
            umsatz,
            bilanz,
            vorhaben,
            technologie,
            volumen,
            beginn,
            begonnen,
        ],
        out,
        api_name=False,
    )
