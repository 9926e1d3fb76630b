"""The parts of an answer: intent, programme names, gaps, sentences, evidence ranking."""

from __future__ import annotations

import pytest
from conftest import programme_meta

from foerderberater.answer.evidence import EvidenceScorer, features_of, pick
from foerderberater.answer.intent import Intent, classify, read_asker
from foerderberater.answer.scope import Gap, ScopeData, find_gaps, missing_quantity
from foerderberater.core.types import Document, Page
from foerderberater.index.analysis import GermanAnalyzer, fold
from foerderberater.index.sentences import (
    STECKBRIEF,
    Sentence,
    document_sentences,
    flag_boilerplate,
)
from foerderberater.search.catalogue import Catalogue, Named


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wie viel Prozent Zuschuss gibt es über die GRW?", {Intent.RATE, Intent.AMOUNT}),
        ("Bis zu welchem Betrag zahlt InnoInvest einen Zuschuss?", {Intent.AMOUNT}),
        ("Bis wann kann man bei der BEW noch Anträge stellen?", {Intent.DEADLINE}),
        ("Gibt es da eine Antragsfrist?", {Intent.DEADLINE}),
        ("Wo beantrage ich die EEW?", {Intent.ROUTE}),
        ("Kann ich ZIM und die Forschungszulage gleichzeitig nutzen?", {Intent.COMBINATION}),
        (
            "Darf ein Unternehmen in Schwierigkeiten den Digitalbonus beantragen?",
            {Intent.ELIGIBILITY},
        ),
        ("Was sind CO2-Differenzverträge?", {Intent.DEFINITION}),
        ("Welche Förderprogramme kommen für uns in Frage?", {Intent.OVERVIEW}),
        ("Wie viele Orte der Industriekultur hat die Studie gezählt?", {Intent.STUDY}),
    ],
)
def test_intents_are_recognised(question: str, expected: set[Intent]) -> None:
    assert expected <= classify(question).intents


def test_a_question_without_cues_has_no_fact_intent() -> None:
    assert not classify("Erzähl mir etwas über das Revier").facts


@pytest.mark.parametrize(
    ("text", "employees", "size"),
    [
        ("Wir haben 14 Mitarbeiter in Leipzig", 14, "klein"),
        ("Mittelständler mit 120 Beschäftigten", 120, "mittel"),
        ("ein großes Chemieunternehmen mit über 800 Leuten", 800, "gross"),
        ("ein kleines Unternehmen aus Sachsen-Anhalt", None, "klein"),
        ("Wir sind ein Konzern", None, "gross"),
    ],
)
def test_the_askers_size_is_read(text: str, employees: int | None, size: str) -> None:
    asker = read_asker(text)
    assert (asker.employees, asker.size) == (employees, size)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    docs = [
        Named("p/zim.md", "zim", "Zentrales Innovationsprogramm Mittelstand (ZIM)", "ZIM"),
        Named("p/stark.md", "stark", "STARK – Transformationsdynamik", "STARK"),
        Named("p/kfw.md", "kfw-270", "KfW-Programm Erneuerbare Energien (Kredit 270)", "KfW 270"),
        Named("p/grw-sn.md", "grw-sachsen", "GRW – Sachsen", "GRW Sachsen (RIGA)"),
        Named("p/grw-st.md", "grw-sachsen-anhalt", "GRW – Sachsen-Anhalt", "GRW Sachsen-Anhalt"),
        Named("p/erp.md", "erp", "ERP-Kredit", "ERP-Förderkredit Digitalisierung / Innovation"),
    ]
    return Catalogue(docs, is_common=lambda w: w in {"innovation", "sachsen"})


def test_programmes_are_found_by_short_name_and_title(catalogue: Catalogue) -> None:
    assert catalogue.find("Bei wem reiche ich einen ZIM-Antrag ein?") == ["p/zim.md"]
    assert catalogue.find("Wir finanzieren mit dem KfW-Kredit 270") == ["p/kfw.md"]
    assert catalogue.find("Welche Förderquote hat STARK?") == ["p/stark.md"]


def test_two_different_names_are_both_found_longest_first(catalogue: Catalogue) -> None:
    question = "Kann ich ZIM mit dem ERP-Förderkredit Digitalisierung kombinieren?"
    assert catalogue.find(question) == ["p/erp.md", "p/zim.md"]
    # "GRW" inside "GRW Sachsen-Anhalt" names no second programme
    assert catalogue.find("Gilt die GRW Sachsen-Anhalt in Zeitz?") == ["p/grw-st.md"]


