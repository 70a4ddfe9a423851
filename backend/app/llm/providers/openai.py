"""OpenAI Chat Completions, streamed, through the official `openai` SDK.

The same code serves `openai` and `openai_compatible` (Ollama, vLLM, LM Studio, OpenRouter: any
server speaking Chat Completions at a base URL, with an optional key).

A tool call streams as deltas keyed by `index`: the first carries its id and name, the rest carry
pieces of the arguments' JSON, and several calls may be in flight at once. They are gathered per
index and yielded, parsed, when the choice finishes. Usage arrives in a last chunk with no
choices (we ask for it with `stream_options.include_usage`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

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
    tool_result_text,
)
from app.llm.retry import RetryPolicy, stream_with_retries
from app.llm.tool_adapters import WireTools, adapt_tools, for_openai
from app.tools.egress_transport import EgressRefused, ModelEgress

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Servers that need no key still get an Authorization header from the SDK; this is what it says.
NO_KEY = "no-key"


def _new_client(
    api_key: str, base_url: str, timeout_s: float, egress: ModelEgress
) -> openai.AsyncOpenAI:
    # max_retries=0: our RetryPolicy is the only one. The HTTP client is the egress guard's.
    return openai.AsyncOpenAI(
        api_key=api_key or NO_KEY,
        base_url=base_url,
        timeout=timeout_s,
        max_retries=0,
        http_client=egress.client(timeout_s),
    )


async def _close_client(client: openai.AsyncOpenAI) -> None:
    await client.close()


clients = ClientCache(_new_client, _close_client)


def to_openai_messages(
    messages: Sequence[Message], wire: WireTools | None = None
) -> list[dict[str, Any]]:
    """Chat Completions messages; earlier tool calls named as `wire` sends the tools."""
    wire = wire or for_openai((), compatible=True)
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage | UserMessage):
            out.append({"role": message.role, "content": message.content})
        elif isinstance(message, AssistantMessage):
            assistant: dict[str, Any] = {"role": "assistant", "content": message.content or None}
            if message.tool_calls:
                assistant["tool_calls"] = [
                    _wire_call(call.id, *wire.outgoing(call.name, call.arguments))
                    for call in message.tool_calls
                ]
            out.append(assistant)
        elif isinstance(message, ToolResultMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "content": tool_result_text(message.content, message.is_error),
                }
            )
    return out


def _wire_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def to_openai_tools(wire: WireTools) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.schema},
        }
        for t in wire.tools
    ]


@dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    pieces: list[str] = field(default_factory=list)


class OpenAIModel(Model):
    def __init__(
        self,
        name: str,
        *,
        api_key: str,
        egress: ModelEgress,
        base_url: str = "",
        compatible: bool = False,
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.compatible = compatible
        self.provider = "openai_compatible" if compatible else "openai"
        self.base_url = base_url or DEFAULT_BASE_URL
        self.client = clients.get(api_key, self.base_url, timeout_s, egress)
        self.retry = retry or RetryPolicy()
        if compatible:
            self.vendor = Vendor(
                "openai_compatible", "OpenAI-compatible server", None, self.base_url, api_key
            )
        else:
            self.vendor = Vendor("openai", "OpenAI", "OPENAI_API_KEY", self.base_url, api_key)

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
        request: dict[str, Any] = {
            "model": self.name,
            "messages": to_openai_messages(messages, wire),
            "stream_options": {"include_usage": True},
        }
        if wire.tools:
            request["tools"] = to_openai_tools(wire)
        if settings.temperature is not None:
            request["temperature"] = settings.temperature
        if settings.top_p is not None:
            request["top_p"] = settings.top_p
        if settings.max_tokens is not None:
            # OpenAI's reasoning models only take max_completion_tokens; other servers know
            # only max_tokens.
            key = "max_tokens" if self.compatible else "max_completion_tokens"
            request[key] = settings.max_tokens
        return request

    async def _stream_once(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], settings: ModelSettings
    ) -> AsyncIterator[StreamEvent]:
        wire = await adapt_tools(self.provider, tools)
        request = self._request(messages, wire, settings)
        connected = False
        try:
            stream = await self.client.chat.completions.create(**request, stream=True)
            connected = True
            async with stream:
                async for event in self._translate(stream):
                    yield wire.restore(event) if isinstance(event, ToolCall) else event
        except openai.APIStatusError as error:
            raise error_for_status(
                self.vendor,
                error.status_code,
                detail=_api_message(error.body) or error.message,
                retry_after_s=parse_retry_after(error.response.headers),
            ) from None
        except openai.APITimeoutError:
            raise timed_out(self.vendor) from None
        except openai.APIConnectionError as error:
            if connected:
                raise broken_stream(self.vendor, "the connection closed mid-stream") from None
            raise connection_failed(self.vendor, error) from None
        except openai.APIError as error:  # an error object inside the stream
            raise self._stream_error(error) from None
        except EgressRefused as error:
            raise connection_failed(self.vendor, error) from None
        except httpx2.TimeoutException:
            raise timed_out(self.vendor) from None
        except httpx2.TransportError:
            raise broken_stream(self.vendor, "the connection closed mid-stream") from None
        except ValueError:
            raise broken_stream(self.vendor, "a chunk is not valid JSON") from None
        except openai.OpenAIError as error:  # refused by the SDK before sending
            raise sdk_refused(self.vendor, error) from None

    async def _translate(self, stream: AsyncIterator[Any]) -> AsyncIterator[StreamEvent]:
        calls: dict[int, _PendingCall] = {}
        usage: Usage | None = None
        raw_finish: str | None = None
        made_tool_calls = False
        async for chunk in stream:
            if getattr(chunk, "usage", None) is not None:
                usage = Usage(
                    input_tokens=chunk.usage.prompt_tokens or 0,
                    output_tokens=chunk.usage.completion_tokens or 0,
                )
            for choice in chunk.choices or ():
                if choice.index != 0:
                    continue
                delta = choice.delta
                if delta is not None and delta.content:
                    yield TextDelta(text=delta.content)
                for piece in (delta.tool_calls if delta is not None else None) or ():
                    index = piece.index if piece.index is not None else len(calls)
                    pending = calls.setdefault(index, _PendingCall())
                    pending.id = pending.id or (piece.id or "")
                    if piece.function is not None:
                        pending.name = pending.name or (piece.function.name or "")
                        pending.pieces.append(piece.function.arguments or "")
                if choice.finish_reason:
                    raw_finish = choice.finish_reason
                    for call in self._complete(calls):
                        made_tool_calls = True
                        yield call
        if raw_finish is None:
            raise broken_stream(self.vendor, "the stream ended before the model finished")
        for call in self._complete(calls):  # servers that send calls after finish_reason
            made_tool_calls = True
            yield call
        if usage is not None:
            yield usage
        yield Finish(reason=finish_reason(raw_finish, made_tool_calls=made_tool_calls))

    def _complete(self, calls: dict[int, _PendingCall]) -> list[ToolCall]:
        done = []
        for index in sorted(calls):
            pending = calls[index]
            if not pending.id or not pending.name:
                raise broken_stream(self.vendor, "a tool call came without an id or name")
            arguments = parse_arguments(self.vendor, pending.name, "".join(pending.pieces))
            done.append(ToolCall(id=pending.id, name=pending.name, arguments=arguments))
        calls.clear()
        return done

    def _stream_error(self, error: openai.APIError) -> LLMError:
        code = _error_field(error.body, "code") or _error_field(error.body, "type") or ""
        status = 429 if "rate_limit" in code else 400 if "invalid" in code else 500
        return error_for_status(self.vendor, status, detail=error.message)


def _error_field(body: object, name: str) -> str | None:
    value = body.get(name) if isinstance(body, dict) else None
    return str(value) if value is not None else None


def _api_message(body: object) -> str | None:
    """`error.message` from an error body (the SDK hands over `body["error"]` or the body)."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return None
