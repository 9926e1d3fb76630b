"""Answers on the starter corpus (fake embedder): the asked fact first, every line cited,
honest gaps, follow-ups, ordering and warnings."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from conftest import programme_meta

from foerderberater.advisor import Advisor
from foerderberater.answer.compose import ABSTAIN_TEXT, freshness_warnings, order_documents
from foerderberater.core.settings import Settings
from foerderberater.core.types import Chunk, Hit

pytest_plugins = ("pg_fixtures",)
TODAY = dt.date(2026, 11, 25)
CITATION = re.compile(r"\[(\d+)(?:, S\. (\d+))?\]")


@pytest.fixture(scope="module", params=["files", "postgresql"])
def advisor(request: pytest.FixtureRequest, fake) -> Advisor:
    """The same tests on the embedded files and on PostgreSQL (index built the same way)."""
    settings: Settings = request.getfixturevalue(
        "starter_index" if request.param == "files" else "starter_pg"
    )
    # the abstention threshold is calibrated for e5 similarities, not for the fake embedder
    return Advisor(settings.with_overrides(min_relevance=0.0), embedder=fake)


def ask(advisor: Advisor, question: str, history: tuple[str, ...] = ()):
    return advisor.ask(question, history=history, today=TODAY)


def test_rate_for_the_askers_size_comes_first_with_its_source(advisor: Advisor) -> None:
    answer = ask(advisor, "Wir haben 14 Mitarbeiter in Leipzig. Wie viel Prozent gibt die GRW?")
    first = answer.text.splitlines()[0]
    assert first.startswith("**GRW Sachsen") and "kleine Unternehmen" in first
    assert re.search(r"\d+ %", first) and first.endswith("[1]")
    assert answer.sources[0].slug == "grw-sachsen"
    assert "rate" in answer.intents and not answer.partial


def test_every_line_is_cited_and_every_citation_has_a_source(advisor: Advisor) -> None:
    for question in (
        "Bis wann kann man bei der BEW Anträge stellen?",
        "Welche Förderprogramme gibt es für Wasserstoff in Zeitz?",
        "Wie viele Orte der Industriekultur hat die Studie gezählt?",
    ):
        answer = ask(advisor, question)
        numbers = {s.number for s in answer.sources}
        for line in answer.text.splitlines():
            if line.endswith(":"):
                continue  # headings introduce a list, they state nothing
            cited = CITATION.findall(line)
            assert cited, f"Zeile ohne Beleg: {line!r}"
            assert {int(n) for n, _ in cited} <= numbers


def test_quotes_are_verbatim_sentences_of_the_cited_document(advisor: Advisor) -> None:
    answer = ask(advisor, "Wo beantrage ich die EEW, wenn ich einen Kredit will?")
    quotes = re.findall(r"„(.+?)“ \[1", answer.text)
    assert quotes and answer.sources[0].slug == "eew"
    stored = [s.text for s in advisor.version.sentences.sentences_of("programme/eew.md")]
    texts = " ".join(stored)  # in document order: a two-sentence window stays contiguous
    for quote in quotes:
        assert quote.rstrip(" …") in texts
    assert "Hausbank" in answer.text


def test_study_facts_are_cited_with_their_page(advisor: Advisor) -> None:
    answer = ask(advisor, "Wie viele Orte der Industriekultur hat die Studie gezählt?")
    assert "331" in answer.text
    assert re.search(r"\[1, S\. \d\]", answer.text)
    assert answer.sources[0].slug == "industriekultur" and answer.sources[0].page


@pytest.mark.parametrize(
    "question",
    [
        "Was fördert die NRW.BANK bei Gründungen in Köln?",
        "Wie hoch ist der Gewerbesteuer-Hebesatz in Zeitz?",
        "Welchen Zuschuss hat Porsche für sein Werk in Leipzig aus der GRW erhalten?",
    ],
)
def test_questions_the_corpus_cannot_answer_are_marked_partial(
    advisor: Advisor, question: str
) -> None:
    answer = ask(advisor, question)
    assert answer.partial and answer.gaps
    assert answer.text.startswith(answer.gaps[0])
    if "Hebesatz" in question:  # a topic outside the product: no programme is an alternative
        assert "Alternative" not in answer.text and "[1]" not in answer.text
    else:
        assert "Alternative, nicht Ihre Frage" in answer.text or not answer.sources
    assert answer.to_json()["partial"] is True


def test_follow_up_is_resolved_to_the_programme_of_the_earlier_turn(advisor: Advisor) -> None:
    first = "Welche Förderung gibt es in Thüringen für die Digitalisierung kleiner Firmen?"
    earlier = ask(advisor, first).sources[0]
    answer = ask(advisor, "Und wo beantrage ich den?", (first,))
    assert answer.sources[0].slug == earlier.slug
    assert answer.text.startswith(f"**{earlier.meta.kurzname}**: Antrag: ")
    assert earlier.meta.antragsstelle in answer.text


def test_a_follow_up_to_an_overview_answers_for_the_programmes_listed_first(
    advisor: Advisor,
) -> None:
    first = "Welche Investitionszuschüsse gibt es für einen Metallbauer in Altenburg?"
    overview = ask(advisor, first)
    listed = [s.slug for s in overview.sources if s.meta.dokumenttyp == "Programm"][:2]
    assert overview.text.startswith("In Frage kommen") and len(listed) == 2
    answer = ask(advisor, "Und wie viel Prozent wären das für uns als kleiner Betrieb?", (first,))
    assert [s.slug for s in answer.sources[:2]] == listed
    for slug in listed:  # each programme gets its own block, not a list line
        name = next(s.meta.kurzname for s in answer.sources if s.slug == slug)
        assert f"**{name}**" in answer.text
    assert not answer.text.startswith("In Frage kommen")


def test_a_follow_up_that_moves_to_another_land_asks_there(advisor: Advisor) -> None:
    rate = "Wie viel Prozent gibt die GRW Sachsen-Anhalt einer kleinen Firma in Zeitz?"
    moved = ask(advisor, "Und wenn wir stattdessen in Altenburg säßen?", (rate,))
    assert moved.sources[0].slug == "grw-thueringen"  # the same programme family, Thüringen's
    first = "Welche Investitionszuschüsse gibt es für einen Metallbauer in Zeitz?"
    overview = ask(advisor, "Und wenn wir in Altenburg säßen – was gäbe es dort?", (first,))
    assert overview.text.startswith("In Frage kommen (erkannte Region: Altenburg")
    assert all(
        "Sachsen-Anhalt" not in s.meta.foerdergebiet
        for s in overview.sources
        if s.meta.is_programme
    )


def test_does_that_fit_us_is_a_follow_up(advisor: Advisor) -> None:
    first = "Was ist der EIC Accelerator?"
    second = (
        "Wir sind ein Medizintechnik-Start-up mit 12 Leuten und einem Prototyp. Passt das für uns?"
    )
    answer = ask(advisor, second, (first,))
    assert not answer.abstained and answer.sources[0].slug == "eic-accelerator"


def test_a_named_programme_wins_over_the_earlier_turn(advisor: Advisor) -> None:
    history = ("Welche Förderung gibt es in Thüringen für die Digitalisierung?",)
    answer = ask(advisor, "Wo beantrage ich die Forschungszulage?", history)
    assert answer.sources[0].slug == "forschungszulage"


def test_off_topic_questions_abstain_without_sources(advisor: Advisor) -> None:
    advisor_strict = Advisor(
        advisor.settings.with_overrides(min_relevance=0.99), embedder=advisor.embedder
    )
    answer = advisor_strict.ask("Wie backe ich einen Marmorkuchen?", today=TODAY)
    assert answer.abstained and answer.sources == () and answer.text == ABSTAIN_TEXT
    assert answer.to_json()["sources"] == []


def test_json_contract(advisor: Advisor) -> None:
    data = ask(advisor, "Wie hoch ist der Höchstbetrag bei InnoInvest?").to_json()
    assert set(data) >= {
        "question",
        "answer",
        "abstained",
        "partial",
        "gaps",
        "intents",
        "generator",
        "sources",
        "warnings",
        "region",
    }
    assert data["generator"] == "extractive"
    src = data["sources"][0]
    assert set(src) == {"doc_id", "title", "page", "score", "snippet", "url"}
    assert src["doc_id"] == "innoinvest-thueringen"


def test_stale_stand_and_passed_deadline_warn() -> None:
    meta = programme_meta(stand="2024-01-01", antragsfrist="2026-03-31")
    warnings = freshness_warnings("ZIM", meta, TODAY, 365)
    assert any("Stand 2024-01-01" in w for w in warnings)
    assert any("Antragsfrist von „ZIM“ (2026-03-31) ist abgelaufen" in w for w in warnings)
    assert freshness_warnings("ZIM", programme_meta(stand="2026-10-01"), TODAY, 365) == []


def _hit(slug: str, score: float, **meta: object) -> Hit:
    doc_id = f"programme/{slug}.md"
    chunk = Chunk(Chunk.make_id(doc_id, 0, slug), doc_id, slug, slug, "", (0,), 0, slug)
    return Hit(chunk, score, 0.9, 1.0, 1, 1, programme_meta(titel=slug, **meta))


def test_expired_programmes_are_demoted_and_the_land_gets_a_slot() -> None:
    hits = [_hit("alt", 0.050, antragsfrist="2021-02-19"), _hit("offen", 0.046)]
    order = order_documents(hits, funding=True, today=TODAY, land=None, land_boost=0.1)
    assert order == ["programme/offen.md", "programme/alt.md"]
    hits = [_hit(f"bund{i}", 0.05 - i * 0.001, foerdergebiet=["Bund"]) for i in range(6)]
    hits.append(_hit("land", 0.01, foerdergebiet=["Sachsen-Anhalt"]))
    order = order_documents(hits, funding=True, today=TODAY, land="Sachsen-Anhalt", land_boost=0)
    assert order.index("programme/land.md") == 3
    order = order_documents(hits, funding=True, today=TODAY, land=None, land_boost=0)
    assert order[-1] == "programme/land.md"


def test_the_engine_analyses_every_sentence_once_off_the_request_path(advisor: Advisor) -> None:
    engine = advisor.answer_engine()
    seen = engine.warm()
    stored = sum(len(engine.store.sentences_of(d)) for d in engine.docs)
    assert seen == stored > 0
    # terms and marks of every sentence are cached: a question's first touch of a document
    # no longer analyses its sentences
    assert len(engine._sentence_cache) >= 2 * stored
    assert ask(advisor, "Wie hoch ist der Zuschuss bei der EEW?").sources


def test_a_serving_advisor_warms_its_engine_in_the_background(advisor: Advisor) -> None:
    serving = Advisor(advisor.settings, embedder=advisor.embedder, warm_answers=True)
    engine = serving.answer_engine()
    warmers = [t for t in threading.enumerate() if t.name == "answer-warm"]
    assert warmers, "no background warm-up started"
    for t in warmers:
        t.join(timeout=120)
    stored = sum(len(engine.store.sentences_of(d)) for d in engine.docs)
    assert len(engine._sentence_cache) >= 2 * stored
    # a one-shot advisor (CLI) starts none
    plain = Advisor(advisor.settings, embedder=advisor.embedder)
    plain.answer_engine()
    assert not [t for t in threading.enumerate() if t.name == "answer-warm" and t.is_alive()]
