"""Answer composition: citations on every statement, dedup, abstention, warnings."""

from __future__ import annotations

import datetime as dt
import re

from foerderberater.answer.compose import ABSTAIN_TEXT, compose, freshness_warnings, group_sources
from foerderberater.core.schema import Meta, ProgrammeMeta, StudyMeta
from foerderberater.core.text import split_sentences
from foerderberater.core.types import Answer, Chunk, Hit
from foerderberater.index.analysis import GermanAnalyzer

TODAY = dt.date(2026, 11, 25)
ZIM_META = {
    "titel": "Zentrales Innovationsprogramm Mittelstand",
    "kurzname": "ZIM",
    "foerdergeber": "BMWE",
    "foerderart": ["Zuschuss"],
    "foerderberechtigte": ["KMU"],
    "foerdergebiet": ["Bund"],
    "vorhabenart": ["Forschung und Entwicklung"],
    "technologiefelder": ["technologieoffen"],
    "foerdersatz_max_prozent": 45,
    "max_betrag_eur": 550000,
    "antragsstelle": "AiF",
    "antragsfrist": "laufend",
    "stand": "2025-01-20",
    "quellen": ["https://www.zim.de"],
}
ZIM = ProgrammeMeta.model_validate(ZIM_META)
STUDY = StudyMeta(titel="Seethermie Zwenkauer See", quellen=["https://example.org/seethermie"])


def zim(**overrides: object) -> ProgrammeMeta:
    return ProgrammeMeta.model_validate({**ZIM_META, **overrides})


def hit(
    doc_id: str, text: str, score: float, meta: Meta, pages: tuple[int, ...] = (0,), ordinal=0
) -> Hit:
    slug = doc_id.rsplit("/", 1)[-1].split(".")[0]
    chunk = Chunk(
        Chunk.make_id(doc_id, ordinal, text),
        doc_id,
        slug,
        meta.titel or "",
        "Abschnitt",
        tuple(pages),
        ordinal,
        text,
    )
    return Hit(chunk, score, 0.9, 3.0, 1, 1, meta)


def hits() -> list[Hit]:
    return [
        hit(
            "programme/zim.md",
            "Das ZIM fördert FuE-Projekte von KMU mit Zuschüssen. "
            "Der Antrag wird vor Projektbeginn gestellt.",
            0.05,
            ZIM,
        ),
        hit(
            "programme/zim.md",
            "Kooperationsprojekte mit Forschungseinrichtungen sind möglich. "
            "Die Förderquote hängt von der Größe ab.",
            0.04,
            ZIM,
            ordinal=1,
        ),
        hit(
            "studien/seethermie.pdf",
            "Die Messungen im Zwenkauer See liefen ein Jahr lang bis "
            "50 m Tiefe. Die Wärmeentnahme gilt als genehmigungsfähig.",
            0.03,
            STUDY,
            pages=(2,),
        ),
    ]


def answer_for(question: str, hits_: list[Hit], **kw: object) -> Answer:
    """compose() with the defaults these tests share; keyword arguments override them."""
    params = {
        "analyzer": GermanAnalyzer(),
        "top_k": 5,
        "per_source": 2,
        "today": TODAY,
        "stale_days": 365,
        **kw,
    }
    return compose(question, hits_, **params)


def test_chunks_of_one_document_collapse_into_one_source() -> None:
    groups = group_sources(hits(), top_k=5, per_source=2)
    assert [g[0].chunk.doc_id for g in groups] == ["programme/zim.md", "studien/seethermie.pdf"]
    assert len(groups[0]) == 2
    assert len(group_sources(hits(), top_k=1, per_source=1)) == 1


def test_every_statement_carries_a_citation_that_maps_to_a_source() -> None:
    answer = answer_for(
        "Welche Förderung gibt es für FuE in KMU?",
        hits(),
        abstain=False,
    )
    assert not answer.abstained
    numbers = {s.number for s in answer.sources}
    assert numbers == {1, 2}
    for line in answer.text.splitlines():
        if line.endswith(":"):
            continue  # headings introduce lists, they state nothing
        cited = re.findall(r"\[(\d+)\]$", line)
        assert cited, f"Zeile ohne Beleg: {line!r}"
        assert int(cited[0]) in numbers
    assert "ZIM" in answer.text and "bis 45 %" in answer.text and "550.000 €" in answer.text
    assert answer.sources[1].page == 2
    assert answer.sources[0].url == "https://www.zim.de"


