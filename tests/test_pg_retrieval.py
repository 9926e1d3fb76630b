"""PostgreSQL retrieval equals the embedded retrieval on the starter corpus (both indexed by
the real builder with the fake embedder): the filter SQL selects exactly what
``Filters.matches`` selects, and hybrid search returns the same hits in the same order."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest

from foerderberater.advisor import Advisor
from foerderberater.core.settings import Settings
from foerderberater.evaluation.gold import load_gold
from foerderberater.search.filters import Filters
from foerderberater.search.regions import Gazetteer

pytest.importorskip("psycopg", reason="psycopg fehlt – bitte `make setup-dev` ausführen")

from foerderberater.search.pg_retrieval import PgRetriever  # noqa: E402

pytest_plugins = ("pg_fixtures",)
ROOT = Path(__file__).resolve().parent.parent

QUERIES = (
    ("Zuschuss für Wärmenetze in Sachsen", None),
    ("Wasserstoffprojekte für Start-ups", Filters(land="Thüringen")),
    ("Industriekultur Orte gezählt", Filters(dokumenttyp="Studie")),
    ("Beratung für kleine Unternehmen", Filters(foerderberechtigte="KMU")),
    ("Kredit für Investitionen", Filters(foerderart="Darlehen", land="Sachsen-Anhalt")),
    ("Forschung und Entwicklung Mittelstand", Filters(ebene="Bund")),
    ("Digitalisierung", Filters(kreis="Leipzig", land="Sachsen")),
    ("Geothermie", Filters(technologiefeld="Wasserstoff")),
)


@pytest.fixture(scope="module")
def two(starter_index: Settings, starter_pg: Settings, fake) -> tuple[Advisor, Advisor]:
    return Advisor(starter_index, embedder=fake), Advisor(starter_pg, embedder=fake)


def filter_grid(kreise: list[str]) -> list[Filters]:
    axes = {
        "land": [None, "Sachsen", "Sachsen-Anhalt", "Thüringen"],
        "kreis": [None, "Leipzig", "Stadt Leipzig", "Saalekreis", *kreise[:4]],
        "ebene": [None, "Bund", "Land"],
        "foerderberechtigte": [None, "KMU", "Kommunen", "Start-ups"],
        "foerderart": [None, "Zuschuss", "Darlehen"],
        "technologiefeld": [None, "Wasserstoff", "Geothermie/Wärmespeicher"],
        "vorhabenart": [None, "Investition", "Gründung"],
        "dokumenttyp": [None, "Programm", "Studie"],
    }
    singles = [Filters(**{k: v}) for k, vals in axes.items() for v in vals if v]
    rng = random.Random(3)
    combos = [Filters(**{k: rng.choice(v) for k, v in axes.items()}) for _ in range(250)]
    pairs = [
        Filters(**{a: x, b: y})
        for a, b in itertools.combinations(axes, 2)
        for x, y in [(axes[a][1], axes[b][-1])]
    ]
    return singles + pairs + combos


def test_filter_sql_selects_exactly_what_filters_matches_selects(two) -> None:
    _, pg = two
    version = pg.version
    canon = Gazetteer.load().canonical_kreis
    retriever = PgRetriever(version, pg.embedder, pg.settings, canon, exact=True)
    kinds = {d.meta.dokumenttyp for d in version.docs.values()}
    assert len(version.docs) > 40 and {"Programm", "Studie"} <= kinds
    kreise = sorted({k for d in version.docs.values() for k in getattr(d.meta, "landkreise", ())})
    q = np.ones(384, dtype=np.float32) / np.sqrt(384)
    row_doc = version.row_doc_ids()
    checked = 0
    for f in filter_grid(kreise):
        want = {d for d, rec in version.docs.items() if f.matches(rec.meta, canon)}
        got = {row_doc[r] for r, _ in retriever.dense_vector(q, len(version), f)}
        assert got == want, f
        checked += bool(want) and len(want) < len(version.docs)
    assert checked > 100  # the grid really discriminates


def test_hybrid_search_equals_the_embedded_retriever(two) -> None:
    files, pg = two
    embedded, database = files.retriever(), pg.retriever()
    assert isinstance(database, PgRetriever) and not isinstance(embedded, PgRetriever)
    assert len(files.version) == len(pg.version) > 400
    for query, filters in QUERIES:
        want = embedded.search(query, filters)
        got = database.search(query, filters)
        assert [h.chunk for h in got] == [h.chunk for h in want], query
        for g, w in zip(got, want, strict=True):
            assert g.lexical_rank == w.lexical_rank, query
            assert g.lexical_score == w.lexical_score  # the same BM25 index
            assert g.dense_score == pytest.approx(w.dense_score, abs=1e-5)
            if g.dense_rank != w.dense_rank:  # only where two dense scores tie (float sums)
                assert abs(g.dense_rank - w.dense_rank) == 1, query
            assert g.score == pytest.approx(w.score, rel=1e-3)
        assert database.lexical(query, 10, None) == embedded.lexical(query, 10, None)
        same_up_to_ties(database.dense(query, 50, None), embedded.dense(query, 50, None))


def same_up_to_ties(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    """The same rows with the same scores; rows whose scores agree to 1e-5 may swap places
    (pgvector and FAISS sum the 384 products in different orders)."""
    assert len(got) == len(want)
    for (_, gs), (_, ws) in zip(got, want, strict=True):
        assert gs == pytest.approx(ws, abs=1e-5)
    assert {r for r, _ in got} == {r for r, _ in want}


def test_sentences_and_their_vectors_are_the_same_on_both_backends(two) -> None:
    """Answer evidence reads sentences through ``SentenceReader``: the SQLite/.npy table and
    the per-version PostgreSQL table return equal sentences, vectors and words per document."""
    files, pg = two
    embedded, database = files.version.sentences, pg.version.sentences
    assert type(embedded).__name__ == "SentenceTable"
    assert type(database).__name__ == "PgSentenceTable"
    total, paged = 0, 0
    for doc_id in files.version.docs:
        want = embedded.sentences_of(doc_id)
        assert database.sentences_of(doc_id) == want, doc_id
        want_vectors = embedded.sentence_vectors(doc_id)
        assert want_vectors is not None and len(want_vectors) == len(want)
        assert np.array_equal(database.sentence_vectors(doc_id), want_vectors), doc_id
        assert database.doc_words(doc_id) == embedded.doc_words(doc_id)
        pairs = database.with_vectors(doc_id)
        assert [s for s, _ in pairs] == want
        assert np.array_equal(np.vstack([v for _, v in pairs]), want_vectors)
        total += len(want)
        paged += sum(1 for s in want if s.page)
    assert total > 1500 and paged > 100  # study sentences keep their PDF page
    assert database.sentences_of("gibt/es-nicht.md") == []
    assert database.sentence_vectors("gibt/es-nicht.md") is None
    assert embedded.sentence_vectors("gibt/es-nicht.md") is None


def answer_questions() -> list[tuple[str, tuple[str, ...]]]:
    """Every question of the gold set and of the answer dev set, with its conversation."""
    _, gold = load_gold(ROOT / "eval" / "gold.yaml")
    items = [(g["frage"], tuple(g.get("verlauf") or ())) for g in gold]
    for line in (ROOT / "eval" / "answers.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            items.append((item["q"], tuple(item.get("history") or ())))
    return items


def test_answer_texts_are_the_same_on_both_backends(
    starter_index: Settings, starter_pg: Settings, fake
) -> None:
    """The whole answer path (retrieval, sentence evidence, quotes with pages, gaps, follow-ups,
    abstention) over the gold and answer dev questions gives the same text and JSON."""
    today = dt.date(2026, 11, 25)
    # no abstention threshold: the fake embedder's similarities are not e5's, and every
    # question should reach the sentence evidence
    files = Advisor(starter_index.with_overrides(min_relevance=0.0), embedder=fake)
    pg = Advisor(starter_pg.with_overrides(min_relevance=0.0), embedder=fake)
    questions = answer_questions()
    assert len(questions) > 200
    quoted = 0
    for question, history in questions:
        a = files.ask(question, history=history, today=today)
        b = pg.ask(question, history=history, today=today)
        assert b.text == a.text, question
        assert b.to_json() == a.to_json(), question
        assert b.index_version == pg.version.name != a.index_version
        quoted += "„" in a.text
    assert quoted > 50  # verbatim sentence quotes, not only programme cards


@pytest.mark.integration
def test_cli_moves_an_embedded_index_into_the_database_unchanged(
    starter_index: Settings, pg_url: str, run_cli, fake
) -> None:
    from foerderberater.index.backend import FileBackend, version_data
    from foerderberater.index.pg.backend import PgBackend

    env = {
        "FOERDERBERATER_INDEX_DIR": str(starter_index.index_dir),
        "FOERDERBERATER_CORPUS_DIR": str(starter_index.corpus_dir),
        "FOERDERBERATER_EMBEDDER": "e5",
    }
    refused = run_cli("index", "--aus-dateien", env=env)
    assert refused.returncode == 2 and "FOERDERBERATER_DATABASE_URL" in refused.stderr
    done = run_cli("index", "--aus-dateien", env=env | {"FOERDERBERATER_DATABASE_URL": pg_url})
    assert done.returncode == 0, done.stderr
    assert "nichts neu eingebettet" in done.stdout
    source = FileBackend(starter_index.index_dir).open_current()
    copied = PgBackend(starter_index.with_overrides(database_url=pg_url)).open_current()
    want, got = version_data(source), version_data(copied)
    assert got.manifest["copied_from"].endswith(source.name) and got.name != source.name
    assert got.docs == want.docs and got.chunks == want.chunks
    assert np.array_equal(got.vectors, want.vectors)
    assert got.sentences == want.sentences
    assert np.array_equal(got.sentence_vectors, want.sentence_vectors)
    info = run_cli("info", "--json", env=env | {"FOERDERBERATER_DATABASE_URL": pg_url})
    assert '"backend": "postgresql"' in info.stdout and got.name in info.stdout