def test_names_match_inflected_numbered_and_without_their_land() -> None:
    docs = [
        Named(
            "p/mb.md",
            "meisterbonus-sachsen",
            "Sächsischer Meisterbonus – Prämie",
            "Meisterbonus Sachsen",
        ),
        Named("p/kfw.md", "kfw-270", "KfW-Programm Erneuerbare Energien", "KfW 270"),
    ]
    cat = Catalogue(docs)
    assert cat.find("Steht mir der sächsische Meisterbonus zu?") == ["p/mb.md"]
    assert cat.find("Wie hoch ist der Meisterbonus?") == ["p/mb.md"]
    assert cat.find("Kann die Gemeinde den KfW-270er beantragen?") == ["p/kfw.md"]
    assert cat.find("Wir fallen nicht unter den Meisterbonus. Was gibt es sonst?") == []
    assert cat.find("Der Meisterbonus passt wohl nicht für uns – was dann?") == []
    assert cat.find("Der Meisterbonus hilft uns als Händler ja nicht. Was dann?") == []
    assert cat.find("Passt der Meisterbonus nicht auch für uns?") == ["p/mb.md"]
    # the name without its Land does not stand for another Land's programme
    assert cat.find("Gibt es einen Meisterbonus in Thüringen?") == []


def test_a_slug_spelt_without_umlauts_matches_the_name_with_them() -> None:
    docs = [Named("p/fti.md", "fti-thueringen", "Förderung FTI", "FTI-Thüringen TECHNOLOGIE")]
    assert Catalogue(docs).find("Wie viel Prozent gibt FTI-Thüringen?") == ["p/fti.md"]


def test_acronyms_match_case_sensitively(catalogue: Catalogue) -> None:
    assert catalogue.find("In welchen Feldern ist die Region besonders stark?") == []


def test_ordinary_words_name_no_programme(catalogue: Catalogue) -> None:
    assert catalogue.find("Wie viel Prozent der Fläche in der Innovationsregion?") == []


def test_a_shared_head_returns_every_programme(catalogue: Catalogue) -> None:
    assert catalogue.find("Wie hoch ist der GRW-Zuschuss?") == ["p/grw-sn.md", "p/grw-st.md"]
    assert catalogue.find("GRW in Sachsen-Anhalt") == ["p/grw-st.md"]


def _gaps(question: str, covered_place: bool = False) -> list[Gap]:
    known = {"grw", "zim", "sab", "leipzig", "halle"}
    return find_gaps(
        question,
        covered_place=covered_place,
        known=lambda w: fold(w) in known,
        data=ScopeData.load(),
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Was fördert die NRW.BANK bei Gründungen in Köln?", "land"),
        ("Gibt es den bayerischen Digitalbonus auch für uns?", "land"),
        ("Welche Start-up-Förderung bietet die L-Bank in Baden-Württemberg?", "land"),
        ("Wie hoch ist der Gewerbesteuer-Hebesatz in Zeitz?", "topic"),
        ("Welchen Zuschuss hat Porsche für sein Werk aus der GRW erhalten?", "award"),
        ("Wie viel Förderung hat die MIBRAG für ihre Solarparks bekommen?", "award"),
        ("Presseanfrage: Wie viel GRW-Förderung war für das Intel-Werk zugesagt?", "award"),
        (
            "Wie viel Fördergeld hat Romonta in Amsdorf für die Umstellung nach dem "
            "Kohleausstieg bekommen?",
            "award",
        ),
        ("Was kostet der Anschluss an ProFIT?", "unknown_name"),
    ],
)
def test_gaps_are_named(question: str, kind: str) -> None:
    assert kind in {g.kind for g in _gaps(question)}


@pytest.mark.parametrize(
    "question",
    [
        "Unsere Stadt hat für die Sanierung schon Geld aus einem Bundesprogramm zugesagt bekommen. "
        "Geht noch mehr?",
        "Wir haben als GbR eine App entwickelt. Kann die bm|t einsteigen?",
        "Welche Zuschüsse gibt es für eine Halle in Leipzig?",
        "Wie beantrage ich die GRW bei der SAB?",
        "Welchen Zuschuss haben wir bei ZIM bekommen können?",
    ],
)
def test_covered_questions_have_no_gap(question: str) -> None:
    assert _gaps(question, covered_place=True) == []


