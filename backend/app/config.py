"""Settings, read from the environment and `.env` (see `.env.example` for every one)."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


def _split_csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=(str(REPO_ROOT / ".env"), ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Environment = Environment.development
    log_level: str = "INFO"

    # Storage
    data_dir: Path = REPO_ROOT / "data"
    database_url: str = ""
    auto_migrate: bool | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout_s: float = 10.0
    # How long a run keeps retrying to store a message while the database is unreachable.
    db_retry_grace_s: float = 30.0
    redis_url: str = ""
    redis_key_prefix: str = "ab:"
    # Connect and read timeout of every Redis call; then the circuit breaker: after
    # REDIS_BREAKER_FAILURES failures in a row no call is tried for REDIS_BREAKER_OPEN_S.
    redis_timeout_s: float = 0.25
    redis_breaker_failures: int = 3
    redis_breaker_open_s: float = 10.0

    # HTTP surface
    allowed_origins: str = "http://localhost:3000,http://127.0.0.1:3000"
    max_request_bytes: int = 2 * 1024 * 1024

    # Credentials
    encryption_keys: SecretStr = SecretStr("")

    # Authentication
    jwt_secret: SecretStr = SecretStr("")
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    invitation_ttl_hours: int = Field(default=7 * 24, ge=1, le=90 * 24)
    cookie_secure: bool = False
    rate_limit_user: str = "600/minute"
    rate_limit_ip: str = "1200/minute"
    rate_limit_ws_frames: str = "120/minute"

    # LLM providers
    openai_api_key: SecretStr = SecretStr("")
    openai_base_url: str = ""
    anthropic_api_key: SecretStr = SecretStr("")
    anthropic_base_url: str = ""
    google_api_key: SecretStr = SecretStr("")
    google_gemini_base_url: str = ""
    llm_timeout_s: float = 120.0
    llm_max_retries: int = 3
    llm_retry_max_total_s: float = 30.0
    llm_retry_base_delay_s: float = 0.5

    # Tools and egress
    tool_allowed_private_hosts: str = ""
    tool_max_response_bytes: int = 1024 * 1024
    tool_default_timeout_s: float = 30.0
    tool_max_redirects: int = 5
    # How long a host's checked DNS answer is reused (0: resolve on every request). Every
    # connection still goes only to an address that passed the check.
    egress_dns_cache_s: float = 30.0

    # OpenAPI import: documents are parsed in worker processes under these budgets.
    openapi_max_bytes: int = 16 * 1024 * 1024
    openapi_parse_timeout_s: float = 60.0
    openapi_max_memory_mb: int = 2048
    openapi_workers: int = 1

    # Runs and playground
    run_max_turns_default: int = 8
    ws_max_frame_bytes: int = 64 * 1024

    # Tracing
    langfuse_public_key: str = ""
    langfuse_secret_key: SecretStr = SecretStr("")
    langfuse_host: str = ""

    test_run_id: str = Field(default="", description="set by the test suite to isolate runs")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'agent_builder.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @property
    def allowed_origin_list(self) -> list[str]:
        return _split_csv(self.allowed_origins)

    @property
    def tool_allowed_private_host_list(self) -> list[str]:
        return [host.lower() for host in _split_csv(self.tool_allowed_private_hosts)]

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.production


def get_settings() -> Settings:
    return Settings()
