"""Projekt-Check: EU size class, profile parsing, every rule type, rates, combinations, eval set."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from foerderberater.cli import main
from foerderberater.core.errors import FoerderberaterError, FrontMatterError
from foerderberater.core.schema import ProgrammeMeta, parse_meta
from foerderberater.core.settings import Settings
from foerderberater.eligibility import (
    NICHT,
    PASST,
    VIELLEICHT,
    Programme,
    check_project,
    evaluate,
    programmes_from_index,
    render_markdown,
)
from foerderberater.eligibility.combine import combination_note, combinations
from foerderberater.eligibility.model import Context
from foerderberater.eligibility.rates import amount_for, rate_for
from foerderberater.eligibility.rules_applicant import (
    rule_freie_berufe,
    rule_rechtsform,
    rule_verbund,
    rule_zielgruppe,
)
from foerderberater.eligibility.rules_deadline import rule_frist
from foerderberater.eligibility.rules_founding import (
    rule_alter,
    rule_hochschulgruendung,
    rule_vor_gruendung,
)
from foerderberater.eligibility.rules_project import (
    rule_beginn,
    rule_foerderart,
    rule_technologie,
    rule_volumen,
    rule_vorhabenart,
)
from foerderberater.eligibility.rules_region import rule_gebiet, rule_landkreise
from foerderberater.eligibility.rules_size import rule_beschaeftigte, rule_kmu, rule_umsatz
from foerderberater.eligibility.verdicts import ERFUELLT, HINWEIS, OFFEN, VERLETZT
from foerderberater.evaluation.check import evaluate_check_profiles
from foerderberater.index.store import IndexVersion, open_current
from foerderberater.profile import (
    Profile,
    ProfilError,
    eu_size_class,
    parse_amount,
    parse_date,
    profile_from_dict,
    profile_from_text,
)
from foerderberater.search.regions import Gazetteer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
EVAL_FILE = ROOT / "eval" / "check_profiles.yaml"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def version(starter_index: Settings) -> IndexVersion:
    """The live version of the starter corpus (indexed with the fake embedder)."""
    return open_current(starter_index.index_dir)


@pytest.fixture(scope="module")
def corpus(version: IndexVersion) -> list[Programme]:
    return programmes_from_index(version)


BASE_META: dict[str, Any] = {
    "titel": "Testprogramm",
    "kurzname": "TP",
    "foerdergeber": "Testministerium",
    "antragsstelle": "Teststelle",
    "foerderart": ["Zuschuss"],
    "foerdergebiet": ["Bund"],
    "foerderberechtigte": ["KMU", "Großunternehmen", "Start-ups"],
    "vorhabenart": ["Investition"],
    "technologiefelder": ["technologieoffen"],
    "antragsfrist": "laufend",
    "stand": "2026-06-01",
    "quellen": ["https://example.org/tp"],
}
BODY = {
    "Wer wird gefördert": "Kleine und mittlere Unternehmen (KMU) mit weniger als 250 "
    "Beschäftigten in Sachsen. Freie Berufe sind ausgeschlossen.",
    "Voraussetzungen": "Antrag vor Beginn des Vorhabens. Nur Kapitalgesellschaften.",
    "Antragsverfahren": "Zweistufig:\n1. Skizze beim Projektträger einreichen.\n2. Antrag.",
}


def prog(slug: str = "tp", **meta: Any) -> Programme:
    data = parse_meta({**BASE_META, **meta}, f"programme/{slug}.md", "Programm")
    assert isinstance(data, ProgrammeMeta)
    return Programme(slug, slug, data.titel, data, dict(BODY), path=f"programme/{slug}.md")


def ctx(canon: Any = None, **profile: Any) -> Context:
    p = Profile(**profile)
    return Context(p, p.size(), TODAY, canon or (lambda name: name))


def firm(**extra: Any) -> Context:
    values = {
        "art": "Unternehmen",
        "beschaeftigte": 45,
        "umsatz_mio": 8.0,
        "land": "Sachsen-Anhalt",
        "kreis": "Burgenlandkreis",
        "ort": "Zeitz",
        "vorhaben": ("Investition",),
        "technologien": ("Wasserstoff",),
        "volumen_eur": 2_000_000.0,
        "beginn": dt.date(2027, 3, 1),
    }
    values.update(extra)
    return ctx(**values)


def one(reasons: list) -> Any:
    assert len(reasons) == 1, reasons
    return reasons[0]


# --------------------------------------------------------------------------- EU size class


@pytest.mark.parametrize(
    ("staff", "umsatz", "bilanz", "lower", "upper"),
    [
        (5, 1.0, None, "kleinst", "kleinst"),
        (5, 3.0, 1.5, "kleinst", "kleinst"),  # Bilanzsumme rettet die Kleinst-Einstufung
        (5, 3.0, 3.0, "klein", "klein"),
        (45, 8.0, None, "klein", "klein"),
        (45, 12.0, 12.0, "mittel", "mittel"),
        (120, 40.0, None, "mittel", "mittel"),
        (200, 60.0, 40.0, "mittel", "mittel"),  # Umsatz zu hoch, Bilanzsumme unter 43 Mio.
        (200, 60.0, 50.0, "gross", "gross"),
        (250, 1.0, 1.0, "gross", "gross"),  # ab 250 Beschäftigten immer groß
        (620, None, None, "gross", "gross"),
        (45, None, None, "klein", "gross"),  # ohne Finanzzahlen offen
        (45, 30.0, None, "klein", "mittel"),  # offen, aber sicher KMU
        (None, 900.0, 800.0, "gross", "gross"),
        (None, None, None, None, None),
    ],
)
def test_eu_size_class(staff, umsatz, bilanz, lower, upper) -> None:
    size = eu_size_class(staff, umsatz, bilanz)
    assert (size.untergrenze, size.obergrenze) == (lower, upper)
    assert size.sicher == (lower is not None and lower == upper)
    if lower is not None and lower != upper:
        assert size.fehlt
    if upper == "gross" and lower != "gross":
        assert size.kmu is None
    if upper in ("kleinst", "klein", "mittel"):
        assert size.kmu is True
    if lower == "gross":
        assert size.kmu is False


def test_size_rate_class_and_gruendung() -> None:
    assert eu_size_class(5, 1, None).rate_class == "klein"
    assert Profile(art="Start-up in Gründung").size().kmu is True


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2 Mio.", 2_000_000),
        ("2,5 Mio. €", 2_500_000),
        ("2.000.000", 2_000_000),
        ("500 Tsd", 500_000),
        ("300k", 300_000),
        (80000, 80_000),
        ("1,2 Mrd. Euro", 1_200_000_000),
    ],
)
def test_parse_amount(raw, value) -> None:
    assert parse_amount(raw) == pytest.approx(value)


def test_parse_amount_and_date_errors() -> None:
    with pytest.raises(ProfilError, match="kein Betrag"):
        parse_amount("viel Geld")
    with pytest.raises(ProfilError, match="negativ"):
        parse_amount(-5)
    assert parse_date("01.03.2027") == dt.date(2027, 3, 1)
    assert parse_date("März 2027") == dt.date(2027, 3, 1)
    assert parse_date("2027-03") == dt.date(2027, 3, 1)
    with pytest.raises(ProfilError, match="kein Datum"):
        parse_date("bald")
    with pytest.raises(ProfilError, match="ungültiges Datum"):
        parse_date("31.02.2027")


def test_mio_fields_and_lists(gaz: Gazetteer) -> None:
    p = profile_from_dict(
        {"umsatz": 8_000_000, "bilanzsumme": "2,5 Mio", "vorhaben": ["Investition,Beratung"]}, gaz
    )
    assert p.umsatz_mio == pytest.approx(8) and p.bilanzsumme_mio == pytest.approx(2.5)
    assert p.vorhaben == ("Investition", "Beratung")
    with pytest.raises(ProfilError, match="negativ"):
        profile_from_dict({"umsatz": -1}, gaz)


def test_fact_labels_and_questions_agree() -> None:
    from foerderberater.profile import FACT_LABELS, FACT_QUESTIONS

    assert set(FACT_LABELS) == set(FACT_QUESTIONS)


def test_profile_from_dict(gaz: Gazetteer) -> None:
    p = profile_from_dict(
        {
            "ort": "Zeitz",
            "beschaeftigte": 45,
            "umsatz": 8,
            "art": "kmu",
            "vorhaben": "Investition, FuE",
            "technologie": ["H2"],
            "volumen": "2 Mio.",
            "beginn": "2027-03-01",
            "rechtsform": "GmbH",
        },
        gaz,
        today=TODAY,
    )
    assert (p.kreis, p.land, p.revier) == ("Burgenlandkreis", "Sachsen-Anhalt", True)
    assert p.art == "Unternehmen"
    assert p.vorhaben == ("Investition", "Forschung und Entwicklung")
    assert p.technologien == ("Wasserstoff",)
    assert p.volumen_eur == 2_000_000
    assert p.rechtsform == "Kapitalgesellschaft"
    assert p.started(TODAY) is False
    # ambiguous names need no "in" context when given explicitly
    halle = profile_from_dict({"ort": "Halle"}, gaz)
    assert halle.kreis == "Halle (Saale)"
    unknown = profile_from_dict({"ort": "Musterstadt"}, gaz)
    assert unknown.ort == "Musterstadt" and unknown.land is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"farbe": "blau"}, "farbe", "unbekanntes Feld"),
        ({"art": "Raumstation"}, "art", "unbekannter Wert"),
        ({"beschaeftigte": -3}, "beschaeftigte", "ganze Zahl"),
        ({"beschaeftigte": 4.5}, "beschaeftigte", "ganze Zahl"),
        ({"vorhaben": "Weltreise"}, "vorhaben", "unbekannter Wert"),
        ({"begonnen": "vielleicht"}, "begonnen", "ja oder nein"),
        ({"ort": "Zeitz", "land": "Sachsen"}, "land", "liegt in Sachsen-Anhalt"),
        ({"gruendungsjahr": 1066}, "gruendungsjahr", "unplausibles Jahr"),
    ],
)
def test_profile_from_dict_errors(gaz: Gazetteer, data, field, message) -> None:
    with pytest.raises(ProfilError, match=message) as info:
        profile_from_dict(data, gaz, today=TODAY)
    assert info.value.field == field


def test_profile_from_issue_text(gaz: Gazetteer) -> None:
    text = (
        "Wir sind ein Betrieb mit 45 Mitarbeitern in Zeitz und wollen 2 Mio. in eine "
        "Elektrolyse investieren"
    )
    p = profile_from_text(text, gaz, today=TODAY)
    assert p.art == "Unternehmen"
    assert p.beschaeftigte == 45
    assert p.kreis == "Burgenlandkreis"
    assert p.volumen_eur == 2_000_000
    assert p.umsatz_mio is None
    assert "Investition" in p.vorhaben
    assert p.technologien == ("Wasserstoff",)
    assert p.started(TODAY) is None
    assert {"art", "beschaeftigte", "volumen_eur", "ort"} <= set(p.aus_text)


def test_profile_text_money_attribution_and_dates(gaz: Gazetteer) -> None:
    text = (
        "GmbH aus Leuna, 120 Beschäftigte, Jahresumsatz von 18 Mio. Euro, Bilanzsumme 9 Mio. €. "
        "Wir planen eine neue Anlage für 3,5 Mio. Euro ab März 2027, gemeinsam mit der "
        "Hochschule Merseburg. Gegründet 2015."
    )
    p = profile_from_text(text, gaz, today=TODAY)
    assert p.umsatz_mio == pytest.approx(18)
    assert p.bilanzsumme_mio == pytest.approx(9)
    assert p.volumen_eur == pytest.approx(3_500_000)
    assert p.beginn == dt.date(2027, 3, 1)
    assert p.gruendungsjahr == 2015
    assert p.verbund is True
    assert p.rechtsform == "Kapitalgesellschaft"
    assert p.kreis == "Saalekreis"


@pytest.mark.parametrize(
    ("text", "art", "started"),
    [
        ("Wir wollen in Borna eine Tischlerei gründen", "Start-up in Gründung", None),
        ("Die Stadtverwaltung Delitzsch plant ein Wärmenetz", "Kommune", None),
        ("Unser Institut der Fraunhofer-Gesellschaft in Leipzig", "Forschungseinrichtung", None),
        ("Unser Verein in Halle hat schon begonnen", "Verein", True),
        ("Wir sind ein Start-up in Leipzig, noch nicht begonnen", "Start-up", False),
    ],
)
def test_profile_text_art_and_start(gaz: Gazetteer, text, art, started) -> None:
    p = profile_from_text(text, gaz, today=TODAY)
    assert p.art == art
    assert p.started(TODAY) is started


def test_explicit_values_win_over_text(gaz: Gazetteer) -> None:
    p = profile_from_dict(
        {"text": "Betrieb mit 45 Mitarbeitern in Zeitz", "beschaeftigte": 50}, gaz, today=TODAY
    )
    assert p.beschaeftigte == 50
    assert p.kreis == "Burgenlandkreis"
    assert "beschaeftigte" not in p.aus_text and "ort" in p.aus_text


# --------------------------------------------------------------------------- rules


def test_rule_zielgruppe() -> None:
    assert one(rule_zielgruppe(prog(), firm())).ergebnis == ERFUELLT
    kmu_only = prog(foerderberechtigte=["KMU"])
    big = firm(beschaeftigte=620, umsatz_mio=900.0)
    r = one(rule_zielgruppe(kmu_only, big))
    assert r.ergebnis == VERLETZT and "großes Unternehmen" in r.text
    open_size = firm(umsatz_mio=None)
    assert one(rule_zielgruppe(prog(), open_size)).ergebnis == ERFUELLT  # KMU und Groß erlaubt
    r = one(rule_zielgruppe(kmu_only, open_size))
    assert r.ergebnis == OFFEN and r.fehlt == "umsatz"
    assert one(rule_zielgruppe(prog(), ctx(art="Kommune"))).ergebnis == VERLETZT
    assert one(rule_zielgruppe(prog(), ctx())).fehlt == "art"
    # Gründungsvorhaben: Start-ups genannt, aber keine Gründung in der Vorhabenart -> offen
    founder = ctx(art="Start-up in Gründung")
    assert one(rule_zielgruppe(prog(), founder)).ergebnis == OFFEN
    with_gruendung = prog(vorhabenart=["Investition", "Gründung"])
    assert one(rule_zielgruppe(with_gruendung, founder)).ergebnis == ERFUELLT
    r = one(rule_zielgruppe(prog(), firm()))
    assert any(c.kind == "text" and c.section == "Wer wird gefördert" for c in r.belege)


def test_rule_verbund() -> None:
    p = prog(
        foerderberechtigte=["KMU", "Hochschulen"], nur_im_verbund=["Hochschulen", "Großunternehmen"]
    )
    assert rule_verbund(p, firm()) == []  # KMU dürfen allein
    assert one(rule_verbund(p, ctx(art="Hochschule"))).fehlt == "verbund"
    assert one(rule_verbund(p, ctx(art="Hochschule", verbund=True))).ergebnis == ERFUELLT
    assert one(rule_verbund(p, ctx(art="Hochschule", verbund=False))).ergebnis == VERLETZT


def test_rule_gebiet() -> None:
    assert one(rule_gebiet(prog(), firm())).ergebnis == ERFUELLT
    sa = prog(foerdergebiet=["Sachsen-Anhalt", "EU"])
    assert one(rule_gebiet(sa, firm())).ergebnis == ERFUELLT
    r = one(rule_gebiet(prog(foerdergebiet=["Sachsen"]), firm()))
    assert r.ergebnis == VERLETZT
    assert "Zeitz" in r.text and "Sachsen-Anhalt" in r.text
    r = one(rule_gebiet(sa, firm(land=None, kreis=None, ort=None)))
    assert r.ergebnis == OFFEN and r.fehlt == "standort"


def test_rule_landkreise_uses_canonical_names(gaz: Gazetteer) -> None:
    p = prog(landkreise=["Stadt Halle (Saale)", "Landkreis Anhalt-Bitterfeld"])
    canon = gaz.canonical_kreis
    halle = ctx(canon, art="Verein", land="Sachsen-Anhalt", kreis="Halle (Saale)")
    assert one(rule_landkreise(p, halle)).ergebnis == ERFUELLT
    zeitz = ctx(canon, art="Verein", land="Sachsen-Anhalt", kreis="Burgenlandkreis")
    assert one(rule_landkreise(p, zeitz)).ergebnis == VERLETZT
    land_only = ctx(canon, art="Verein", land="Sachsen-Anhalt")
    assert one(rule_landkreise(p, land_only)).fehlt == "kreis"
    assert rule_landkreise(prog(), zeitz) == []


def test_rule_kmu_and_beschaeftigte() -> None:
    p = prog(nur_kmu=True, max_beschaeftigte=99)
    assert one(rule_kmu(p, firm())).ergebnis == ERFUELLT
    big = firm(beschaeftigte=620, umsatz_mio=900.0)
    r = one(rule_kmu(p, big))
    assert r.ergebnis == VERLETZT and "620 Beschäftigte" in r.text
    assert one(rule_kmu(p, firm(umsatz_mio=None))).ergebnis == OFFEN
    assert rule_kmu(p, ctx(art="Hochschule")) == []  # gilt nur für Unternehmen
    assert one(rule_beschaeftigte(p, firm())).ergebnis == ERFUELLT
    r = one(rule_beschaeftigte(p, firm(beschaeftigte=120, umsatz_mio=15.0)))
    assert r.ergebnis == VERLETZT and "höchstens 99" in r.text.lower()
    assert one(rule_beschaeftigte(p, firm(beschaeftigte=None))).fehlt == "beschaeftigte"
    assert rule_beschaeftigte(p, ctx(art="Start-up in Gründung")) == []


def test_rule_umsatz_or_bilanzsumme() -> None:
    p = prog(max_umsatz_mio_eur=20, max_bilanzsumme_mio_eur=20)
    assert one(rule_umsatz(p, firm(umsatz_mio=8.0))).ergebnis == ERFUELLT
    assert one(rule_umsatz(p, firm(umsatz_mio=30.0, bilanzsumme_mio=None))).ergebnis == OFFEN
    both = firm(umsatz_mio=30.0, bilanzsumme_mio=15.0)
    assert one(rule_umsatz(p, both)).ergebnis == ERFUELLT  # eine Grenze genügt
    over = firm(umsatz_mio=30.0, bilanzsumme_mio=25.0)
    assert one(rule_umsatz(p, over)).ergebnis == VERLETZT
    only_umsatz = prog(max_umsatz_mio_eur=500)
    assert one(rule_umsatz(only_umsatz, firm(umsatz_mio=900.0))).ergebnis == VERLETZT
    assert one(rule_umsatz(only_umsatz, firm(umsatz_mio=None))).fehlt == "umsatz"


def test_rule_alter() -> None:
    p = prog(max_unternehmensalter_jahre=3)
    assert one(rule_alter(p, firm(gruendungsjahr=2025))).ergebnis == ERFUELLT
    assert one(rule_alter(p, firm(gruendungsjahr=2023))).ergebnis == OFFEN  # Grenzfall
    assert one(rule_alter(p, firm(gruendungsjahr=2019))).ergebnis == VERLETZT
    assert one(rule_alter(p, firm())).fehlt == "alter"
    assert one(rule_alter(p, ctx(art="Start-up in Gründung"))).ergebnis == ERFUELLT


def test_rule_vor_gruendung_and_hochschulgruendung() -> None:
    p = prog(nur_vor_gruendung=True, nur_hochschulgruendung=True)
    assert one(rule_vor_gruendung(p, ctx(art="Start-up in Gründung"))).ergebnis == ERFUELLT
    assert one(rule_vor_gruendung(p, ctx(art="Start-up"))).ergebnis == VERLETZT
    founder = ctx(art="Start-up in Gründung")
    assert one(rule_hochschulgruendung(p, founder)).fehlt == "hochschulgruendung"
    yes = ctx(art="Start-up in Gründung", hochschulgruendung=True)
    no = ctx(art="Start-up in Gründung", hochschulgruendung=False)
    assert one(rule_hochschulgruendung(p, yes)).ergebnis == ERFUELLT
    assert one(rule_hochschulgruendung(p, no)).ergebnis == VERLETZT
    assert one(rule_hochschulgruendung(p, ctx(art="Hochschule"))).ergebnis == ERFUELLT


def test_rule_rechtsform_and_freie_berufe() -> None:
    p = prog(rechtsform=["Kapitalgesellschaft"], freie_berufe=False)
    assert one(rule_rechtsform(p, firm(rechtsform="Kapitalgesellschaft"))).ergebnis == ERFUELLT
    assert one(rule_rechtsform(p, firm(rechtsform="Personengesellschaft"))).ergebnis == VERLETZT
    assert one(rule_rechtsform(p, firm())).fehlt == "rechtsform"
    assert rule_freie_berufe(p, firm()) == []  # nur geprüft, wenn Sie Freiberufler sind
    r = one(rule_freie_berufe(p, firm(freier_beruf=True)))
    assert r.ergebnis == VERLETZT
    assert any("ausgeschlossen" in (c.excerpt or "") for c in r.belege)
    assert one(rule_freie_berufe(prog(freie_berufe=True), firm(freier_beruf=True))).ergebnis == (
        ERFUELLT
    )
    assert one(rule_freie_berufe(prog(), firm(freier_beruf=True))).ergebnis == OFFEN


def test_rule_vorhabenart_technologie_foerderart() -> None:
    assert one(rule_vorhabenart(prog(), firm())).ergebnis == ERFUELLT
    fue = prog(vorhabenart=["Forschung und Entwicklung"])
    assert one(rule_vorhabenart(fue, firm())).ergebnis == VERLETZT
    assert one(rule_vorhabenart(fue, firm(vorhaben=()))).fehlt == "vorhaben"
    h2 = prog(technologiefelder=["Wasserstoff", "Chemie"])
    assert one(rule_technologie(prog(), firm())).ergebnis == ERFUELLT
    assert one(rule_technologie(h2, firm())).ergebnis == ERFUELLT
    assert one(rule_technologie(h2, firm(technologien=("XR",)))).ergebnis == VERLETZT
    assert one(rule_technologie(h2, firm(technologien=()))).fehlt == "technologie"
    assert rule_foerderart(prog(), firm()) == []
    assert one(rule_foerderart(prog(), firm(foerderart=("Darlehen",)))).ergebnis == VERLETZT
    assert one(rule_foerderart(prog(), firm(foerderart=("Zuschuss",)))).ergebnis == ERFUELLT


def test_rule_volumen() -> None:
    p = prog(min_volumen_eur=5000, max_volumen_eur=1_000_000)
    assert one(rule_volumen(p, firm(volumen_eur=800_000.0))).ergebnis == ERFUELLT
    assert one(rule_volumen(p, firm(volumen_eur=3000.0))).ergebnis == VERLETZT
    assert one(rule_volumen(p, firm(volumen_eur=2_000_000.0))).ergebnis == VERLETZT
    assert one(rule_volumen(p, firm(volumen_eur=None))).fehlt == "volumen"
    assert rule_volumen(prog(), firm()) == []


def test_rule_vorhabenbeginn() -> None:
    before = prog(antrag_vor_vorhabenbeginn=True)
    assert one(rule_beginn(before, firm())).ergebnis == ERFUELLT
    r = one(rule_beginn(before, firm(begonnen=True)))
    assert r.ergebnis == VERLETZT and "schon begonnen" in r.text
    assert [c.field for c in r.belege if c.kind == "metadaten"] == ["antrag_vor_vorhabenbeginn"]
    assert any(c.section == "Voraussetzungen" for c in r.belege)
    past = firm(beginn=dt.date(2026, 1, 1))  # Beginn in der Vergangenheit = begonnen
    assert one(rule_beginn(before, past)).ergebnis == VERLETZT
    assert one(rule_beginn(before, firm(beginn=None))).fehlt == "beginn"
    after_ok = prog(antrag_vor_vorhabenbeginn=False)
    assert one(rule_beginn(after_ok, firm(begonnen=True))).ergebnis == ERFUELLT
    assert one(rule_beginn(prog(), firm(begonnen=True))).ergebnis == OFFEN
    r = one(rule_beginn(prog(vorhabenbeginn_hinweis="Ab Antragseingang."), firm()))
    assert r.ergebnis == HINWEIS and "Ab Antragseingang." in r.text


def test_rule_frist() -> None:
    assert rule_frist(prog(), firm()) == []
    r = one(rule_frist(prog(antragsfrist="2025-05-06"), firm()))
    assert r.ergebnis == VERLETZT and "abgelaufen" in r.text
    assert one(rule_frist(prog(antragsfrist="2026-12-10"), firm())).ergebnis == HINWEIS
    assert rule_frist(prog(antragsfrist="2027-04-15"), firm()) == []


# --------------------------------------------------------------------------- rate, amount


def test_rate_by_region_size_and_max(gaz: Gazetteer) -> None:
    regional = prog(
        foerdersatz_max_prozent=40,
        foerdersatz_nach_groesse={"klein": 40, "mittel": 30, "gross": 20},
        foerdersatz_nach_region={
            "Altenburger Land": {"klein": 40, "mittel": 30, "gross": 20},
            "Gera": {"klein": 35, "mittel": 25, "gross": 15},
            "Stadt Chemnitz": 25,
            "Jena": None,
        },
    )
    canon = gaz.canonical_kreis
    gera = firm(land="Thüringen", kreis="Gera", beschaeftigte=100, umsatz_mio=20.0)
    gera = replace(gera, canon=canon)
    rate = rate_for(regional, gera)
    assert (rate.prozent_min, rate.prozent_max) == (25, 25)
    assert rate.belege[0].field == "foerdersatz_nach_region.Gera"
    chemnitz = replace(firm(land="Sachsen", kreis="Chemnitz"), canon=canon)
    assert rate_for(regional, chemnitz).prozent_max == 25
    jena = replace(firm(land="Thüringen", kreis="Jena"), canon=canon)
    rate = rate_for(regional, jena)
    assert rate.prozent_max is None and "nicht beziffert" in rate.text and "40 %" in rate.text
    assert amount_for(regional, jena, rate) is None  # no rate and no cap: no amount
    # no region entry: size rate, then range when the size is open
    erfurt = replace(firm(land="Thüringen", kreis="Erfurt"), canon=canon)
    assert rate_for(regional, erfurt).prozent_max == 40
    open_size = replace(firm(land="Thüringen", kreis="Erfurt", umsatz_mio=None), canon=canon)
    rate = rate_for(regional, open_size)
    assert (rate.prozent_min, rate.prozent_max) == (20, 40)
    assert rate_for(prog(foerdersatz_max_prozent=80), firm()).prozent_max == 80
    assert rate_for(prog(), firm()) is None


def test_amount_is_capped_and_indicative() -> None:
    p = prog(foerdersatz_max_prozent=50, max_betrag_eur=300_000)
    c = firm(volumen_eur=2_000_000.0)
    amount = amount_for(p, c, rate_for(p, c))
    assert amount.betrag_eur == 300_000
    assert "indikativ" in amount.text and "gedeckelt" in amount.text
    loan = prog(foerderart=["Darlehen"], foerdersatz_max_prozent=100)
    amount = amount_for(loan, c, rate_for(loan, c))
    assert amount.betrag_eur == 2_000_000 and "Kredit" in amount.text
    guarantee = prog(foerderart=["Bürgschaft"], max_betrag_eur=2_500_000)
    amount = amount_for(guarantee, c, rate_for(guarantee, c))
    assert amount.betrag_eur is None and "Höchstbetrag" in amount.text
    no_volume = firm(volumen_eur=None)
    assert amount_for(p, no_volume, rate_for(p, no_volume)).betrag_eur is None


# --------------------------------------------------------------------------- combinations


def test_combinations() -> None:
    a = prog("a", nicht_kumulierbar_mit=["b"], de_minimis=True)
    b = prog("b", de_minimis=True)
    c = prog("c", kumulierbar_mit=["a"])
    d = prog("d", de_minimis=True)
    e = prog("e")
    result = evaluate(firm().profile, [a, b, c, d, e], today=TODAY)
    combos = {(x.a, x.b): x for x in result.kombinationen}
    assert combos[("a", "b")].urteil == "nicht kombinierbar"  # one side suffices
    assert combos[("a", "c")].urteil == "kombinierbar"
    assert combos[("a", "d")].urteil == "De-minimis"
    assert ("a", "e") not in combos and ("b", "e") not in combos
    conflict = [prog("x", kumulierbar_mit=["y"]), prog("y", nicht_kumulierbar_mit=["x"])]
    result = evaluate(firm().profile, conflict, today=TODAY)
    assert result.kombinationen[0].urteil == "widersprüchlich"
    assert combination_note(e)[0] == "Kumulierung: keine Angabe im Korpus."
    text, cites = combination_note(prog(kumulierung_hinweis="Nicht für dieselben Kosten."))
    assert "dieselben Kosten" in text and cites[0].field == "kumulierung_hinweis"
    assert combinations([]) == []


# --------------------------------------------------------------------------- aggregation


def test_status_sorting_and_missing_facts() -> None:
    good = prog("good", antrag_vor_vorhabenbeginn=True)
    maybe = prog("maybe", nur_kmu=True)
    bad = prog("bad", foerdergebiet=["Sachsen"])
    profile = firm(umsatz_mio=None).profile
    result = evaluate(profile, [bad, maybe, good], today=TODAY)
    assert [r.slug for r in result.ergebnisse] == ["good", "maybe", "bad"]
    assert [r.status for r in result.ergebnisse] == [PASST, VIELLEICHT, NICHT]
    assert result.fehlende_angaben[0][0].startswith("Jahresumsatz")
    assert result.rueckfragen[0].startswith("Wie hoch sind Jahresumsatz")
    assert result.get("maybe").fehlende_angaben
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert data["zusammenfassung"] == {PASST: 1, VIELLEICHT: 1, NICHT: 1}


def test_programmes_come_from_the_index_store(version: IndexVersion) -> None:
    programmes = programmes_from_index(version)
    assert {p.path for p in programmes} == {
        d for d, rec in version.docs.items() if rec.kind == "Programm"
    }
    assert all(p.doc_id == p.slug for p in programmes)  # one doc_id convention: the slug
    zim = next(p for p in programmes if p.slug == "zim")
    assert zim.meta is version.docs["programme/zim.md"].meta  # the stored, validated record
    assert list(zim.sections)[:3] == [
        "Kurzbeschreibung",
        "Wer wird gefördert",
        "Was wird gefördert",
    ]
    assert (
        "FuE" in zim.sections["Kurzbeschreibung"] or "Forschung" in zim.sections["Kurzbeschreibung"]
    )


# --------------------------------------------------------------------------- real corpus


def test_corpus_programmes_and_citations(corpus: list[Programme], gaz: Gazetteer) -> None:
    assert len(corpus) >= 40
    for p in corpus:
        assert p.sections.get("Wer wird gefördert"), p.slug
    profile = profile_from_dict(
        {
            "ort": "Zeitz",
            "art": "Unternehmen",
            "beschaeftigte": 45,
            "umsatz_mio": 8,
            "vorhaben": "Investition",
            "technologie": "Wasserstoff",
            "volumen": 2_000_000,
            "beginn": "2027-03-01",
        },
        gaz,
        today=TODAY,
    )
    result = evaluate(profile, corpus, today=TODAY, canon=gaz.canonical_kreis)
    by_slug = {p.slug: p for p in corpus}
    for check in result.ergebnisse:
        for reason in check.gruende:
            for cite in reason.belege:
                prog_ = by_slug[check.slug]
                if cite.kind == "text":  # every quoted passage really is in that section
                    assert cite.excerpt.strip(" …")[:40] in " ".join(
                        prog_.sections[cite.section].split()
                    ).replace("**", "").replace("`", "")
                else:
                    assert prog_.meta.json_value(re.split(r"[.[]", cite.field)[0]) is not None
    grw = result.get("grw-sachsen-anhalt")
    assert grw.status == PASST
    assert grw.foerdersatz.prozent_max == 35
    assert grw.betrag.betrag_eur == 700_000
    assert "Investitionsbank" in grw.antragsstelle
    assert grw.frist.startswith("laufend")
    assert result.get("grw-sachsen").status == NICHT


def test_corpus_regional_rate_altenburg(corpus: list[Programme], gaz: Gazetteer) -> None:
    profile = profile_from_dict(
        {"ort": "Altenburg", "art": "Unternehmen", "beschaeftigte": 100, "umsatz_mio": 20},
        gaz,
        today=TODAY,
    )
    result = evaluate(profile, corpus, today=TODAY, canon=gaz.canonical_kreis)
    grw = result.get("grw-thueringen")
    assert grw.foerdersatz.prozent_max == 30  # mittleres Unternehmen im Altenburger Land
    meta_cite, text_cite = grw.foerdersatz.belege[:2]
    assert meta_cite.field.startswith("foerdersaetze[")
    assert "Altenburger Land" in str(meta_cite.value)
    assert text_cite.kind == "text" and "30" in text_cite.excerpt  # the quoted programme text
    bafa = result.get("bafa-unternehmensberatung")
    assert bafa.foerdersatz.prozent_max == 80


def test_new_schema_fields_are_validated() -> None:
    path = "programme/x.md"
    for bad, field in (
        ({"nur_im_verbund": ["Aliens"]}, "nur_im_verbund"),
        ({"nur_im_verbund": "Hochschulen"}, "nur_im_verbund"),
        ({"foerdersatz_nach_region": {"Gera": {"riesig": 10}}}, "foerdersatz_nach_region.Gera"),
        ({"foerdersatz_nach_region": {"Gera": 120}}, "foerdersatz_nach_region.Gera"),
        ({"foerdersatz_nach_region": []}, "foerdersatz_nach_region"),
        ({"min_volumen_eur": 10, "max_volumen_eur": 5}, "min_volumen_eur"),
        ({"max_umsatz_mio_eur": -1}, "max_umsatz_mio_eur"),
        ({"nur_vor_gruendung": "ja"}, "nur_vor_gruendung"),
        ({"rechtsform": ["GmbH"]}, "rechtsform"),
        ({"kumulierung_hinweis": 5}, "kumulierung_hinweis"),
    ):
        with pytest.raises(FrontMatterError, match=field.replace(".", r"\.")):
            parse_meta({**BASE_META, **bad}, path, "Programm")
    ok = parse_meta(
        {**BASE_META, "foerdersatz_nach_region": {"Gera": None, "Jena": 30}}, path, "Programm"
    )
    assert isinstance(ok, ProgrammeMeta) and ok.foerdersatz_nach_region == {
        "Gera": None,
        "Jena": 30,
    }


# --------------------------------------------------------------------------- eval set, API, CLI


def test_eval_profiles_pass_completely(corpus: list[Programme], gaz: Gazetteer) -> None:
    result = evaluate_check_profiles(EVAL_FILE, corpus, gaz)
    failures = [(row["id"], c) for row in result["rows"] for c in row["checks"] if not c["ok"]]
    assert not failures
    assert result["profile"] >= 25
    statuses = {c["erwartet"] for row in result["rows"] for c in row["checks"]}
    assert {PASST, NICHT, VIELLEICHT} <= statuses


def _no_search(query: str) -> list:
    raise FoerderberaterError("Suche kaputt")


def test_check_project_without_search_and_markdown(version: IndexVersion, gaz: Gazetteer) -> None:
    profile = profile_from_text(
        "Wir sind ein Betrieb mit 45 Mitarbeitern in Zeitz und wollen 2 Mio. in eine "
        "Elektrolyse investieren",
        gaz,
        today=TODAY,
    )
    result = check_project(
        version, profile, today=TODAY, canon=gaz.canonical_kreis, search=_no_search
    )
    assert any("Textsuche nicht verfügbar (Suche kaputt)" in h for h in result.hinweise)
    assert result.get("grw-sachsen-anhalt").status == VIELLEICHT
    md = render_markdown(result)
    assert md.startswith("# Projekt-Check")
    assert "**Bitte angeben:** geplanter Projektbeginn" in md
    assert "Jahresumsatz oder Bilanzsumme" in md
    assert "unverbindlich" in md and "keine Angabe im Korpus" in md
    assert "## Passt nicht" in md and "## Kombinationen" in md
    assert "## Passt nicht" not in render_markdown(result, show_failing=False)
    quiet = check_project(version, profile, today=TODAY, canon=gaz.canonical_kreis)
    assert not quiet.hinweise and quiet.to_json()["programme"] == result.to_json()["programme"]


def test_check_project_attaches_retrieved_passages(version: IndexVersion, gaz: Gazetteer) -> None:
    from foerderberater.core.types import Chunk, Hit

    chunk = Chunk(1, "programme/eew.md", "eew", "EEW", "Kurzbeschreibung", (0,), 0, "EEW-Text")
    profile = Profile(art="Unternehmen", beschaeftigte=45, umsatz_mio=8.0, text="Abwärme")
    asked: list[str] = []

    def search(query: str) -> list[Hit]:
        asked.append(query)
        return [Hit(chunk, 1.0)]

    result = check_project(version, profile, today=TODAY, search=search)
    assert asked == ["Abwärme"]
    eew = result.get("eew")
    assert eew.textstelle is not None and eew.textstelle.rang == 1
    assert "Passende Textstelle" in render_markdown(result)


@pytest.mark.integration
def test_cli_check_and_eval(
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    starter_index: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ("--corpus-dir", str(CORPUS), "--index-dir", str(starter_index.index_dir))
    # a real process: metadata from the index; its passages need e5, which this index lacks
    result = run_cli(
        *base,
        "check",
        "--ort",
        "Zeitz",
        "--beschaeftigte",
        "45",
        "--umsatz-mio",
        "8",
        "--art",
        "Unternehmen",
        "--vorhaben",
        "Investition",
        "--technologie",
        "Wasserstoff",
        "--volumen",
        "2000000",
        "--beginn",
        "2027-03-01",
        "--stichtag",
        "2026-11-25",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    statuses = {p["slug"]: p["status"] for p in data["programme"]}
    assert statuses["grw-sachsen-anhalt"] == PASST
    assert statuses["grw-sachsen"] == NICHT
    assert any("Textsuche nicht verfügbar" in h for h in data["hinweise"])

    def cli(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out, err = capsys.readouterr()
        return code, out, err

    profile_file = tmp_path / "profil.yaml"
    profile_file.write_text("ort: Leuna\nart: Unternehmen\nbeschaeftigte: 620\n", "utf-8")
    code, out, err = cli("check", "--profil", str(profile_file), "--kurz", "--ohne-textsuche")
    assert code == 0, err
    assert "großes Unternehmen" in out and "## Passt nicht" not in out
    code, out, err = cli("check", "--art", "Raumstation")
    assert code == 1 and "Raumstation" in err
    assert cli("check")[0] == 2
    code, out, err = cli("--index-dir", str(tmp_path / "leer"), "check", "--ort", "Zeitz")
    assert code == 1 and "Kein Index" in err
    code, out, err = cli("eval", "check", str(EVAL_FILE))
    assert code == 0, out + err
    assert "(100%)" in out and "Stichtag 2026-11-25" in out
    wrong = tmp_path / "falsch.yaml"
    wrong.write_text(
        'stichtag: "2026-11-25"\nprofile:\n  - id: x\n    profil: {ort: Zeitz, art: Kommune}\n'
        "    erwartet: {grw-sachsen-anhalt: passt}\n",
        "utf-8",
    )
    code, out, err = cli("eval", "check", str(wrong))
    assert code == 1 and "[FEHLER] x: grw-sachsen-anhalt" in out
    no_date = tmp_path / "ohne-stichtag.yaml"
    no_date.write_text(wrong.read_text("utf-8").split("\n", 1)[1], "utf-8")
    code, out, err = cli("eval", "check", str(no_date))
    assert code == 1 and "stichtag" in err
