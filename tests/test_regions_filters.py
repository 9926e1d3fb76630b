"""Region recognition (gazetteer), metadata filters and follow-up condensing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import programme_meta

from foerderberater.answer.conversation import condense
from foerderberater.core.errors import ConfigError
from foerderberater.core.schema import StudyMeta, TextMeta
from foerderberater.core.vocab import DOKUMENTTYP, LAENDER
from foerderberater.search.filters import FILTER_CHOICES, FILTER_LABELS, Filters
from foerderberater.search.regions import Gazetteer
from foerderberater.search.relevance import funding_level


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(
    ("text", "kreis", "land"),
    [
        ("Wir sind ein KMU in Zeitz", "Burgenlandkreis", "Sachsen-Anhalt"),
        ("Betrieb aus Weißenfels", "Burgenlandkreis", "Sachsen-Anhalt"),
        ("Firma aus Weissenfels", "Burgenlandkreis", "Sachsen-Anhalt"),
        ("Standort Borna", "Landkreis Leipzig", "Sachsen"),
        ("Hotel in Zwenkau", "Landkreis Leipzig", "Sachsen"),
        ("Markkleeberg", "Landkreis Leipzig", "Sachsen"),
        ("Werk in Altenburg", "Altenburger Land", "Thüringen"),
        ("Chemiepark Bitterfeld-Wolfen", "Anhalt-Bitterfeld", "Sachsen-Anhalt"),
        ("Merseburg", "Saalekreis", "Sachsen-Anhalt"),
        ("Raffinerie in Leuna", "Saalekreis", "Sachsen-Anhalt"),
        ("Sangerhausen", "Mansfeld-Südharz", "Sachsen-Anhalt"),
        ("Delitzsch", "Nordsachsen", "Sachsen"),
        ("Eilenburg", "Nordsachsen", "Sachsen"),
        ("Torgau", "Nordsachsen", "Sachsen"),
        ("Start-up in Halle", "Halle (Saale)", "Sachsen-Anhalt"),
        ("Halle (Saale)", "Halle (Saale)", "Sachsen-Anhalt"),
        ("Softwarefirma in Leipzig", "Leipzig", "Sachsen"),
        ("Landkreis Leipzig", "Landkreis Leipzig", "Sachsen"),
        ("Koethen", "Anhalt-Bitterfeld", "Sachsen-Anhalt"),
    ],
)
def test_places_resolve_to_kreis_and_land(gaz: Gazetteer, text: str, kreis: str, land: str) -> None:
    region = gaz.find(text)
    assert region is not None
    assert (region.kreis, region.land) == (kreis, land)


def test_land_names_and_adjectives(gaz: Gazetteer) -> None:
    assert gaz.find("Förderung in Sachsen-Anhalt").land == "Sachsen-Anhalt"
    assert gaz.find("sächsische Programme").land == "Sachsen"
    assert gaz.find("Thueringen").land == "Thüringen"
    assert gaz.find("Sachsen-Anhalt").kreis is None


def test_a_genitive_names_the_place(gaz: Gazetteer) -> None:
    region = gaz.find("Welcher Anteil der Fläche des Saalekreises ist geeignet?")
    assert region is not None and region.kreis == "Saalekreis"
    assert gaz.find("Leipzigs Wachstum") is not None
    assert gaz.find("an der Zeitzer Straße") is None  # only -s/-es, not any ending


def test_common_noun_halle_is_not_a_place(gaz: Gazetteer) -> None:
    assert gaz.find("Wir wollen eine neue Halle bauen") is None
    # but the town after it is found
    assert gaz.find("eine neue Halle in Borna").matched == "Borna"


def test_label_shows_the_chain(gaz: Gazetteer) -> None:
    assert gaz.find("Zeitz").label() == "Zeitz → Burgenlandkreis → Sachsen-Anhalt"


def test_canonical_kreis_spellings(gaz: Gazetteer) -> None:
    assert gaz.canonical_kreis("Stadt Leipzig") == "Leipzig"
    assert gaz.canonical_kreis("Landkreis Nordsachsen") == "Nordsachsen"
    assert gaz.canonical_kreis("Stadt Halle (Saale)") == "Halle (Saale)"
    assert gaz.canonical_kreis("Landkreis Leipzig") == "Landkreis Leipzig"


LAND = {
    "foerdergebiet": ["Sachsen-Anhalt", "EU"],
    "foerderart": ["Zuschuss"],
    "foerderberechtigte": ["KMU"],
    "vorhabenart": ["Investition"],
    "technologiefelder": ["Wasserstoff"],
}
BUND = {
    "foerdergebiet": ["Bund"],
    "foerderart": ["Darlehen"],
    "foerderberechtigte": ["KMU", "Großunternehmen"],
    "vorhabenart": ["Investition"],
    "technologiefelder": ["technologieoffen"],
}
LAND_PROG = programme_meta(**LAND)
BUND_PROG = programme_meta(**BUND)
REVIER_PROG = programme_meta(**BUND, landkreise=["Stadt Leipzig", "Landkreis Nordsachsen"])


def test_land_programme_only_in_its_land_even_if_eu_cofinanced() -> None:
    assert Filters(land="Sachsen-Anhalt").matches(LAND_PROG)
    assert not Filters(land="Sachsen").matches(LAND_PROG)
    assert Filters(land="Sachsen").matches(BUND_PROG)


def test_ebene_separates_bund_and_land() -> None:
    assert Filters(ebene="Bund").matches(BUND_PROG)
    assert not Filters(ebene="Bund").matches(LAND_PROG)
    assert Filters(ebene="Land").matches(LAND_PROG)


def test_landkreise_restriction_uses_canonical_names(gaz: Gazetteer) -> None:
    canon = gaz.canonical_kreis
    assert Filters(kreis="Leipzig").matches(REVIER_PROG, canon)
    assert Filters(kreis="Nordsachsen").matches(REVIER_PROG, canon)
    assert not Filters(kreis="Burgenlandkreis").matches(REVIER_PROG, canon)


def test_studies_pass_region_filters_but_not_programme_filters() -> None:
    study = StudyMeta()
    assert Filters(land="Thüringen").matches(study)
    assert not Filters(foerderart="Zuschuss").matches(study)
    assert not Filters(dokumenttyp="Programm").matches(study)
    assert Filters(dokumenttyp="Studie").matches(study)
    assert not Filters(dokumenttyp="Text").matches(study)
    assert Filters(dokumenttyp="Text").matches(TextMeta())


def test_field_filters() -> None:
    assert Filters(foerderart="Zuschuss").matches(LAND_PROG)
    assert not Filters(foerderart="Darlehen").matches(LAND_PROG)
    assert Filters(technologiefeld="Wasserstoff").matches(BUND_PROG)  # offen
    assert not Filters(foerderberechtigte="Großunternehmen").matches(LAND_PROG)


def test_invalid_filter_value_names_the_field() -> None:
    with pytest.raises(ConfigError, match="land"):
        Filters(land="Bayern")
    with pytest.raises(ConfigError, match="technologiefeld"):
        Filters(technologiefeld="Raumfahrt")


def test_filter_choices_come_from_the_metadata_vocabularies() -> None:
    assert FILTER_CHOICES["land"] == LAENDER == ("Sachsen", "Sachsen-Anhalt", "Thüringen")
    assert FILTER_CHOICES["dokumenttyp"] == DOKUMENTTYP == ("Programm", "Studie", "Text")
    assert set(FILTER_CHOICES) <= set(FILTER_LABELS)


def test_funding_level_detection() -> None:
    assert funding_level("Gibt es Zuschüsse vom Bund?") == "Bund"
    assert funding_level("Welche Landesförderung gibt es?") == "Land"
    assert funding_level("Welche Förderung gibt es?") is None


def test_condense_carries_region_and_programme(gaz: Gazetteer) -> None:
    history = ["Welche Investitionsförderung gibt es für ein Unternehmen in Weißenfels?"]
    out = condense("Und wie hoch ist dort der Fördersatz?", history, gaz)
    assert "Weißenfels" in out
    out = condense("Wer ist dafür die Antragsstelle?", ["Gibt es Zuschüsse für Wärmenetze?"], gaz)
    assert "Wärmenetze" in out
    standalone = "Welche Programme fördern Wasserstoffprojekte in Leuna im Jahr 2026 konkret?"
    assert condense(standalone, history, gaz) == standalone
    assert condense("Und dort?", [], gaz) == "Und dort?"


def test_in_domain_funding_questions_get_a_margin_below_the_threshold(tmp_path: Path) -> None:
    from foerderberater.advisor import Advisor
    from foerderberater.core.settings import Settings
    from foerderberater.core.types import Chunk, Hit
    from foerderberater.search.relevance import DOMAIN_MARGIN

    advisor = Advisor(Settings(index_dir=tmp_path, min_relevance=0.85))
    chunk = Chunk(1, "a.md", "a", "A", "", (0,), 0, "Text")
    just_below = [Hit(chunk, 0.03, dense_score=0.85 - DOMAIN_MARGIN / 2)]
    assert not advisor.is_relevant(just_below)
    assert advisor.is_relevant(just_below, in_domain=True)
    far_below = [Hit(chunk, 0.03, dense_score=0.85 - 2 * DOMAIN_MARGIN)]
    assert not advisor.is_relevant(far_below, in_domain=True)
    assert not advisor.is_relevant([])


def test_university_context_marks_halle_as_a_place(gaz: Gazetteer) -> None:
    assert gaz.find("Projekt mit der Uni Halle").kreis == "Halle (Saale)"


def test_a_place_is_taken_out_of_the_search_words() -> None:
    region = Gazetteer.load().locate("Bäckerei in Naumburg")
    assert region is not None
    assert region.strip_from("Eine Bäckerei in Naumburg braucht einen Ofen").split() == [
        "Eine",
        "Bäckerei",
        "in",
        "braucht",
        "einen",
        "Ofen",
    ]
    saale = Gazetteer.load().locate("im Saalekreis")
    assert saale is not None and "Saalekreis" not in saale.strip_from("Firmen des Saalekreises")


def test_federal_money_asks_for_federal_programmes() -> None:
    from foerderberater.search.relevance import funding_level

    assert funding_level("Gibt es Bundesgeld für eine Fertigung im Saalekreis?") == "Bund"
