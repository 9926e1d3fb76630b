"""Free-text understanding (issue 16): roles, negation scope, German dates and amounts, founder
intent, a start today, places outside the Revier gazetteer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from foerderberater.evaluation.freetext import evaluate_freetext
from foerderberater.profile import profile_from_dict, profile_from_text
from foerderberater.profile.dates import find_start
from foerderberater.profile.text import project_types
from foerderberater.search.places import PlaceIndex
from foerderberater.search.regions import Gazetteer

TODAY = dt.date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def test_a_firm_naming_a_university_partner_stays_a_firm(gaz: Gazetteer) -> None:
    p = profile_from_text(
        "Wir sind eine GmbH mit 30 Mitarbeitern in Leipzig und entwickeln gemeinsam mit der "
        "Universität Leipzig einen Sensor.",
        gaz,
        today=TODAY,
    )
    assert p.art == "Unternehmen" and p.verbund is True and p.hochschulgruendung is None
    institute = profile_from_text(
        "Forschungsinstitut in Halle plant ein Verbundvorhaben mit einem Chemieunternehmen.",
        gaz,
        today=TODAY,
    )
    assert institute.art == "Forschungseinrichtung"
    not_startup = profile_from_text(
        "Wir sind kein Start-up, sondern ein Metallbaubetrieb aus Zwickau.", gaz, today=TODAY
    )
    assert not_startup.art == "Unternehmen"


@pytest.mark.parametrize(
    ("text", "joint"),
    [
        ("Wir investieren in Zeitz, ohne Partner.", False),
        ("Kein Verbundprojekt: Softwarefirma in Leipzig.", False),
        ("Das Projekt machen wir allein.", False),
        ("Ein Verbund ist nicht geplant.", False),
        ("Ohne weitere Partner, aber gemeinsam mit der Hochschule Merseburg.", True),
        ("Wir planen ein Verbundprojekt mit zwei KMU.", True),
        ("Wir bauen eine Halle.", None),
    ],
)
def test_negation_scope_of_joint_projects(gaz: Gazetteer, text: str, joint: bool | None) -> None:
    assert profile_from_text(text, gaz, today=TODAY).verbund is joint


@pytest.mark.parametrize(
    ("text", "start", "begun"),
    [
        ("Start ab Q2/2027", "2027-04-01", None),
        ("ab 03/2027", "2027-03-01", None),
        ("Start Frühjahr 2027", "2027-03-01", None),
        ("Wir wollen nächstes Jahr beginnen", "2027-01-01", None),
        ("Baubeginn frühestens 2028", "2028-01-01", None),
        ("im zweiten Quartal 2027", "2027-04-01", None),
        ("Beginn zum 15. März 2027", "2027-03-15", None),
        ("Herbst 2027, bestellt wird erst nach der Förderzusage", "2027-09-01", False),
        ("Wir haben letzten Monat mit dem Umbau angefangen.", None, True),
        ("Das Projekt läuft schon seit Oktober.", None, True),
        ("gegründet 2019, 40 Mitarbeiter", None, None),
    ],
)
def test_german_start_dates(text: str, start: str | None, begun: bool | None) -> None:
    info = find_start(text, TODAY)
    assert (info.beginn.isoformat() if info.beginn else None) == start
    assert info.begonnen is begun


def test_a_start_today_has_not_begun(gaz: Gazetteer) -> None:
    p = profile_from_text("Wir starten am 25.11.2026 mit der PV-Anlage.", gaz, today=TODAY)
    assert p.beginn == TODAY and p.started(TODAY) is False
    assert profile_from_dict({"beginn": "2026-11-25"}, gaz, today=TODAY).started(TODAY) is False
    assert profile_from_dict({"beginn": "2026-11-24"}, gaz, today=TODAY).started(TODAY) is True


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("einen E-Transporter für 60k anschaffen", 60_000),
        ("Budget 600k", 600_000),
        ("Projektkosten 350 T€", 350_000),
        ("ca. 80 Tsd. Euro", 80_000),
        ("Investition 1,2 Mio", 1_200_000),
    ],
)
def test_amounts_with_units(gaz: Gazetteer, text: str, amount: float) -> None:
    assert profile_from_text(text, gaz, today=TODAY).volumen_eur == pytest.approx(amount)


def test_founder_intent_is_a_start_up_in_founding(gaz: Gazetteer) -> None:
    p = profile_from_text(
        "Ich will mich mit einem Onlineshop selbstständig machen, Standort Plauen.",
        gaz,
        today=TODAY,
    )
    assert p.art == "Start-up in Gründung" and "Gründung" in p.vorhaben


def test_places_outside_the_gazetteer(gaz: Gazetteer) -> None:
    for text, kreis, land in (
        ("Standort Plauen", "Vogtlandkreis", "Sachsen"),
        ("Ingenieurbüro in der Lutherstadt Wittenberg", "Wittenberg", "Sachsen-Anhalt"),
        ("Hersteller aus Sonneberg", "Sonneberg", "Thüringen"),
        ("Betrieb im Erzgebirgskreis", "Erzgebirgskreis", "Sachsen"),
    ):
        p = profile_from_text(text, gaz, today=TODAY)
        assert (p.kreis, p.land) == (kreis, land), text
    explicit = profile_from_dict({"ort": "Plauen"}, gaz, today=TODAY)
    assert explicit.kreis == "Vogtlandkreis"
    assert gaz.canonical_kreis("Landkreis Meißen") == "Meißen"
    assert gaz.find("Standort Plauen") is None  # the answer engine's gazetteer is unchanged


def test_place_list_comes_from_official_district_keys() -> None:
    places = PlaceIndex.load()
    assert len(places.kreise) == 49  # 13 + 14 + 22 districts (Eisenach in the Wartburgkreis)
    assert places.find("Wir investieren in Rohr") is None  # common words are left out
    assert places.find("investieren in Anlagen") is None


def test_free_text_eval_meets_the_target(gaz: Gazetteer) -> None:
    result = evaluate_freetext(ROOT / "eval" / "check_freetext.yaml", gaz)
    for split in ("dev", "holdout"):
        ok, total = result["teile"][split]["kernfelder"]
        assert total >= 60 and ok / total >= 0.9, (split, ok, total)


def test_cli_eval_freitext_and_konsistenz(capsys: pytest.CaptureFixture[str]) -> None:
    from foerderberater.cli import main

    assert main(["eval", "freitext", str(ROOT / "eval" / "check_freetext.yaml")]) == 0
    out = capsys.readouterr().out
    assert "– dev:" in out and "– holdout:" in out and "Kernfelder" in out
    assert main(["eval", "konsistenz", str(ROOT / "corpus" / "programme")]) == 0
    assert "45/45 Programme konsistent" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "vorhaben"),
    [
        ("Ich gründe in Leipzig ein kleines IT-Unternehmen.", "Gründung"),
        ("Drei Forschende planen eine Ausgründung aus der Uni Halle.", "Gründung"),
        ("Wir brauchen einen neuen, energiesparenden Backofen.", "Energieeffizienz"),
        ("Wir wollen unseren Energieverbrauch in der Halle senken.", "Energieeffizienz"),
    ],
)
def test_project_types_in_everyday_words(text: str, vorhaben: str) -> None:
    assert vorhaben in project_types(text)


@pytest.mark.parametrize(
    ("text", "art"),
    [
        (
            "Ich bin promovierte Biologin an der Uni Halle und will ausgründen.",
            "Start-up in Gründung",
        ),
        ("Wir planen eine Ausgründung aus der Uni Leipzig.", "Start-up in Gründung"),
        ("Wir sind eine Ausgründung aus der Uni Leipzig mit 12 Leuten.", "Start-up"),
        ("Wir wurden 2021 gegründet und wollen eine Ausgründung planen.", "Start-up"),
    ],
)
def test_a_planned_spin_off_is_a_founding_ahead(gaz: Gazetteer, text: str, art: str) -> None:
    profile = profile_from_text(text, gaz, today=dt.date(2026, 11, 25))
    assert profile.art == art