def test_quoted_sentences_are_verbatim_from_the_cited_passage() -> None:
    answer = answer_for(
        "Wie tief wurde im Zwenkauer See gemessen?",
        hits()[2:],
        abstain=False,
    )
    line = next(x for x in answer.text.splitlines() if x.startswith("- "))
    assert "S. 2" in line
    content = line.split(": ", 1)[1].rsplit(" [1]", 1)[0]
    assert "50 m Tiefe" in content
    for sentence in split_sentences(content):
        assert sentence in hits()[2].chunk.text


def test_abstention_lists_no_sources() -> None:
    answer = answer_for(
        "Wie backe ich Kuchen?",
        hits(),
        abstain=True,
    )
    assert answer.abstained and answer.sources == () and answer.text == ABSTAIN_TEXT
    assert answer.to_json()["sources"] == []


def test_stale_stand_and_passed_deadline_warn() -> None:
    meta = zim(stand="2024-01-01", antragsfrist="2026-03-31")
    warnings = freshness_warnings("ZIM", meta, TODAY, 365)
    assert any("Stand 2024-01-01" in w for w in warnings)
    assert any("Antragsfrist von „ZIM“ (2026-03-31) ist abgelaufen" in w for w in warnings)
    assert freshness_warnings("ZIM", zim(stand="2026-10-01"), TODAY, 365) == []


def test_json_contract() -> None:
    answer = answer_for(
        "ZIM?",
        hits(),
        abstain=False,
    )
    data = answer.to_json()
    assert set(data) >= {"question", "answer", "abstained", "sources"}
    src = data["sources"][0]
    assert set(src) == {"doc_id", "title", "page", "score", "snippet", "url"}
    assert src["doc_id"] == "zim" and src["page"] is None
    assert data["sources"][1]["page"] == 2


def _prog(slug: str, gebiet: list[str], score: float, frist: str = "laufend") -> Hit:
    meta = zim(titel=slug, kurzname=slug, foerdergebiet=gebiet, antragsfrist=frist)
    return hit(f"programme/{slug}.md", f"Das Programm {slug} fördert Investitionen.", score, meta)


def test_a_programme_of_the_users_land_takes_the_last_slot() -> None:
    hits_ = [_prog(f"bund{i}", ["Bund"], 0.05 - i * 0.001) for i in range(5)]
    hits_.append(_prog("grw-sachsen-anhalt", ["Sachsen-Anhalt"], 0.01))
    answer = answer_for(
        "Welche Förderung gibt es?",
        hits_,
        per_source=1,
        abstain=False,
        filters={"land": "Sachsen-Anhalt"},
    )
    slugs = [s.slug for s in answer.sources]
    assert len(slugs) == 5 and slugs[-1] == "grw-sachsen-anhalt" and "bund4" not in slugs
    without = answer_for(
        "Welche Förderung gibt es?",
        hits_,
        per_source=1,
        abstain=False,
    )
    assert "grw-sachsen-anhalt" not in [s.slug for s in without.sources]


def test_expired_programmes_are_demoted_but_still_warned() -> None:
    hits_ = [_prog("alt", ["Bund"], 0.050, frist="2021-02-19"), _prog("offen", ["Bund"], 0.046)]
    answer = answer_for(
        "Welche Förderung gibt es?",
        hits_,
        per_source=1,
        abstain=False,
    )
    assert [s.slug for s in answer.sources] == ["offen", "alt"]
    assert any("abgelaufen" in w for w in answer.warnings)


def test_long_list_sentences_are_cut_verbatim() -> None:
    text = "- Modul 1 " + "sehr lange Aufzählung von Maßnahmen " * 20 + "\n- Modul 2 kurz und klar."
    quote = (
        answer_for(
            "Aufzählung Maßnahmen",
            [hit("programme/zim.md", text, 0.05, ZIM)],
            per_source=1,
            abstain=False,
        )
        .sources[0]
        .snippet
    )
    assert quote.endswith(" …") and len(quote) <= 330
    assert quote[:-2] in text.replace("- ", "")
