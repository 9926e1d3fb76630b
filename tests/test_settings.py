"""Settings from FOERDERBERATER_* environment variables, overrides and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from foerderberater.core.errors import ConfigError
from foerderberater.core.settings import ENV_PREFIX, Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s == Settings()
    assert s.corpus_dir == Path("corpus") and s.index_dir == Path("index")
    assert s.embedder == "e5" and s.chunk_tokens == 256 and s.top_k == 5


def test_env_prefix_and_type_coercion() -> None:
    env = {
        "FOERDERBERATER_CORPUS_DIR": "/daten/korpus",
        "FOERDERBERATER_INDEX_DIR": "/daten/index",
        "FOERDERBERATER_CHUNK_TOKENS": "128",
        "FOERDERBERATER_MIN_RELEVANCE": "0.75",
        "FOERDERBERATER_EMBEDDER": "sentence-transformers:/modelle/minilm",
        "FOERDERBERATER_ADMIN_PASSWORD": "geheim",
        "CHUNK_TOKENS": "64",  # without prefix: ignored
        "FOERDERBERATER_UNBEKANNT": "x",  # unknown variables are ignored
    }
    s = Settings.from_env(env)
    assert s.corpus_dir == Path("/daten/korpus") and isinstance(s.index_dir, Path)
    assert s.chunk_tokens == 128 and isinstance(s.chunk_tokens, int)
    assert s.min_relevance == 0.75
    assert s.embedder == "sentence-transformers:/modelle/minilm"
    assert "geheim" not in repr(s)  # the admin password stays out of logs
    assert ENV_PREFIX == "FOERDERBERATER_"


def test_os_environ_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOERDERBERATER_TOP_K", "7")
    monkeypatch.setenv("FOERDERBERATER_PORT", "8080")
    s = Settings.from_env()
    assert s.top_k == 7 and s.port == 8080


def test_explicit_overrides_beat_env_and_none_is_ignored() -> None:
    env = {"FOERDERBERATER_INDEX_DIR": "/env/index", "FOERDERBERATER_TOP_K": "3"}
    s = Settings.from_env(env, index_dir=Path("/flag/index"), top_k=None)
    assert s.index_dir == Path("/flag/index") and s.top_k == 3
    t = s.with_overrides(top_k="9", corpus_dir=None)
    assert t.top_k == 9 and t.corpus_dir == s.corpus_dir
    with pytest.raises(ValidationError):
        s.top_k = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"FOERDERBERATER_CHUNK_TOKENS": "viele"}, "chunk_tokens"),
        ({"FOERDERBERATER_CHUNK_TOKENS": "1.5"}, "chunk_tokens"),
        ({"FOERDERBERATER_CHUNK_TOKENS": "16"}, "chunk_tokens"),
        ({"FOERDERBERATER_CHUNK_TOKENS": "4096"}, "chunk_tokens"),
        ({"FOERDERBERATER_CHUNK_OVERLAP_TOKENS": "256"}, "chunk_overlap_tokens"),
        ({"FOERDERBERATER_CHUNK_OVERLAP_TOKENS": "-1"}, "chunk_overlap_tokens"),
        ({"FOERDERBERATER_TOP_K": "0"}, "top_k"),
        ({"FOERDERBERATER_EMBED_BATCH_SIZE": "0"}, "embed_batch_size"),
        ({"FOERDERBERATER_CANDIDATE_K": "2"}, "candidate_k"),
        ({"FOERDERBERATER_RRF_K": "0"}, "rrf_k"),
        ({"FOERDERBERATER_MAX_PASSAGES_PER_SOURCE": "0"}, "max_passages_per_source"),
        ({"FOERDERBERATER_EMBEDDER": "bert"}, "embedder"),
        ({"FOERDERBERATER_MIN_RELEVANCE": "hoch"}, "min_relevance"),
        ({"FOERDERBERATER_MIN_RELEVANCE": "nan"}, "min_relevance"),
        ({"FOERDERBERATER_DENSE_WEIGHT": "-1"}, "dense_weight"),
        ({"FOERDERBERATER_LEXICAL_WEIGHT": "inf"}, "lexical_weight"),
        ({"FOERDERBERATER_PORT": "70000"}, "port"),
        ({"FOERDERBERATER_PORT": "0"}, "port"),
        ({"FOERDERBERATER_MAX_UPLOAD_MB": "0"}, "max_upload_mb"),
        ({"FOERDERBERATER_STALE_AFTER_DAYS": "-5"}, "stale_after_days"),
        ({"FOERDERBERATER_MAX_FILE_MB": "0"}, "max_file_mb"),
        ({"FOERDERBERATER_MAX_CHUNKS_PER_DOC": "0"}, "max_chunks_per_doc"),
        ({"FOERDERBERATER_UPLOAD_QUOTA_MB": "0"}, "upload_quota_mb"),
        ({"FOERDERBERATER_UPLOAD_CACHE_SECONDS": "0"}, "upload_cache_seconds"),
        ({"FOERDERBERATER_QUEUE_SIZE": "-1"}, "queue_size"),
    ],
)
def test_invalid_values_name_the_field(env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_unknown_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        Settings().with_overrides(chunk_size=100)
    assert info.value.field == "chunk_size"


@pytest.mark.integration
def test_cli_reports_invalid_env_setting(run_cli) -> None:
    result = run_cli("info", env={"FOERDERBERATER_TOP_K": "null"})
    assert result.returncode == 1
    assert "Ungültige Einstellung top_k" in result.stderr and "'null'" in result.stderr
    assert "Traceback" not in result.stderr


def test_security_settings_and_secrets_stay_out_of_repr() -> None:
    s = Settings.from_env(
        {
            "FOERDERBERATER_STAFF_PASSWORD": "team-klartext",
            "FOERDERBERATER_ADMIN_PASSWORD_HASH": "scrypt$ln=10,r=8,p=1$geheimsalz$geheimhash",
            "FOERDERBERATER_TRUSTED_PROXIES": "10.0.0.0/8",
            "FOERDERBERATER_MAX_CHUNKS_PER_DOC": "500",
        }
    )
    assert s.trusted_proxies == "10.0.0.0/8" and s.max_chunks_per_doc == 500
    assert "team-klartext" not in repr(s) and "geheimhash" not in repr(s)
    d = Settings()
    assert (d.max_upload_mb, d.max_file_mb, d.max_chunks_per_doc, d.queue_size) == (20, 50, 3000, 0)
