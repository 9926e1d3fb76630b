"""Connection settings of the optional LLM (OpenAI-compatible chat completions).

A plain value object of the core layer, so that ``Settings`` can validate the
``FOERDERBERATER_LLM_*`` values and the answer layer's client can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from foerderberater.core.errors import ConfigError


@dataclass(frozen=True)
class LlmConfig:
    """Connection settings; built at the edge from FOERDERBERATER_LLM_* (see notes/llm.md)."""

    url: str  # base URL incl. /v1, e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str = field(default="", repr=False)
    timeout_s: float = 30.0
    max_tokens: int = 400
    temperature: float = 0.1
    seed: int | None = None  # sampling seed for reproducible answers, if the server supports it

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError("llm_url", "muss mit http:// oder https:// beginnen")
        if not self.model.strip():
            raise ConfigError("llm_model", "muss gesetzt sein, wenn llm_url gesetzt ist")
        if not self.timeout_s > 0:
            raise ConfigError("llm_timeout_s", "muss größer als 0 sein")
        if self.max_tokens < 1:
            raise ConfigError("llm_max_tokens", "muss mindestens 1 sein")

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"
