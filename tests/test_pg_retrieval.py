"""PostgreSQL retrieval equals the embedded retrieval: filters over the real corpus metadata, and
hybrid search over a real index (real e5 vectors) gives the same hits in the same order."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from foerderberater.filters import Filters
from foerderberater.ingest import load_document
from foerderberater.regions import Gazetteer
from foerderberater.settings import Settings
from foerderberater.store import DocRecord
from foerderberater.types import Chunk

pytest.importorskip("psycopg", reason="psycopg ist nicht installiert")

from foerderberater.pg_db import PgDatabase  # noqa: E402
from foerderberater.pg_retrieval import PgRetriever  # noqa: E402
from foerderberater.pg_store import PgIndex  # noqa: E402

pytest_plugins = ("pg_fixtures",)
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class _VectorOnly:
    name = "test"
    dim = 384
    query_prefix = passage_prefix = ""
    max_tokens = 512

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("query vectors are passed directly")


def corpus_docs() -> list[DocRecord]:
    """The real programme front matter and study sidecars (no PDF parsing needed)."""
    docs = []
    for path in sorted((CORPUS / "programme").glob("*.md")):
        d = load_document(path, CORPUS)
        docs.append(DocRecord(d.doc_id, d.slug, d.title, d.kind, "", 0, d.metadata))
    for path in sorted((CORPUS / "studien").glob("*.yaml")):
        meta = yaml.safe_load(path.read_text("utf-8"))
        doc_id = f"studien/{path.stem}.pdf"
        docs.append(DocRecord(doc_id, path.stem, meta["titel"], "studie", "", 1, meta))
    return docs


def filter_grid(docs: list[DocRecord]) -> list[Filters]:
    kreise = sorted({k for d in docs for k in d.metadata.get("landkreise") or []})
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


def test_filter_sql_selects_exactly_what_filters_matches_selects(pg_url: str) -> None:
    docs = corpus_docs()
    assert len(docs) > 40 and any(d.kind == "studie" for d in docs)
    chunks = [
        Chunk(Chunk.make_id(d.doc_id, 0, d.title), d.doc_id, d.slug, d.title, "", (1,), 0, d.title)
        for d in docs
    ]
    vecs = np.random.default_rng(0).normal(size=(len(chunks), 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    manifest = {"schema_version": 1, "embedder": {"name": "test"}}
    index.publish(index.write_version(manifest, docs, chunks, vecs))
    canon = Gazetteer.load().canonical_kreis
    retriever = PgRetriever(
        index.open_current("test"), _VectorOnly(), Settings(), canon, exact=True
    )
    q = vecs[0]
    checked = 0
    for f in filter_grid(docs):
        want = {d.doc_id for d in docs if f.matches(d.kind, d.metadata, canon)}
        rows = retriever.dense_vector(q, len(chunks), f)
        got = {chunks[r].doc_id for r, _ in rows}
        assert got == want, f
        checked += bool(want) and len(want) < len(docs)
    assert checked > 100  # the grid really discriminates


@pytest.mark.integration
def test_hybrid_search_equals_the_embedded_retriever(
    pg_url: str, tmp_path: Path, e5, programme_md
) -> None:  # noqa: ANN001
    from foerderberater.advisor import Advisor

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "waerme.md").write_text(programme_md(), encoding="utf-8")
    (corpus / "wasserstoff.md").write_text(
        programme_md(
            {
                "titel": "Wasserstoff-Offensive Thüringen",
                "kurzname": "WOT",
                "foerdergebiet": ["Thüringen"],
                "technologiefelder": ["Wasserstoff"],
                "foerderberechtigte": ["Start-ups", "KMU"],
            },
            body="## Kurzbeschreibung\n\nZuschüsse für Wasserstoffprojekte junger Unternehmen, "
            "Elektrolyseure und Wasserstofftankstellen in Thüringen.\n",
        ),
        encoding="utf-8",
    )
    (corpus / "notiz.md").write_text(
        "# Strukturwandel im Revier\n\nDie Braunkohleregion um Leipzig erhält Mittel für "
        "Wasserstoffprojekte, Wärmepumpen und die Qualifizierung von Fachkräften.\n",
        encoding="utf-8",
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", candidate_k=20, top_k=5)
    advisor = Advisor(settings, embedder=e5)
    advisor.build(full=True)
    embedded = advisor.retriever()
    version = embedded.version
    chunks = version.chunks_by_rows(list(range(len(version))))
    vectors = np.vstack([version.faiss.reconstruct(int(c.chunk_id)) for c in chunks])
    index = PgIndex(PgDatabase(pg_url))
    index.migrate()
    index.publish(
        index.write_version(version.manifest, list(version.docs.values()), chunks, vectors)
    )
    for mode in ("memory", "sqlbm25"):
        pg = PgRetriever(
            index.open_current(e5.name, lexical_mode=mode),
            e5,
            settings,
            advisor.gazetteer.canonical_kreis,
        )
        for query, filters in (
            ("Zuschuss für Wärmenetze in Sachsen", None),
            ("Wasserstoffprojekte für Start-ups", Filters(land="Thüringen")),
            ("Fachkräfte Qualifizierung Braunkohle", Filters(dokumenttyp="Text")),
            ("Wärmeversorgung Kommunen", Filters(foerderberechtigte="Kommunen")),
        ):
            want = embedded.search(query, filters)
            got = pg.search(query, filters)
            assert [h.chunk for h in got] == [h.chunk for h in want], (mode, query)
            for g, w in zip(got, want, strict=True):
                assert g.dense_rank == w.dense_rank and g.lexical_rank == w.lexical_rank
                assert g.score == pytest.approx(w.score, rel=1e-9)
                assert g.dense_score == pytest.approx(w.dense_score, abs=1e-5)
                if w.lexical_score is not None:
                    assert g.lexical_score == pytest.approx(w.lexical_score, rel=1e-4)