def test_another_land_is_no_gap_when_a_covered_place_is_named() -> None:
    gaps = _gaps("Wir ziehen von Bayern nach Leipzig – welche GRW gilt?", covered_place=True)
    assert "land" not in {g.kind for g in gaps}


def test_a_quantity_the_study_never_names_is_a_gap() -> None:
    words = {"orte", "industriekultur", "tourismus", "beschaftigte"}
    analyzer = GermanAnalyzer()
    gap = missing_quantity("Wie viele Besucher haben die Orte?", words, fold, analyzer.stem)
    assert gap == Gap("quantity", "Besucher")
    assert missing_quantity("Wie viele Leute arbeiten dort?", words, fold, analyzer.stem) is None
    assert missing_quantity("Wie viele Orte gibt es?", words, fold, analyzer.stem) is None


def test_a_breakdown_the_study_never_names_is_a_gap() -> None:
    words = {"fachkrafte", "berufe", "jahr", "beschaftigte", "region"}
    analyzer = GermanAnalyzer()
    gap = missing_quantity(
        "Wie viele Fachkräfte fehlen für Pflegeberufe?", words, fold, analyzer.stem
    )
    assert gap == Gap("quantity", "Pflegeberufe")
    asked = "Wie viele Fachkräfte fehlen pro Jahr?"
    assert missing_quantity(asked, words, fold, analyzer.stem) is None
    # the asker's own context is no breakdown of the figure
    asked = "Ich schreibe für die Lokalzeitung: Wie viele Fachkräfte fehlen?"
    assert missing_quantity(asked, words, fold, analyzer.stem) is None


def _programme_doc() -> Document:
    body = (
        "## Kurzbeschreibung\n\nDas Programm fördert Wärmenetze. Es richtet sich an Stadtwerke.\n\n"
        "## Art und Höhe der Förderung\n\nDer Zuschuss beträgt bis zu 40 % der förderfähigen "
        "Ausgaben. Höchstens werden 2 Mio. Euro gewährt.\n"
    )
    return Document("programme/wnf.md", "wnf", "WNF", (Page(0, body),), programme_meta(), "sha")


def test_sentences_carry_section_and_front_matter_lines() -> None:
    sentences = document_sentences(_programme_doc())
    steckbrief = [s for s in sentences if s.section == STECKBRIEF]
    assert any(s.text == "Antragsstelle: Sächsische Aufbaubank" for s in steckbrief)
    assert all(s.ordinal < 0 and s.page is None for s in steckbrief)
    body = [s for s in sentences if s.section != STECKBRIEF]
    assert [s.section for s in body[:2]] == ["Kurzbeschreibung"] * 2
    assert body[2].text.startswith("Der Zuschuss beträgt bis zu 40 %")


def test_pdf_title_block_is_not_quoted_and_pages_carry_over() -> None:
    pages = (
        Page(
            1,
            "Zusammenfassung: Studie X\nAuftraggeber Metropolregion\n\n1. Ergebnisse\n"
            "Die Studie zählt 331 Orte und beschreibt",
        ),
        Page(2, "ihre Geschichte ausführlich. Ein zweiter Satz folgt hier."),
    )
    doc = Document("studien/x.pdf", "x", "Studie X", pages, sha256="s")
    body = [s for s in document_sentences(doc) if s.section != STECKBRIEF]
    assert not any("Auftraggeber" in s.text for s in body)
    assert body[0].text == "Die Studie zählt 331 Orte und beschreibt ihre Geschichte ausführlich."
    assert body[0].page == 1
    assert body[1].page == 1  # the paragraph that started on page 1


def test_sentences_repeated_in_three_documents_are_boilerplate() -> None:
    def s(doc: str, text: str) -> Sentence:
        return Sentence(Sentence.make_id(doc, 0, text), doc, 0, 1, "A", 0, text)

    note = "Digest erstellt für den Korpus (Stand 2026-11-25)."
    per_doc = {d: [s(d, note), s(d, f"Eigene Aussage von {d}.")] for d in ("a", "b", "c")}
    flagged = flag_boilerplate(per_doc)
    assert all(x.boilerplate for d in flagged for x in flagged[d] if x.text == note)
    assert not any(x.boilerplate for d in flagged for x in flagged[d] if x.text != note)


