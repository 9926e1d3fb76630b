"""Projekt-Check tab handler on the real starter corpus (indexed with the fake embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEmbedder

from foerderberater.core.settings import Settings
from foerderberater.web.check import run_check
from foerderberater.web.context import AppContext, create_context


@pytest.fixture()
def ctx(tmp_path: Path, starter_index: Settings, fake: FakeEmbedder) -> AppContext:
    settings = starter_index.with_overrides(data_dir=tmp_path / "data")
    return create_context(settings, embedder=fake)


def test_free_text_check_lists_fitting_programmes_and_asks_for_missing_facts(
    ctx: AppContext,
) -> None:
    text = run_check(
        ctx,
        {
            "text": "Wir sind ein Betrieb mit 45 Mitarbeitern in Zeitz und wollen "
            "2 Mio. in eine Elektrolyse investieren",
            "begonnen": False,
        },
    )
    assert "GRW Sachsen-Anhalt" in text
    assert "Passt nicht" in text and "indikativ" in text
    assert "Rückfragen" in text and "Umsatz" in text
    assert "Passende Textstelle" in text  # passages from the index search


def test_form_values_decide_and_large_firms_are_excluded_from_sme_programmes(
    ctx: AppContext,
) -> None:
    text = run_check(
        ctx,
        {
            "ort": "Leuna",
            "art": "Unternehmen",
            "beschaeftigte": 620,
            "umsatz_mio": 900,
            "vorhaben": "Investition",
            "volumen": "50 Mio",
            "beginn": "2027-06-01",
            "begonnen": False,
        },
    )
    assert "großes Unternehmen" in text
    section = text.split("Passt nicht", 1)[1]
    assert "ERP-Förderkredit KMU" in section


def test_empty_and_invalid_input_get_german_messages(ctx: AppContext, tmp_path: Path) -> None:
    assert "mindestens ein Feld" in run_check(ctx, {"text": "", "begonnen": False})
    out = run_check(ctx, {"ort": "Zeitz", "beschaeftigte": -3, "begonnen": False})
    assert out.startswith("**Eingabe prüfen:**") and "beschaeftigte" in out
    no_index = create_context(ctx.settings.with_overrides(index_dir=tmp_path / "leer"))
    out = run_check(no_index, {"ort": "Zeitz", "begonnen": False})
    assert out.startswith("⚠️") and "noch keinen Suchindex" in out


def test_free_text_profile_is_shown_for_confirmation(ctx: AppContext) -> None:
    text = run_check(
        ctx,
        {
            "text": "Ich will mich mit einem Onlineshop selbstständig machen, Standort Plauen, "
            "Start Frühjahr 2027, ohne Partner.",
            "begonnen": False,
        },
    )
    confirm = text.split("**Bitte prüfen – so habe ich Ihren Text verstanden:**", 1)[1]
    confirm = confirm.split("**Ergebnis:**", 1)[0]
    assert "| Standort | Plauen → Vogtlandkreis → Sachsen |" in confirm
    assert "| Antragsteller | Start-up in Gründung |" in confirm
    assert "| Projektbeginn | 01.03.2027 (noch nicht begonnen) |" in confirm
    assert "| Verbund | nein, ohne Partner |" in confirm
    assert "**Nicht erkannt – bitte ergänzen:** Investitionsvolumen" in confirm
    assert "Ihr Unternehmen besteht bereits" not in text  # founders are not an existing firm
