"""Helpers for the model-layer tests: each vendor's fake server and a model of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from app.config import Settings
from app.llm.base import Model, ModelSettings, StreamEvent, ToolSpec
from app.llm.messages import Message, UserMessage
from app.llm.providers.anthropic import AnthropicModel
from app.llm.providers.google import GoogleModel
from app.llm.providers.openai import OpenAIModel
from app.llm.retry import RetryPolicy
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.google_server import FakeGoogle
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import FakeServer, Step

VENDORS = ("openai", "anthropic", "google")
API_KEY = "sk-test-secret-key-0123456789"
WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city",
    input_schema={"type": "object", "properties": {"city": {"type": "string"}}},
)
HELLO: list[Message] = [UserMessage(content="Hello")]


def llm_settings(**values: object) -> Settings:
    """Settings with no vendor key or base URL from the environment and retries that do not
    wait; `values` override."""
    base: dict[str, object] = {
        "openai_api_key": SecretStr(""),
        "anthropic_api_key": SecretStr(""),
        "google_api_key": SecretStr(""),
        "openai_base_url": "",
        "anthropic_base_url": "",
        "google_gemini_base_url": "",
        "llm_retry_base_delay_s": 0.0,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def local_egress(allow: str = "127.0.0.1") -> ModelEgress:
    """The model SDKs' guarded transport with the fake servers' host on the allowlist."""
    settings = Settings(_env_file=None, tool_allowed_private_hosts=allow)  # type: ignore[call-arg]
    return ModelEgress(EgressGuard(settings))


# Every provider test reaches its fake server through the egress guard, as the app does.
LOCAL = local_egress()


@dataclass
class Sleeps:
    """A RetryPolicy sleep that records the waits instead of waiting."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fake_server(vendor: str, script: Sequence[Step]) -> FakeServer:
    cls: type[FakeServer] = {"openai": FakeOpenAI, "anthropic": FakeAnthropic}.get(
        vendor, FakeGoogle
    )
    return cls(script)


def model_for(
    vendor: str,
    fake: FakeServer,
    *,
    retry: RetryPolicy | None = None,
    name: str = "test-model",
) -> Model:
    retry = retry or RetryPolicy(max_retries=3, max_total_s=30, base_delay_s=0, sleep=Sleeps())
    if vendor == "openai":
        return OpenAIModel(
            name, api_key=API_KEY, egress=LOCAL, base_url=f"{fake.base_url}/v1", retry=retry
        )
    if vendor == "anthropic":
        return AnthropicModel(
            name, api_key=API_KEY, egress=LOCAL, base_url=fake.base_url, retry=retry
        )
    return GoogleModel(name, api_key=API_KEY, egress=LOCAL, base_url=fake.base_url, retry=retry)


async def collect(
    model: Model,
    messages: Sequence[Message] = HELLO,
    tools: Sequence[ToolSpec] = (),
    settings: ModelSettings | None = None,
) -> list[StreamEvent]:
    return [event async for event in model.stream(messages, tools, settings)]


@pytest.fixture(params=VENDORS)
def vendor(request: pytest.FixtureRequest) -> str:
    return str(request.param)
