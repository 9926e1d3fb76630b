"""List answers from table rows, the document's own title words, and questions whose answer
the corpus itself says it does not have."""

from __future__ import annotations

import datetime as dt

import pytest

from foerderberater.advisor import Advisor
from foerderberater.answer.evidence import Evidence, EvidenceScorer, pick
from foerderberater.answer.intent import Intent, classify
from foerderberater.answer.scope import asked_nouns
from foerderberater.answer.unstated import disclaims, unstated_figure
from foerderberater.core.settings import Settings
from foerderberater.index.analysis import GermanAnalyzer
from foerderberater.index.sentences import Sentence

pytest_plugins = ("pg_fixtures",)
TODAY = dt.date(2026, 11, 25)


def _sentences(texts: list[str]) -> list[Sentence]:
    return [Sentence(i, "d", 0, 2, "Ergebnisse", i, t) for i, t in enumerate(texts)]


def test_table_rows_after_an_announcing_sentence_are_quoted_as_the_list() -> None:
    analyzer = GermanAnalyzer()
    question = "Welche vier Zukunftsfelder legt der Kompass fest?"
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    long_cell = "Verwandte Digests: " + ", ".join(["Technologiefeldanalyse"] * 4)
    sentences = _sentences(
        [
            "Der Kompass konzentriert sich auf vier Zukunftsfelder mit großem Potenzial.",
            "Zu jedem Handlungsfeld gibt es zusätzlich einen Aktionsplan.",  # between
            f"Zukunftsfeld: Wasserstoff · Anknüpfung: Chemiestandorte · {long_cell}",
            f"Zukunftsfeld: Bioökonomie · Anknüpfung: Landwirtschaft · {long_cell}",
            f"Zukunftsfeld: Cybersicherheit · Anknüpfung: IKT-Wirtschaft · {long_cell}",
            f"Zukunftsfeld: Industriekultur · Anknüpfung: 331 Orte · {long_cell}",
            "Welche Projekte der Kompass festlegt, ist nicht belegt.",
        ]
    )
    best = pick(scorer.rank(sentences, [0.0] * len(sentences), prior=0.0), 1)[0]
    text = best.sentence.text
    assert best.span == 5 and text.startswith("Der Kompass konzentriert")
    for field in ("Wasserstoff", "Bioökonomie", "Cybersicherheit", "Industriekultur"):
        assert f"Zukunftsfeld: {field} ·" in text
    assert "Aktionsplan" not in text and "nicht belegt" not in text
    assert "Verwandte Digests" not in text  # a row is quoted by its first cells, then "…"
    assert text.count("· …") == 4


def test_the_documents_own_title_words_do_not_pick_the_sentence() -> None:
    analyzer = GermanAnalyzer()
    question = "Welche Orte untersuchte die Industriekultur-Studie als Modellstandorte?"
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    sentences = _sentences(
        [
            "Die Industriekultur-Studie ist eine Studie zur Industriekultur.",
            "Als Modellstandorte untersuchte sie Grimma und Helbra.",
        ]
    )
    title = "Industriekultur in Mitteldeutschland – Studie"
    plain = scorer.rank(sentences, [0.0, 0.0], prior=0.0)
    in_doc = scorer.rank(sentences, [0.0, 0.0], prior=0.0, title=title)
    singles = [e for e in in_doc if e.span == 1]
    assert singles[0].sentence.text.startswith("Als Modellstandorte")
    first = {e.sentence.text: e.lexical for e in plain}[sentences[0].text]
    assert {e.sentence.text: e.lexical for e in in_doc}[sentences[0].text] < first


@pytest.mark.parametrize(
    ("question", "text", "intents", "expected"),
    [
        (
            "Welchen Zinssatz hat das Darlehen?",
            "Zinssatz und Sicherheiten nennt die gesichtete Quelle nicht – bitte bei der IB "
            "erfragen.",
            (),
            True,
        ),
        (
            "Wie viel Prozent gibt der Bonus nach der Richtlinie ab 2024, und der Höchstbetrag?",
            "Für die Richtlinie ab 2024 sind Fördersatz und Höchstbetrag in den Quellen nicht "
            "genannt. Zur Orientierung: Bisher gab es 50 % und höchstens 15.000 Euro.",
            (Intent.RATE, Intent.AMOUNT),
            True,
        ),
        (  # the date answers the deadline question; the disclaimer is about something else
            "Wann war der Stichtag?",
            "Der Stichtag war der 6. Dezember 2024; ob neue Aufrufe folgen, ist nicht belegt.",
            (Intent.DEADLINE,),
            False,
        ),
        (
            "Welchen Anteil haben umgestellte Leitungen?",
            "Kennwert: Anteil · Basisstudie: k. A. · Folgestudie: rd. 51 %",
            (Intent.RATE,),
            False,
        ),
        (  # a study question is answered by the figure next to the redaction's remark
            "Mit welcher jährlichen Kostensteigerung rechnet die Studie?",
            "Für die Folgejahre sei mit Kostensteigerungen von zehn Prozent pro Jahr zu rechnen. "
            "Die Tabelle rechnet das fort; das ist keine Angabe der Studie.",
            (Intent.STUDY,),
            False,
        ),
        ("Wie viele Orte zählt die Studie?", "Die Studie zählt 331 Orte.", (Intent.STUDY,), False),
    ],
)
def test_a_sentence_that_says_the_sources_lack_the_fact(
    question: str, text: str, intents: tuple[Intent, ...], expected: bool
) -> None:
    analyzer = GermanAnalyzer()
    asked = set(analyzer.terms(question))
    overlap = lambda part: len(asked & set(analyzer.terms(part)))  # noqa: E731
    assert disclaims(text, intents, "wie viele" in question.lower(), overlap) is expected


