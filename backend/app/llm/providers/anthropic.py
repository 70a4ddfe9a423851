"""Anthropic: the Messages API, streamed, through the official `anthropic` SDK.

Our messages map to Anthropic's as: system messages -> the `system` parameter; an assistant
message -> text + `tool_use` blocks; tool results -> `tool_result` blocks in a user message
(consecutive results share one, as the API requires). A tool call's JSON input arrives as
`input_json_delta` pieces; it is parsed and yielded when its block stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic
import httpx2

from app.llm.base import (
    Finish,
    Model,
    ModelSettings,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from app.llm.errors import LLMError
from app.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolResultMessage,
    UserMessage,
)
from app.llm.providers.common import (
    ClientCache,
    Vendor,
    broken_stream,
    connection_failed,
    error_for_status,
    finish_reason,
    parse_arguments,
    parse_retry_after,
    sdk_refused,
    timed_out,
)
from app.llm.retry import RetryPolicy, stream_with_retries
from app.llm.tool_adapters import WireTools, adapt_tools, for_anthropic
from app.tools.egress_transport import EgressRefused, ModelEgress

DEFAULT_BASE_URL = "https://api.anthropic.com"
# The Messages API requires max_tokens; this is what an agent gets when it sets none.
DEFAULT_MAX_TOKENS = 4096
# Anthropic's error types, for errors that arrive inside a 200 stream.
_ERROR_TYPE_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def _new_client(
    api_key: str, base_url: str, timeout_s: float, egress: ModelEgress
) -> anthropic.AsyncAnthropic:
    # max_retries=0: our RetryPolicy is the only one. The HTTP client is the egress guard's.
    return anthropic.AsyncAnthropic(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout_s,
        max_retries=0,
        http_client=egress.client(timeout_s),
    )


async def _close_client(client: anthropic.AsyncAnthropic) -> None:
    await client.close()


clients = ClientCache(_new_client, _close_client)


def to_anthropic_messages(
    messages: Sequence[Message], wire: WireTools | None = None
) -> tuple[str | None, list[dict[str, Any]]]:
    """(system prompt, messages) in the Messages API format; earlier tool calls named as
    `wire` sends the tools."""
    wire = wire or for_anthropic(())
    system: list[str] = []
    out: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if out and out[-1]["role"] == role:  # the API wants roles to alternate
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})

    for message in messages:
        if isinstance(message, SystemMessage):
            system.append(message.content)
        elif isinstance(message, UserMessage):
            add("user", [{"type": "text", "text": message.content}])
        elif isinstance(message, AssistantMessage):
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            for call in message.tool_calls:
                name, arguments = wire.outgoing(call.name, call.arguments)
                blocks.append({"type": "tool_use", "id": call.id, "name": name, "input": arguments})
            add("assistant", blocks)
        elif isinstance(message, ToolResultMessage):
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            if message.is_error:
                block["is_error"] = True
            add("user", [block])
    return ("\n\n".join(system) if system else None), out


def to_anthropic_tools(wire: WireTools) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "description": t.description, "input_schema": t.schema} for t in wire.tools
    ]


class AnthropicModel(Model):
    provider = "anthropic"

    def __init__(
        self,
        name: str,
        *,
        api_key: str,
        egress: ModelEgress,
        base_url: str = "",
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url or DEFAULT_BASE_URL
        self.client = clients.get(api_key, self.base_url, timeout_s, egress)
        self.retry = retry or RetryPolicy()
        self.vendor = Vendor("anthropic", "Anthropic", "ANTHROPIC_API_KEY", self.base_url, api_key)

    def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        settings: ModelSettings | None = None,
    ) -> AsyncIterator[StreamEvent]:
        return stream_with_retries(
            lambda: self._stream_once(messages, tools, settings or ModelSettings()), self.retry
        )

    def _request(
        self, messages: Sequence[Message], wire: WireTools, settings: ModelSettings
    ) -> dict[str, Any]:
        system, wire_messages = to_anthropic_messages(messages, wire)
        request: dict[str, Any] = {
            "model": self.name,
            "messages": wire_messages,
            "max_tokens": settings.max_tokens or DEFAULT_MAX_TOKENS,
        }
        if system:
            request["system"] = system
        if wire.tools:
            request["tools"] = to_anthropic_tools(wire)
        # The 1.x+ SDKs dropped the sampling keywords; the API still takes them (on models that
        # allow sampling), so they travel in the body, and only when the agent sets them.
        sampling = {"temperature": settings.temperature, "top_p": settings.top_p}
        extra = {key: value for key, value in sampling.items() if value is not None}
        if extra:
            request["extra_body"] = extra
        return request

    async def _stream_once(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], settings: ModelSettings
    ) -> AsyncIterator[StreamEvent]:
        wire = await adapt_tools("anthropic", tools)
        request = self._request(messages, wire, settings)
        try:
            stream = await self.client.messages.create(**request, stream=True)
            async with stream:
                async for event in self._translate(stream):
                    yield wire.restore(event) if isinstance(event, ToolCall) else event
        except anthropic.APIStatusError as error:
            raise self._status_error(error) from None
        except anthropic.APITimeoutError:
            raise timed_out(self.vendor) from None
        except anthropic.APIConnectionError as error:
            raise connection_failed(self.vendor, error) from None
        except EgressRefused as error:
            raise connection_failed(self.vendor, error) from None
        except httpx2.TimeoutException:
            raise timed_out(self.vendor) from None
        except httpx2.TransportError:
            raise broken_stream(self.vendor, "the connection closed mid-stream") from None
        except ValueError:
            raise broken_stream(self.vendor, "an event is not valid JSON") from None
        except anthropic.AnthropicError as error:  # refused by the SDK before sending
            raise sdk_refused(self.vendor, error) from None

    async def _translate(self, stream: AsyncIterator[Any]) -> AsyncIterator[StreamEvent]:
        tool_blocks: dict[int, tuple[str, str, list[str]]] = {}
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        made_tool_calls = complete = False
        async for event in stream:
            kind = getattr(event, "type", None)
            if kind == "message_start":
                usage = event.message.usage
                input_tokens = _input_tokens(usage)
                output_tokens = usage.output_tokens or 0
            elif kind == "content_block_start":
                block = event.content_block
                if block.type == "tool_use":
                    tool_blocks[event.index] = (block.id, block.name, [])
                elif block.type == "text" and block.text:
                    yield TextDelta(text=block.text)
            elif kind == "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta" and delta.text:
                    yield TextDelta(text=delta.text)
                elif delta.type == "input_json_delta":
                    if event.index not in tool_blocks:
                        raise broken_stream(self.vendor, "tool input for an unknown block")
                    tool_blocks[event.index][2].append(delta.partial_json)
            elif kind == "content_block_stop" and event.index in tool_blocks:
                call_id, name, pieces = tool_blocks.pop(event.index)
                arguments = parse_arguments(self.vendor, name, "".join(pieces))
                made_tool_calls = True
                yield ToolCall(id=call_id, name=name, arguments=arguments)
            elif kind == "message_delta":
                stop_reason = event.delta.stop_reason or stop_reason
                output_tokens = event.usage.output_tokens or output_tokens
                if event.usage.input_tokens:
                    input_tokens = _input_tokens(event.usage)
            elif kind == "message_stop":
                complete = True
        if not complete:
            raise broken_stream(self.vendor, "the stream ended before the message was complete")
        yield Usage(input_tokens=input_tokens, output_tokens=output_tokens)
        yield Finish(reason=finish_reason(stop_reason, made_tool_calls=made_tool_calls))

    def _status_error(self, error: anthropic.APIStatusError) -> LLMError:
        status = error.status_code
        if status < 400:  # an `error` event inside a 200 stream
            status = _ERROR_TYPE_STATUS.get(str(_error_type(error.body)), 500)
        return error_for_status(
            self.vendor,
            status,
            detail=error.api_message,
            retry_after_s=parse_retry_after(error.response.headers),
        )


def _input_tokens(usage: Any) -> int:
    """Every input token the call was billed for, cached or not."""
    return sum(
        getattr(usage, field, None) or 0
        for field in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


def _error_type(body: object) -> object:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("type")
    return None
