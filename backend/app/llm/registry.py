"""Which providers exist, whether each is configured, and the one way to get a Model.

`ModelFactory` (app.state.models) builds every model the app runs: the playground and every run,
a tool's pre/post-process prompt, the tool test endpoint, and whatever comes next. It holds the
egress guard, so every base URL, whether from the environment, a workspace provider key or an
agent, is checked when the model is built (scheme, host, IP spelling) and on every request its
SDK sends (addresses, pinning, no redirects: app.tools.egress_transport).

Keys and base URLs come from the workspace's stored provider key when there is one, else from
the server's settings (OPENAI_API_KEY, ANTHROPIC_BASE_URL, ...). `openai_compatible` is any
server speaking OpenAI Chat Completions (Ollama, vLLM, LM Studio, OpenRouter): it needs a base
URL, which the agent gives, and a key only if that server wants one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx2
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.llm.base import Model, ModelSettings, StreamEvent, ToolSpec
from app.llm.errors import ProviderAuthError, ProviderBadRequest, ProviderEgressBlocked
from app.llm.messages import Message
from app.llm.names import ProviderName
from app.llm.pricing import known_models
from app.llm.providers import anthropic, google, openai
from app.llm.providers.anthropic import AnthropicModel
from app.llm.providers.common import WORKSPACE_KEYS_HINT, public_url
from app.llm.providers.google import GoogleModel
from app.llm.providers.openai import OpenAIModel
from app.llm.retry import RetryPolicy
from app.tools.egress import ALLOW_SETTING
from app.tools.egress_transport import ModelEgress, odd_ip_spelling

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
    """What can be told of a base URL without the network; addresses are checked per request."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderBadRequest(
            name.value,
            f"The {LABELS[name]} base URL must be an http(s) URL such as http://localhost:11434/v1",
        )
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host if host.startswith("[") else host.rsplit(":", 1)[0]
    if odd_ip_spelling(host):
        raise ProviderEgressBlocked(
            name.value,
            f"The {LABELS[name]} base URL's address '{host}' is refused: write an IPv4 address "
            "as four decimal numbers without leading zeros",
        )
    try:
        httpx2.URL(base_url)
    except (httpx2.InvalidURL, TypeError, ValueError):
        raise ProviderBadRequest(
            name.value, f"The {LABELS[name]} base URL is not a valid URL"
        ) from None
    return base_url


def get_model(
    provider: str,
    model: str,
    *,
    settings: Settings,
    egress: ModelEgress,
    api_key: str | None = None,
    base_url: str | None = None,
) -> Model:
    """A Model of `provider` whose SDK connects through `egress`; `api_key` and `base_url`,
    when given, win over the settings. Prefer ModelFactory, which knows the guard.

    Raises ProviderAuthError when the provider needs a key and none is configured,
    ProviderBadRequest for an unknown provider, an empty model name or a bad base URL, and
    ProviderEgressBlocked for a base URL whose host is an oddly spelled IP address.
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
                "model_config.base_url, e.g. http://localhost:11434/v1 for Ollama "
                f"(a server on a private or loopback address must be on {ALLOW_SETTING})",
            )
        return OpenAIModel(
            model,
            api_key=key,
            egress=egress,
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
    url = url or _env_base_url(settings, name).strip()
    if url:
        _check_base_url(name, url)
    common: dict[str, Any] = {
        "api_key": key,
        "egress": egress,
        "base_url": url,
        "timeout_s": timeout_s,
        "retry": retry,
    }
    if name is ProviderName.anthropic:
        return AnthropicModel(model, **common)
    if name is ProviderName.openai:
        return OpenAIModel(model, **common)
    return GoogleModel(model, **common)


class AgentModel(Protocol):
    """What the factory reads of an agent (app.agents.models.Agent)."""

    @property
    def workspace_id(self) -> uuid.UUID: ...
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def llm_config(self) -> dict[str, Any] | None: ...


# (session, workspace_id, provider) -> the workspace's (api_key, base_url), or (None, None).
KeySource = Callable[[AsyncSession, uuid.UUID, str], Awaitable[tuple[str | None, str | None]]]


async def _no_workspace_keys(
    session: AsyncSession, workspace_id: uuid.UUID, provider: str
) -> tuple[str | None, str | None]:
    return None, None


@dataclass(frozen=True)
class ModelChoice:
    """Which model to build and where it runs, resolved for an agent."""

    provider: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    # The origin the workspace key was saved for, when it was not sent to `base_url`.
    key_withheld_for: str | None = None


class ProviderKeyNotSent(ProviderAuthError):
    """The server refused a request made without the workspace key, which was withheld
    because the agent's base URL is not on the origin the key was saved for."""

    code = "provider_key_not_sent"


