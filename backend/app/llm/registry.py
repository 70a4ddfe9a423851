"""Which providers exist, whether each is configured, and `get_model` to get a Model of one.

Keys and base URLs come from the caller when given (a workspace's stored key), else from the
server's settings (OPENAI_API_KEY, ANTHROPIC_BASE_URL, ...). `openai_compatible` is any server
speaking OpenAI Chat Completions (Ollama, vLLM, LM Studio, OpenRouter): it needs a base URL,
which the agent gives, and a key only if that server wants one.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from app.config import Settings
from app.llm.base import Model
from app.llm.errors import ProviderAuthError, ProviderBadRequest
from app.llm.names import ProviderName
from app.llm.pricing import known_models
from app.llm.providers import anthropic, google, openai
from app.llm.providers.anthropic import AnthropicModel
from app.llm.providers.common import WORKSPACE_KEYS_HINT
from app.llm.providers.google import GoogleModel
from app.llm.providers.openai import OpenAIModel
from app.llm.retry import RetryPolicy

LABELS = {
    ProviderName.anthropic: "Anthropic",
    ProviderName.openai: "OpenAI",
    ProviderName.openai_compatible: "OpenAI-compatible server",
    ProviderName.google: "Google Gemini",
}
KEY_ENV = {
    ProviderName.anthropic: "ANTHROPIC_API_KEY",
    ProviderName.openai: "OPENAI_API_KEY",
    ProviderName.google: "GOOGLE_API_KEY",
}


class ModelInfo(BaseModel):
    id: str
    label: str
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None


class ProviderInfo(BaseModel):
    name: str
    label: str
    configured: bool
    configured_via: Literal["environment", "workspace"] | None
    how_to_configure: str
    models: list[ModelInfo]


class ProvidersPublic(BaseModel):
    items: list[ProviderInfo]


def _provider_name(provider: str) -> ProviderName:
    try:
        return ProviderName(provider)
    except ValueError:
        choices = ", ".join(p.value for p in ProviderName)
        raise ProviderBadRequest(
            provider, f"Unknown provider '{provider}'; choose one of: {choices}"
        ) from None


def _env_key(settings: Settings, name: ProviderName) -> str:
    secret = {
        ProviderName.anthropic: settings.anthropic_api_key,
        ProviderName.openai: settings.openai_api_key,
        ProviderName.google: settings.google_api_key,
    }.get(name)
    return secret.get_secret_value().strip() if secret is not None else ""


def _env_base_url(settings: Settings, name: ProviderName) -> str:
    return {
        ProviderName.anthropic: settings.anthropic_base_url,
        ProviderName.openai: settings.openai_base_url,
        ProviderName.google: settings.google_gemini_base_url,
    }.get(name, "")


def _check_base_url(name: ProviderName, base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderBadRequest(
            name.value,
            f"The {LABELS[name]} base URL must be an http(s) URL such as http://localhost:11434/v1",
        )
    return base_url


def get_model(
    provider: str,
    model: str,
    *,
    settings: Settings,
    api_key: str | None = None,
    base_url: str | None = None,
) -> Model:
    """A Model of `provider`; `api_key` and `base_url`, when given, win over the settings.

    Raises ProviderAuthError when the provider needs a key and none is configured, and
    ProviderBadRequest for an unknown provider, an empty model name or a bad base URL.
    """
    name = _provider_name(provider)
    model = model.strip()
    if not model:
        raise ProviderBadRequest(name.value, f"Choose a model for this agent ({LABELS[name]})")
    retry = RetryPolicy.from_settings(settings)
    timeout_s = settings.llm_timeout_s
    url = (base_url or "").strip()
    key = (api_key or "").strip()

    if name is ProviderName.openai_compatible:
        if not url:
            raise ProviderBadRequest(
                name.value,
                "An OpenAI-compatible provider needs its server's base URL in the agent's "
                "model_config.base_url, e.g. http://localhost:11434/v1 for Ollama",
            )
        return OpenAIModel(
            model,
            api_key=key,
            base_url=_check_base_url(name, url),
            compatible=True,
            timeout_s=timeout_s,
            retry=retry,
        )

    key = key or _env_key(settings, name)
    if not key:
        raise ProviderAuthError(
            name.value, f"No {LABELS[name]} API key: set {KEY_ENV[name]} {WORKSPACE_KEYS_HINT}"
        )
    url = _check_base_url(name, url) if url else _env_base_url(settings, name).strip()
    if name is ProviderName.anthropic:
        return AnthropicModel(model, api_key=key, base_url=url, timeout_s=timeout_s, retry=retry)
    if name is ProviderName.openai:
        return OpenAIModel(model, api_key=key, base_url=url, timeout_s=timeout_s, retry=retry)
    return GoogleModel(model, api_key=key, base_url=url, timeout_s=timeout_s, retry=retry)


def _how_to_configure(name: ProviderName) -> str:
    if name is ProviderName.openai_compatible:
        return (
            "Set the server's base URL on the agent (model_config.base_url), e.g. "
            "http://localhost:11434/v1 for Ollama; add an API key in the workspace settings "
            "under Provider keys if the server needs one."
        )
    return f"Set {KEY_ENV[name]} in the server environment (.env), {WORKSPACE_KEYS_HINT}."


def list_providers(
    settings: Settings, workspace_configured: frozenset[str] = frozenset()
) -> list[ProviderInfo]:
    """Every provider, whether it can be used now and how, and its known models with prices.

    A workspace's stored key is used ahead of the environment's, so it is reported first.
    `openai_compatible` needs nothing server-wide (its base URL is per agent): it is always
    configured.
    """
    infos = []
    for name in ProviderName:
        via: Literal["environment", "workspace"] | None = None
        if name.value in workspace_configured:
            via = "workspace"
        elif _env_key(settings, name):
            via = "environment"
        configured = via is not None or name is ProviderName.openai_compatible
        models = [
            ModelInfo(
                id=price.id,
                label=price.label,
                input_usd_per_mtok=price.input_usd_per_mtok,
                output_usd_per_mtok=price.output_usd_per_mtok,
            )
            for price in known_models(name.value)
        ]
        infos.append(
            ProviderInfo(
                name=name.value,
                label=LABELS[name],
                configured=configured,
                configured_via=via,
                how_to_configure=_how_to_configure(name),
                models=models,
            )
        )
    return infos


async def close_clients() -> None:
    """Close every cached SDK client's connections (at app shutdown)."""
    for module in (anthropic, openai, google):
        await module.clients.aclose()
