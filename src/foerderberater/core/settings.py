"""One frozen settings object, built at the edge (CLI, app) from environment and flags."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from foerderberater.core.errors import ConfigError

ENV_PREFIX = "FOERDERBERATER_"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    embedder: str = "e5"
    chunk_tokens: int = 256
    chunk_overlap_tokens: int = 48
    embed_batch_size: int = 16
    top_k: int = 5
    candidate_k: int = 50
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    land_boost: float = 0.1  # relative bonus for programmes of the recognised/filtered Land
    min_relevance: float = 0.855  # calibrated on eval/gold.yaml (see README)
    max_passages_per_source: int = 2
    stale_after_days: int = 365
    host: str = "127.0.0.1"
    port: int = 7860
    admin_password: str = field(default="", repr=False)
    max_upload_mb: int = 50
    reranker: str = ""

    def __post_init__(self) -> None:
        if self.chunk_tokens < 32 or self.chunk_tokens > 512:
            raise ConfigError("chunk_tokens", "muss zwischen 32 und 512 liegen")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens", "muss >= 0 und kleiner als chunk_tokens sein")
        for name in (
            "top_k",
            "candidate_k",
            "embed_batch_size",
            "rrf_k",
            "max_passages_per_source",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(name, "muss mindestens 1 sein")
        if self.candidate_k < self.top_k:
            raise ConfigError("candidate_k", "muss mindestens top_k sein")
        if not 1 <= self.port <= 65535:
            raise ConfigError("port", "muss zwischen 1 und 65535 liegen")
        if self.max_upload_mb < 1:
            raise ConfigError("max_upload_mb", "muss mindestens 1 sein")
        for name in ("dense_weight", "lexical_weight", "min_relevance"):
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(name, "muss eine endliche Zahl sein")
        for name in ("dense_weight", "lexical_weight", "land_boost", "stale_after_days"):
            if getattr(self, name) < 0:
                raise ConfigError(name, "darf nicht negativ sein")
        if not (self.embedder == "e5" or self.embedder.startswith("sentence-transformers:")):
            raise ConfigError(
                "embedder", "erlaubt sind 'e5' oder 'sentence-transformers:<Modellname oder Pfad>'"
            )

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the given non-None values replaced."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce(clean))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``FOERDERBERATER_*`` variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            key = ENV_PREFIX + f.name.upper()
            if key in env:
                values[f.name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_coerce(values))


def _coerce(values: Mapping[str, object]) -> dict[str, object]:
    types = {f.name: f.type for f in fields(Settings)}
    out: dict[str, object] = {}
    for name, raw in values.items():
        if name not in types:
            raise ConfigError(name, "unbekannte Einstellung")
        kind = types[name]
        try:
            if kind == "Path":
                out[name] = Path(raw)  # type: ignore[arg-type]
            elif kind == "int":
                out[name] = int(raw)  # type: ignore[arg-type]
            elif kind == "float":
                out[name] = float(raw)  # type: ignore[arg-type]
            else:
                out[name] = str(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(name, f"ungültiger Wert {raw!r}") from exc
    return out