class KeyNotSent(Model):
    """A model run without the workspace key; a 401/403 from its server says why."""

    def __init__(self, inner: Model, saved_for: str, base_url: str) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.name = inner.name
        self.saved_for = saved_for
        self.base_url = base_url

    async def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        settings: ModelSettings | None = None,
    ) -> AsyncIterator[StreamEvent]:
        try:
            async for event in self.inner.stream(messages, tools, settings):
                yield event
        except ProviderAuthError:
            raise ProviderKeyNotSent(
                self.provider,
                f"The server at {public_url(self.base_url)} refused the request, which was sent "
                f"without the workspace's {LABELS[ProviderName(self.provider)]} key: that key "
                f"is saved for {self.saved_for} and is only sent there. Point the agent's "
                "base URL at that server, or have an admin save a key for this one under "
                "Provider keys.",
            ) from None


class ModelFactory:
    """The one place models are built; every SDK gets the egress guard's HTTP client."""

    def __init__(
        self, settings: Settings, egress: ModelEgress, keys: KeySource | None = None
    ) -> None:
        self.settings = settings
        self.egress = egress
        self.keys = keys or _no_workspace_keys

    def get_model(
        self,
        provider: str,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
    ) -> Model:
        return get_model(
            provider,
            model,
            settings=self.settings,
            egress=self.egress,
            api_key=api_key,
            base_url=base_url,
        )

    async def choose(self, session: AsyncSession, agent: AgentModel) -> ModelChoice:
        """The workspace's stored key (and its base URL) first, then the environment's; for
        `openai_compatible`, the agent's own model_config.base_url wins over the key's.

        The stored key goes only to the origin it was saved for: an admin saves it with its
        base URL, while any member can set an agent's. An agent aimed elsewhere runs without
        the key (a server that needs none still works); if that server then answers 401/403,
        the error says why (`provider_key_not_sent`)."""
        # app.tools.auth imports the tool runtime, which imports this module.
        from app.tools.auth import credentials_go_to, origin_of, show_origin

        api_key, base_url = await self.keys(session, agent.workspace_id, agent.provider)
        agent_base_url = (agent.llm_config or {}).get("base_url")
        withheld_for: str | None = None
        if agent.provider == ProviderName.openai_compatible.value and agent_base_url:
            if api_key and not credentials_go_to(base_url, str(agent_base_url)):
                api_key = None
                withheld_for = show_origin(origin_of(base_url or ""))
            base_url = str(agent_base_url)
        return ModelChoice(agent.provider, agent.model, api_key, base_url, withheld_for)

    def build(self, choice: ModelChoice) -> Model:
        model = self.get_model(
            choice.provider, choice.model, api_key=choice.api_key, base_url=choice.base_url
        )
        if choice.key_withheld_for is not None:
            return KeyNotSent(model, choice.key_withheld_for, choice.base_url or "")
        return model

    async def for_agent(self, session: AsyncSession, agent: AgentModel) -> Model:
        """The agent's model. Raises app.llm.errors.LLMError (no key, bad base URL, ...)."""
        return self.build(await self.choose(session, agent))


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