def test_evidence_prefers_the_sentence_with_the_asked_fact() -> None:
    analyzer = GermanAnalyzer()
    question = "Wie hoch ist der Fördersatz für kleine Unternehmen?"
    scorer = EvidenceScorer(question, classify(question), analyzer.terms, {})
    texts = [
        "Das Programm fördert Investitionen kleiner Unternehmen in Sachsen.",
        "Der Fördersatz beträgt 35 % für kleine, 25 % für mittlere Unternehmen.",
        "Der Antrag ist vor Beginn des Vorhabens bei der SAB zu stellen.",
    ]
    sentences = [
        Sentence(i, "d", 0, None, "Art und Höhe der Förderung", i, t) for i, t in enumerate(texts)
    ]
    ranked = scorer.rank(sentences, [0.0] * 3, prior=0.0)
    assert ranked[0].sentence.text.startswith("Der Fördersatz beträgt 35 %")
    assert Intent.RATE in ranked[0].features
    assert len(pick(ranked, 2)) == 2


def test_features_know_dates_money_and_percentages() -> None:
    intents = [Intent.RATE, Intent.AMOUNT, Intent.DEADLINE]
    assert features_of("bis zu 50 % der Kosten", intents) == [Intent.RATE]
    assert Intent.AMOUNT in features_of("höchstens 1.750 Euro", intents)
    assert Intent.DEADLINE in features_of("Stichtag ist der 31. März 2026.", intents)


def test_engine_memoises_sentence_terms_without_changing_the_evidence(
    starter_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sentence analysis is cached per engine (ask latency); the evidence stays the same."""
    import foerderberater.answer.engine as engine_module
    from foerderberater.answer.engine import AnswerPlan
    from foerderberater.answer.setup import build_engine
    from foerderberater.index.store import open_current

    version = open_current(starter_index.index_dir)
    try:
        engine = build_engine(version)
        question = "Wie hoch ist der Fördersatz der GRW für kleine Unternehmen?"
        order = list(version.docs)[:5]

        def plan() -> AnswerPlan:
            return engine.plan(question, order, None, named=[], focus=[], region=None, land=None)

        first = plan()
        assert engine._sentence_cache  # the candidates' sentences were analysed once
        calls: list[str] = []
        analyse = engine.analyzer.terms
        monkeypatch.setattr(engine.analyzer, "terms", lambda t: calls.append(t) or analyse(t))
        second = plan()
        evidence_texts = {e.sentence.text for ev in first.evidence.values() for e in ev}
        assert evidence_texts and not evidence_texts & set(calls)  # none analysed again

        def scored(p: AnswerPlan) -> dict[str, list[tuple[str, float]]]:
            return {d: [(e.sentence.text, e.score) for e in ev] for d, ev in p.evidence.items()}

        assert scored(first) == scored(second)
        monkeypatch.setattr(engine_module, "SENTENCE_CACHE", 3)
        engine._sentence_cache.clear()
        plan()
        assert len(engine._sentence_cache) <= 3  # bounded
    finally:
        version.close()


def test_a_topic_word_describing_a_programmes_use_is_no_gap() -> None:
    def topics(question: str, programme: bool) -> set[str]:
        gaps = find_gaps(
            question,
            covered_place=True,
            known=lambda _w: True,
            data=ScopeData.load(),
            programme=programme,
        )
        return {g.kind for g in gaps}

    use = "Wie viel davon darf ich für Betriebsmittel wie Miete und Personal verwenden?"
    assert topics(use, programme=True) == set()
    assert topics(use, programme=False) == {"topic"}  # no programme: rents are the subject
    assert topics("Wie hoch ist der Hebesatz, wenn wir GRW bekommen?", programme=True) == {"topic"}


def test_a_federal_programme_named_beside_a_land_head_stays_the_subject(starter_index) -> None:
    from foerderberater.answer.setup import build_engine
    from foerderberater.index.store import open_current

    version = open_current(starter_index.index_dir)
    try:
        engine = build_engine(version)
        question = (
            "Die GRW ist bewilligt. Gibt es für dieselbe Investition noch Mittel aus dem InvKG?"
        )
        named = engine.named_in(question)
        plan = engine.plan(
            question, named, None, named=named, focus=[], region=None, land="Sachsen-Anhalt"
        )
        assert plan.about == ("programme/grw-sachsen-anhalt.md", "programme/invkg.md")
    finally:
        version.close()
