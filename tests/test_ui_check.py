"""Projekt-Check tab handler on the real starter corpus (metadata only, no index needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foerderberater.core.settings import Settings
from foerderberater.web.check import run_check
from foerderberater.web.context import create_context

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def ctx(tmp_path: Path, e5):  # noqa: ANN001, ANN201
    settings = Settings(
        corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index", data_dir=tmp_path / "data"
    )
    return create_context(settings, embedder=e5)


def test_free_text_check_lists_fitting_programmes_and_asks_for_missing_facts(ctx) -> None:  # noqa: ANN001
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


def test_form_values_decide_and_large_firms_are_excluded_from_sme_programmes(ctx) -> None:  # noqa: ANN001
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


def test_empty_and_invalid_input_get_german_messages(ctx) -> None:  # noqa: ANN001
    assert "mindestens ein Feld" in run_check(ctx, {"text": "", "begonnen": False})
    out = run_check(ctx, {"ort": "Zeitz", "beschaeftigte": -3, "begonnen": False})
    assert out.startswith("**Eingabe prüfen:**") and "beschaeftigte" in out
