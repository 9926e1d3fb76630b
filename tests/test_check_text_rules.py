"""Issue 16 on the real corpus: figures from ``foerdersaetze`` and verdicts from ``bedingungen``
match the programme text (one test per row of the issue's two tables)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from foerderberater.core.settings import Settings
from foerderberater.eligibility import NICHT, PASST, Programme, evaluate, programmes_from_index
from foerderberater.eligibility.render import render_markdown
from foerderberater.eligibility.results import ProgrammeCheck
from foerderberater.index.store import open_current
from foerderberater.profile import profile_from_dict
from foerderberater.search.regions import Gazetteer

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def corpus(starter_index: Settings) -> list[Programme]:
    return programmes_from_index(open_current(starter_index.index_dir))


@pytest.fixture(scope="module")
def check(corpus: list[Programme], gaz: Gazetteer) -> Any:
    def run(slug: str, **values: Any) -> ProgrammeCheck:
        profile = profile_from_dict(values, gaz, today=TODAY)
        result = evaluate(profile, corpus, today=TODAY, canon=gaz.canonical_kreis)
        found = result.get(slug)
        assert found is not None, slug
        return found

    return run


FIRM = {"art": "Unternehmen", "beginn": "2027-03-01"}


def _texts(c: ProgrammeCheck) -> str:
    parts = [c.foerdersatz.text if c.foerdersatz else "", c.betrag.text if c.betrag else ""]
    return " ".join(parts + [a.text for a in c.weitere])


# ------------------------------------------------------------------ figures (table 1)


def test_forschungszulage_large_firm_gets_the_large_firm_cap(check: Any) -> None:
    c = check(
        "forschungszulage",
        **FIRM,
        ort="Leipzig",
        beschaeftigte=800,
        umsatz_mio=300,
        vorhaben="Forschung und Entwicklung",
        volumen=20_000_000,
    )
    assert (c.foerdersatz.prozent_max, c.foerdersatz.art) == (25, "Steuerliche Förderung")
    assert c.betrag.betrag_eur == 3_000_000 and c.betrag.bezug == "Jahr"  # not 4.2 Mio (KMU)
    assert "je Jahr" in c.betrag.text
    quote = [b for b in c.foerdersatz.belege if b.kind == "text"][0]
    assert "große Unternehmen" in quote.excerpt or "großen Unternehmen" in quote.excerpt


def test_stark_investment_is_not_ninety_percent(check: Any) -> None:
    c = check(
        "stark",
        **FIRM,
        ort="Leuna",
        beschaeftigte=200,
        umsatz_mio=40,
        vorhaben="Investition",
        technologie="Wasserstoff",
        volumen=40_000_000,
    )
    assert c.status == PASST
    assert c.foerdersatz.prozent_max is None and "nicht beziffert" in c.foerdersatz.text
    assert c.betrag is None or c.betrag.betrag_eur is None  # no 36 Mio. from 90 %
    kommune = check("stark", art="Kommune", ort="Zeitz", vorhaben="Qualifizierung", volumen=500_000)
    assert kommune.foerdersatz.prozent_max == 90 and kommune.betrag.betrag_eur == 450_000


def test_bew_investment_is_forty_percent(check: Any) -> None:
    c = check(
        "bew",
        art="Kommune",
        ort="Markkleeberg",
        vorhaben=["Investition", "Infrastruktur"],
        technologie="Wärmenetze",
        volumen=10_000_000,
        beginn="2027-06-01",
    )
    assert c.foerdersatz.prozent_max == 40 and c.betrag.betrag_eur == 4_000_000


def test_eew_large_firm_does_not_get_the_small_firm_rate(check: Any) -> None:
    values = {**FIRM, "ort": "Leuna", "vorhaben": "Energieeffizienz", "volumen": 1_000_000}
    large = check("eew", **values, beschaeftigte=900, umsatz_mio=400)
    small = check("eew", **values, beschaeftigte=20, umsatz_mio=3)
    assert large.foerdersatz.prozent_max == 40 and small.foerdersatz.prozent_max == 60


def test_bafa_consulting_in_leipzig_is_fifty_percent_max_1750(check: Any) -> None:
    c = check(
        "bafa-unternehmensberatung",
        **FIRM,
        ort="Leipzig",
        beschaeftigte=10,
        umsatz_mio=1,
        vorhaben="Beratung",
        volumen=5000,
    )
    assert c.foerdersatz.prozent_max == 50 and c.betrag.betrag_eur == 1750
    assert "nicht beziffert" not in c.foerdersatz.text
    elsewhere = check(
        "bafa-unternehmensberatung",
        **FIRM,
        ort="Zeitz",
        beschaeftigte=10,
        umsatz_mio=1,
        vorhaben="Beratung",
        volumen=5000,
    )
    assert elsewhere.foerdersatz.prozent_max == 80 and elsewhere.betrag.betrag_eur == 2800


def test_go_inno_is_aid_per_consultant_day(check: Any) -> None:
    c = check(
        "go-inno",
        **FIRM,
        ort="Halle",
        beschaeftigte=30,
        umsatz_mio=4,
        vorhaben="Beratung",
        volumen=300_000,
    )
    assert c.betrag.bezug == "Beratertag" and c.betrag.betrag_eur == 1100
    assert "je Beratertag" in c.betrag.text and "150.000" not in c.betrag.text


def test_kfw_digitalisation_loan_is_a_loan_amount(check: Any) -> None:
    c = check(
        "kfw-erp-foerderkredit-digitalisierung-innovation",
        **FIRM,
        ort="Leipzig",
        beschaeftigte=30,
        umsatz_mio=4,
        vorhaben="Digitalisierung",
        volumen=2_000_000,
    )
    assert c.foerdersatz is None and c.betrag is None  # a loan share is never a Fördersatz
    kinds = {a.art: a for a in c.weitere}
    assert kinds["Darlehen"].betrag_eur == 2_000_000 and "Kredit bis zu" in kinds["Darlehen"].text
    assert kinds["Zuschussanteil"].prozent == 5 and kinds["Zuschussanteil"].betrag_eur == 100_000
    assert "Förderung bis" not in _texts(c) and "100 % des Finanzierungsbedarfs" in _texts(c)


# ------------------------------------------------------------------ verdicts (table 2)


def test_zim_firms_under_500_may_apply_alone(check: Any) -> None:
    values = {**FIRM, "ort": "Leipzig", "vorhaben": "Forschung und Entwicklung", "verbund": False}
    alone = check("zim", **values, beschaeftigte=300, umsatz_mio=60)
    assert alone.status == PASST
    rule = next(r for r in alone.gruende if r.regel == "bedingung:max_beschaeftigte_ohne_partner")
    assert rule.belege[0].field == "bedingungen[0]" and rule.belege[1].kind == "text"
    assert check("zim", **values, beschaeftigte=600, umsatz_mio=160).status == NICHT
    partner = {**values, "verbund": True}
    assert check("zim", **partner, beschaeftigte=600, umsatz_mio=160).status == PASST


def test_regionales_wachstum_zwickau_only_small_firms(check: Any) -> None:
    values = {**FIRM, "ort": "Landkreis Zwickau", "vorhaben": "Investition", "volumen": 500_000}
    medium = check("regionales-wachstum-sachsen", **values, beschaeftigte=120, umsatz_mio=20)
    assert medium.status == NICHT
    assert any("nur kleines Unternehmen" in r.text for r in medium.gruende)
    small = check("regionales-wachstum-sachsen", **values, beschaeftigte=20, umsatz_mio=3)
    assert small.status != NICHT


def test_excluded_project_types(check: Any) -> None:
    fue = {**FIRM, "ort": "Halle", "beschaeftigte": 30, "umsatz_mio": 4}
    assert check("go-inno", **fue, vorhaben="Forschung und Entwicklung").status == NICHT
    hall = {**FIRM, "ort": "Zeitz", "beschaeftigte": 40, "umsatz_mio": 5, "vorhaben": "Investition"}
    assert check("eic-accelerator", **hall, technologie="Handwerk").status == NICHT
    assert check("stark", **hall, technologie="Handwerk").status == NICHT
    assert check("stark", **hall).status != PASST  # technology unknown: open, not "passt"
    assert check("stark", **hall, technologie="Wasserstoff").status == PASST


def test_markdown_shows_loans_and_quotes(check: Any, corpus: list[Programme], gaz: Any) -> None:
    profile = profile_from_dict(
        {**FIRM, "ort": "Leipzig", "beschaeftigte": 30, "umsatz_mio": 4, "volumen": 2_000_000},
        gaz,
        today=TODAY,
    )
    md = render_markdown(evaluate(profile, corpus, today=TODAY, canon=gaz.canonical_kreis))
    assert "**Kredit (indikativ):** Kredit bis zu 2.000.000 €" in md
    assert "Förderung bis zu 100 %" not in md and "Förderung bis 100 %" not in md


def test_check_json_uses_the_slug_as_doc_id(check: Any) -> None:
    data = check("zim", **FIRM, ort="Leipzig", beschaeftigte=30, umsatz_mio=4).to_json()
    assert data["doc_id"] == "zim" and data["slug"] == "zim"
    assert data["path"] == "programme/zim.md"
    cited = {b["doc_id"] for r in data["gruende"] for b in r["belege"]}
    assert cited == {"zim"}


def test_text_derived_profiles_pass(corpus: list[Programme], gaz: Gazetteer) -> None:
    from pathlib import Path

    from foerderberater.evaluation.check import evaluate_check_profiles

    path = Path(__file__).resolve().parents[1] / "eval" / "check_text_profiles.yaml"
    result = evaluate_check_profiles(path, corpus, gaz)
    failures = [(row["id"], c) for row in result["rows"] for c in row["checks"] if not c["ok"]]
    assert not failures
    assert set(result["teile"]) == {"dev", "holdout"}
    assert {"urteil", "satz", "betrag", "bezug"} <= set(result["nach_art"])
    assert result["profile"] >= 30
