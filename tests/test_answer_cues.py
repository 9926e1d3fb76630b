"""Question cues that steer the answer: intents after a line about the asker, the asked kind of
funding, and a rate/amount entry the question names by its category."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import programme_meta

from foerderberater.answer.compose import order_documents
from foerderberater.answer.direct import direct_facts, matching_terms, names_label, term_quotes
from foerderberater.answer.engine import FUNDING, STUDY_REFERENCE
from foerderberater.answer.evidence import EvidenceScorer, pick
from foerderberater.answer.intent import Intent, classify
from foerderberater.core.types import Chunk, Hit
from foerderberater.index.analysis import GermanAnalyzer
from foerderberater.index.sentences import Sentence
from foerderberater.search.relevance import asked_kinds

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Wir sind ein Weingut. Dürfen unsere Leute das Programm nutzen?", Intent.ELIGIBILITY),
        ("Stadtwerke hier: Können wir als Eigenbetrieb den Kredit aufnehmen?", Intent.ELIGIBILITY),
        ("Wir planen 9 Wohnungen. Geht das über die BEW?", Intent.ELIGIBILITY),
        ("Gibt es den Kredit auch allein, ohne den Zuschuss?", Intent.COMBINATION),
        ("Wo bringen wir als Landkreis den Projektantrag ein?", Intent.ROUTE),
        (
            "Architekt in Leipzig: Komme ich für eine stille Beteiligung der MBG in Frage?",
            Intent.ELIGIBILITY,
        ),
        ("Wir haben 140 Mitarbeiter. Kommen wir noch an die Gutscheine?", Intent.ELIGIBILITY),
        ("Ich bleibe angestellt. Steht mir der Bonus trotzdem zu?", Intent.ELIGIBILITY),
        ("Welchen Förderanteil kriegen wir als Netzwerk?", Intent.RATE),
        ("Was springt beim Meisterbonus für mich raus?", Intent.AMOUNT),
        ("Ich will ein Café aufmachen. Gibt das BAFA da was dazu?", Intent.ELIGIBILITY),
        ("Wo reicht man da die Skizze ein?", Intent.ROUTE),
        ("Welchen Antrag müssen wir für die Beratung stellen?", Intent.ROUTE),
        ("Wir haben StartGeld. Geht dafür noch zusätzlich der Kredit 270?", Intent.COMBINATION),
        ("Was bekommt ein Stadtwerk im Modul 1 für eine Machbarkeitsstudie?", Intent.AMOUNT),
        (
            "Wir sind Händler. Dürfen Händler bei InnoInvest einen Antrag stellen?",
            Intent.ELIGIBILITY,
        ),
        ("Wir haben einen Prototyp. Passt das für uns?", Intent.ELIGIBILITY),
        ("Gibt's da eine Mindestsumme für die Investition?", Intent.AMOUNT),
        ("Gibt es in Sachsen-Anhalt eigentlich EU-Mittel für den Kohleausstieg?", Intent.OVERVIEW),
        (
            "GRW ist bewilligt. Gibt es für dieselbe Investition noch Mittel aus dem InvKG?",
            Intent.COMBINATION,
        ),
    ],
)
def test_intents_after_a_line_about_the_asker(question: str, intent: Intent) -> None:
    assert intent in classify(question).intents


def test_financing_the_rest_with_a_loan_is_a_combination_question() -> None:
    question = "Wir kriegen einen GRW-Zuschuss. Können wir den Rest über ein Darlehen finanzieren?"
    assert classify(question).intents == {Intent.COMBINATION}  # not "may we?"
    assert Intent.ELIGIBILITY in classify("Können wir als Verein das Darlehen nehmen?").intents


def test_the_askers_head_count_is_checked_against_the_programmes_limit() -> None:
    meta = programme_meta(max_beschaeftigte=49)
    question = "Wir haben 60 Mitarbeiter. Kommen wir für das StartGeld noch in Frage?"
    facts = direct_facts(meta, classify(question), kreis=None, land=None, today=TODAY, title_of={})
    assert facts[0] == "höchstens 49 Beschäftigte – mit 60 liegen Sie darüber"
    small = "Wir sind 12 Leute. Dürfen wir das StartGeld beantragen?"
    facts = direct_facts(meta, classify(small), kreis=None, land=None, today=TODAY, title_of={})
    assert facts[0] == "höchstens 49 Beschäftigte – mit 12 passt das"


def test_a_land_programme_asked_for_from_another_land_says_so() -> None:
    meta = programme_meta(foerdergebiet=["Sachsen"], landkreise=[])
    question = "Metallbau in Zeitz: Gilt Regionales Wachstum auch für uns?"
    facts = direct_facts(
        meta,
        classify(question),
        kreis="Burgenlandkreis",
        land="Sachsen-Anhalt",
        today=TODAY,
        title_of={},
    )
    assert (
        facts[0] == "Standort Burgenlandkreis (Sachsen-Anhalt): liegt nicht im Fördergebiet Sachsen"
    )


def test_the_asked_kind_of_funding_is_read() -> None:
    assert asked_kinds("Welche Investitionszuschüsse gibt es?") == {"Zuschuss"}
    assert asked_kinds("Wer gibt Risikokapital?") == {"Beteiligung"}
    assert asked_kinds("Brauchen wir einen Kredit oder eine Bürgschaft?") == {
        "Darlehen",
        "Bürgschaft",
    }
    assert asked_kinds("Was passt zu uns?") == frozenset()
    assert asked_kinds("Wer bietet kostenlose Beratung zur Digitalisierung?") == {"Beratung"}
    # a consultation the asker wants paid for is the project, the funding is a grant
    assert asked_kinds("Wie viel Prozent zahlt das BAFA je Beratung?") == frozenset()


def _hit(slug: str, score: float, art: str, **meta_fields: object) -> Hit:
    doc_id = f"programme/{slug}.md"
    chunk = Chunk(Chunk.make_id(doc_id, 0, slug), doc_id, slug, slug, "", (0,), 0, slug)
    meta = programme_meta(titel=slug, foerderart=[art], foerdergebiet=["Bund"], **meta_fields)
    return Hit(chunk, score, 0.9, 1.0, 1, 1, meta)


def test_programmes_of_the_asked_kind_move_up() -> None:
    hits = [_hit("kredit", 0.050, "Darlehen"), _hit("zuschuss", 0.047, "Zuschuss")]
    plain = order_documents(hits, funding=True, today=TODAY, land=None, land_boost=0)
    assert plain[0] == "programme/kredit.md"
    asked = order_documents(
        hits, funding=True, today=TODAY, land=None, land_boost=0, kinds=frozenset({"Zuschuss"})
    )
    assert asked[0] == "programme/zuschuss.md"
    # a study question is not reordered by funding kinds
    study = order_documents(
        hits, funding=False, today=TODAY, land=None, land_boost=0, kinds=frozenset({"Zuschuss"})
    )
    assert study[0] == "programme/kredit.md"


START_LOAN = programme_meta(
    foerderart=["Darlehen"],
    foerdersaetze=[
        {
            "art": "Darlehen",
            "satz_prozent": 100,
            "betrag_max_eur": 125000,
            "bezug": "Finanzierungsbedarf",
            "beleg": "Darlehen bis 100 % des Bedarfs, höchstens 125.000 Euro",
        },
        {
            "art": "Darlehen",
            "betrag_max_eur": 50000,
            "bezug": "Kredit",
            "kategorie": "Betriebsmittel",
            "beleg": "davon höchstens 50.000 Euro für Betriebsmittel",
        },
    ],
    max_betrag_eur=125000,
)


def test_an_entry_named_by_its_category_answers_first() -> None:
    question = "Und wie viel davon darf für Betriebsmittel sein?"
    intent = classify(question)
    assert Intent.AMOUNT in intent.intents
    entries = matching_terms(
        START_LOAN, intent, kreis=None, land=None, canon=str, question=question
    )
    assert entries[0].kategorie == "Betriebsmittel"
    quotes = term_quotes(START_LOAN, intent, kreis=None, land=None, canon=str, question=question)
    assert quotes[0] == "davon höchstens 50.000 Euro für Betriebsmittel"
    facts = direct_facts(
        START_LOAN, intent, kreis=None, land=None, today=TODAY, title_of={}, question=question
    )
    assert facts[0].startswith("Betriebsmittel: höchstens 50.000 €")
    # without the category word the general cap leads
    other = "Wie viel Kredit gibt es höchstens?"
    facts = direct_facts(
        START_LOAN, classify(other), kreis=None, land=None, today=TODAY, title_of={}, question=other
    )
    assert facts[0].startswith("Höchstbetrag: 125.000 €")
    assert (
        matching_terms(START_LOAN, classify(other), kreis=None, land=None, canon=str)[0].kategorie
        is None
    )


def test_an_expired_programme_is_demoted_only_for_funding_questions() -> None:
    old = _hit("vertrag", 0.050, "Zuschuss", antragsfrist="2025-12-01")
    hits = [old, _hit("offen", 0.045, "Zuschuss")]
    assert order_documents(hits, funding=True, today=TODAY, land=None, land_boost=0)[0] == (
        "programme/offen.md"
    )
    assert order_documents(hits, funding=False, today=TODAY, land=None, land_boost=0)[0] == (
        "programme/vertrag.md"
    )


def _sentences(texts: list[str]) -> list[Sentence]:
    return [Sentence(i, "d", 0, 2, "Ergebnisse", i, t) for i, t in enumerate(texts)]


def test_a_list_question_quotes_the_announced_items() -> None:
    analyzer = GermanAnalyzer()
    question = "Was empfiehlt die Studie gegen den Fachkräftemangel?"
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    sentences = _sentences(
        [
            "Gegen den Fachkräftemangel empfiehlt die Studie zwei Stränge.",
            "Erstens ein gemeinsames Marketing für die Region.",
            "Zweitens eine abgestimmte Weiterbildung.",
            "Die Metropolregion will die Vorschläge weiter ausarbeiten.",
        ]
    )
    best = pick(scorer.rank(sentences, [0.0] * 4, prior=0.0), 1)[0]
    assert best.span == 3
    assert "Marketing" in best.sentence.text and "Weiterbildung" in best.sentence.text
    assert "ausarbeiten" not in best.sentence.text  # two items announced, two quoted
    # a question for one fact keeps single sentences
    single = EvidenceScorer(
        "Wie heißt die Studie?", classify("Wie heißt die Studie?"), analyzer.terms, {}
    )
    assert all(e.span <= 2 for e in single.rank(sentences, [0.0] * 4, prior=0.0))


def test_a_why_question_finds_the_sentence_that_names_the_obstacle() -> None:
    analyzer = GermanAnalyzer()
    question = "Was hält Betriebe davon ab, Förderprogramme zu nutzen?"
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    sentences = _sentences(
        [
            "Einzelne Betriebe setzen Förderprogramme erfolgreich ein.",
            "In der Breite hindern fehlende Kapazitäten die Betriebe an der Nutzung.",
        ]
    )
    ranked = [e for e in scorer.rank(sentences, [0.0] * 2, prior=0.0) if e.span == 1]
    assert ranked[0].sentence.text.startswith("In der Breite hindern")


@pytest.mark.parametrize(
    "question",
    [
        "Kleiner Handwerksbetrieb in Schmölln, wir wollen digitalisieren. Was gibt's da für uns?",
        "Wir bauen eine Halle in Zeitz. Was können wir da beantragen?",
    ],
)
def test_what_is_there_for_us_asks_for_an_overview(question: str) -> None:
    assert classify(question).has(Intent.OVERVIEW)


def test_a_head_count_in_full_time_staff_is_read() -> None:
    assert classify("Maschinenbau in Zeitz, 120 Vollzeitkräfte.").asker.employees == 120


def test_a_takeover_short_of_collateral_is_a_funding_question() -> None:
    assert FUNDING.search("Übernehme einen Salon, die Bank will mehr Sicherheiten als ich hab.")


def test_a_feasibility_study_is_what_a_programme_pays_for() -> None:
    assert not STUDY_REFERENCE.search("Was bekommt ein Stadtwerk für eine Machbarkeitsstudie?")


def test_an_asker_who_has_started_is_told_the_start_rule() -> None:
    meta = programme_meta(antrag_vor_vorhabenbeginn=True)
    question = "Wir haben schon im Januar losgelegt. Können wir nachträglich noch beantragen?"
    facts = direct_facts(
        meta, classify(question), kreis=None, land=None, today=TODAY, title_of={}, question=question
    )
    assert "Antrag vor Vorhabenbeginn – das Vorhaben darf noch nicht begonnen haben" in facts


def test_a_business_developer_is_no_funding_word() -> None:
    assert not FUNDING.search("Wir sind Wirtschaftsförderer. Wie stark sinkt die Zahl der Jobs?")
    assert not FUNDING.search("Wie viele Werkstätten gab es im Beteiligungsprozess?")
    assert FUNDING.search("Welche Förderung gibt es?")
    assert FUNDING.search("Welche Gesellschaft beteiligt sich an jungen Firmen?")
    assert FUNDING.search("Gibt es EU-Mittel für den Kohleausstieg?")
    assert STUDY_REFERENCE.search("Wie viele Menschen arbeiten laut iit-Analyse in der Kohle?")


def test_running_costs_name_the_working_capital_entry() -> None:
    entry = programme_meta(
        foerdersaetze=[
            {
                "art": "Darlehen",
                "bezug": "Kredit",
                "kategorie": "Betriebsmittel",
                "betrag_max_eur": 50000,
                "beleg": "x",
            }
        ]
    ).foerdersaetze[0]
    assert names_label(entry, "Wie viel davon für laufende Kosten wie Miete und Personal?")
    assert not names_label(entry, "Wie viel davon für eine Maschine?")


def test_a_question_citing_a_study_is_no_funding_question() -> None:
    assert STUDY_REFERENCE.search("Was hält Betriebe laut der Handwerksstudie davon ab?")
    assert STUDY_REFERENCE.search("Welche Förderung empfiehlt die Studie?")
    assert not STUDY_REFERENCE.search("Welche Förderung gibt es für Studierende?")


def test_a_site_question_says_whether_the_district_is_in_the_programme_area() -> None:
    question = "Wir sitzen in Sangerhausen. Liegen wir im Fördergebiet?"
    intent = classify(question)
    assert Intent.ELIGIBILITY in intent.intents
    meta = programme_meta(landkreise=["Landkreis Mansfeld-Südharz", "Saalekreis"])

    def canon(name: str) -> str:
        return name.removeprefix("Landkreis ")

    inside = direct_facts(
        meta,
        intent,
        kreis="Mansfeld-Südharz",
        land="Sachsen-Anhalt",
        today=TODAY,
        title_of={},
        canon=canon,
    )
    assert inside[0] == "Standort Mansfeld-Südharz: liegt im Fördergebiet"
    outside = direct_facts(
        meta,
        intent,
        kreis="Burgenlandkreis",
        land="Sachsen-Anhalt",
        today=TODAY,
        title_of={},
        canon=canon,
    )
    assert outside[0] == "Standort Burgenlandkreis: liegt nicht im Fördergebiet"
    nowhere = direct_facts(meta, intent, kreis=None, land=None, today=TODAY, title_of={})
    assert not nowhere[0].startswith("Standort")