def test_a_disclaiming_clause_counts_when_it_matches_the_question_best() -> None:
    analyzer = GermanAnalyzer()

    def overlap_with(question: str):  # noqa: ANN202
        asked = set(analyzer.terms(question))
        return lambda part: len(asked & set(analyzer.terms(part)))

    stark = (
        "Die 90 % beziehen sich auf die Kategorien 1–11; für die Investitionsförderung in "
        "Kategorie 12 nennen die genutzten Quellen keinen Fördersatz."
    )
    rate_q = "Wie viel Prozent gibt es in Kategorie 12 für eine Fabrik?"
    assert disclaims(stark, (Intent.RATE,), overlap=overlap_with(rate_q))
    call = (
        "Der Skizzenstichtag in Kategorie 12 war der 6. Dezember 2024; ob und wann neue Aufrufe "
        "folgen, ist in den Quellen nicht belegt."
    )
    date_q = "Wann war der Skizzenstichtag in Kategorie 12?"
    assert not disclaims(call, (Intent.DEADLINE,), overlap=overlap_with(date_q))


def test_a_fee_under_another_name_is_the_fee_the_corpus_lacks() -> None:
    def ev(text: str) -> Evidence:
        return Evidence(_sentences([text])[0], 1.0, 0.5, 0.8, ())

    analyzer = GermanAnalyzer()
    lacking = [ev("Entgelte und Bearbeitungsgebühren nennen die gesichteten Quellen nicht.")]
    question = "Was kostet eine Landesbürgschaft an Bürgschaftsprovision pro Jahr?"
    assert unstated_figure(
        question, [ev("Bürgschaften bis 10 Mio. Euro."), *lacking], analyzer.stem
    )
    stated = [ev("Das Entgelt beträgt 1 % pro Jahr."), *lacking]
    assert not unstated_figure(question, stated, analyzer.stem)


def test_every_asked_figure_of_a_double_question_is_read() -> None:
    question = "Was kostet die Bürgschaft der TAB – wie hoch ist das jährliche Entgelt in Prozent?"
    assert asked_nouns(question) == ["Bürgschaft", "Entgelt"]


@pytest.fixture(scope="module")
def advisor(starter_index: Settings, fake) -> Advisor:
    return Advisor(starter_index.with_overrides(min_relevance=0.0), embedder=fake)


def test_a_detail_the_corpus_says_it_lacks_is_answered_as_partial(advisor: Advisor) -> None:
    answer = advisor.ask(
        "Welchen Zinssatz hat das IB-Digitalisierungsdarlehen aktuell?", today=TODAY
    )
    assert answer.partial and not answer.abstained
    first, second = answer.text.splitlines()[:2]
    assert "nennen diese Angabe nicht" in first
    assert "Zinssatz" in second and "nicht" in second and second.endswith("[1]")
    assert answer.sources[0].slug == "ib-digitalisierungsdarlehen-sachsen-anhalt"


def test_model_sites_of_a_study_are_listed_from_its_table(advisor: Advisor) -> None:
    answer = advisor.ask(
        "Welche Modellstandorte wurden in der Industriekultur-Studie untersucht?", today=TODAY
    )
    for town in ("Grimma", "Greiz", "Helbra", "Schmölln"):
        assert town in answer.text
    assert answer.sources[0].slug == "industriekultur" and not answer.partial


@pytest.mark.parametrize(
    ("question", "is_list"),
    [
        ("Welche Modellstandorte wurden untersucht?", True),
        ("In welchem Landkreis sind die Stellen am stärksten gewachsen?", True),
        ("Wie viele Werkstätten gab es, und in welchem Zeitraum?", False),
    ],
)
def test_which_questions_ask_for_a_list(question: str, is_list: bool) -> None:
    scorer = EvidenceScorer(question, classify(question), GermanAnalyzer().terms, {})
    assert scorer.asks_list is is_list


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("Ich führe eine Steuerberatungskanzlei. Bekommen wir den Zuschuss?", "beratend tätig"),
        ("Bin Architektin (Freiberuflerin). Geht die Beteiligung für mich?", "Freien Berufe"),
        ("Wir sind ein Einzelhandelsgeschäft. Dürfen Händler einen Antrag stellen?", "Handel"),
        ("Hab vor drei Jahren meinen Master gemacht. Kann ich mich noch bewerben?", "Absolventen"),
    ],
)
def test_the_askers_group_finds_the_rule_about_that_group(question: str, rule: str) -> None:
    analyzer = GermanAnalyzer()
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    rules = [
        "Ausgeschlossen sind Unternehmen in Schwierigkeiten und die Fischerei.",
        "Nicht gefördert werden Unternehmen, die selbst beratend tätig sind.",
        "Angehörige der Freien Berufe sind ausgeschlossen.",
        "Nicht antragsberechtigt ist der Handel.",
        "Absolventen sind bis fünf Jahre nach dem Abschluss antragsberechtigt.",
    ]
    ranked = scorer.rank(_sentences(rules), [0.0] * len(rules), prior=0.0)
    best = [e for e in ranked if e.span == 1][0]
    assert rule in best.sentence.text
