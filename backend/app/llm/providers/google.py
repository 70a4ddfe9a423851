"""Google Gemini, streamed, through the official `google-genai` SDK (not the deprecated
`google-generativeai`).

Mapping: system messages -> `system_instruction`; assistant -> a `model` turn with text and
`function_call` parts; tool results -> `function_response` parts in a `user` turn (consecutive
results share one). Gemini sends each function call whole, usually without an id: we give it a
unique one (`gcall_...`) and, when the result goes back, match it by name and drop our id.

Gemini 3 signs its function calls (`thought_signature`) and wants the signature back with the
call in the next request. The signature travels on our ToolCall (base64) and is stored with the
assistant message's tool calls, so any worker can continue the conversation; a call without one
(stored before signatures were kept, or made by another vendor) is sent with Google's documented
placeholder that skips the check.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

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
from app.llm.errors import LLMError, ProviderBadRequest
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
    parse_duration,
    parse_retry_after,
    sdk_refused,
    timed_out,
)
from app.llm.retry import RetryPolicy, stream_with_retries
from app.llm.tool_adapters import WireTools, adapt_tools, for_google
from app.tools.egress_transport import EgressRefused, ModelEgress

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/"
SYNTHETIC_ID_PREFIX = "gcall_"
# Tags a request with its stream on its way to our HTTP client; removed before sending.
STREAM_ID_HEADER = "x-agent-builder-stream"
# Google's documented stand-in for a thought signature we no longer have.
SKIP_SIGNATURE = base64.urlsafe_b64decode("skip_thought_signature_validator")


class _HangUpClient(httpx2.AsyncClient):
    """The SDK's HTTP client, keeping each stream's response by our stream id.

    The SDK keeps a stream's HTTP response alive in a reference cycle after its iterator is
    closed, so a consumer that stops early (a cancelled run) would keep Gemini generating
    until the garbage collector ran. With this, the stream's own `finally` hangs up.
    """

    def __init__(self, egress: ModelEgress, timeout_s: float) -> None:
        # The egress guard's transport: checked, pinned connections, redirects refused.
        super().__init__(
            transport=egress.transport(),
            follow_redirects=False,
            trust_env=False,
            timeout=timeout_s,
        )
        self.responses: dict[str, httpx2.Response] = {}

    async def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        stream_id = request.headers.pop(STREAM_ID_HEADER, None)
        response = await super().send(request, **kwargs)
        if stream_id:
            self.responses[stream_id] = response
        return response

    async def hang_up(self, stream_id: str) -> None:
        response = self.responses.pop(stream_id, None)
        if response is not None:
            await response.aclose()


@dataclass(frozen=True)
class _Clients:
    genai: genai.Client
    http: _HangUpClient


def _new_client(api_key: str, base_url: str, timeout_s: float, egress: ModelEgress) -> _Clients:
    # No retry_options: the SDK does not retry, our RetryPolicy does.
    http = _HangUpClient(egress, timeout_s)
    options = types.HttpOptions(
        base_url=base_url, timeout=int(timeout_s * 1000), httpx_async_client=http
    )
    return _Clients(genai.Client(api_key=api_key, vertexai=False, http_options=options), http)


async def _close_client(clients: _Clients) -> None:
    await clients.genai.aio.aclose()
    await clients.http.aclose()


clients = ClientCache(_new_client, _close_client)


def new_call_id() -> str:
    return f"{SYNTHETIC_ID_PREFIX}{uuid.uuid4().hex[:24]}"


def to_google_contents(
    messages: Sequence[Message], wire: WireTools | None = None
) -> tuple[str | None, list[dict[str, Any]]]:
    """(system instruction, contents) in the Gemini API format; earlier tool calls and their
    results named as `wire` sends the tools."""
    wire = wire or for_google(())
    system: list[str] = []
    contents: list[dict[str, Any]] = []

    def add(role: str, parts: list[dict[str, Any]]) -> None:
        if not parts:
            return
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for message in messages:
        if isinstance(message, SystemMessage):
            system.append(message.content)
        elif isinstance(message, UserMessage):
            add("user", [{"text": message.content}])
        elif isinstance(message, AssistantMessage):
            parts: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
            for position, call in enumerate(message.tool_calls):
                name, arguments = wire.outgoing(call.name, call.arguments)
                function_call: dict[str, Any] = {"name": name, "args": arguments}
                if not call.id.startswith(SYNTHETIC_ID_PREFIX):
                    function_call["id"] = call.id
                part: dict[str, Any] = {"function_call": function_call}
                signature = _signature_bytes(call.thought_signature)
                if signature is None and position == 0:
                    signature = SKIP_SIGNATURE
                if signature is not None:
                    part["thought_signature"] = signature
                parts.append(part)
            add("model", parts)
        elif isinstance(message, ToolResultMessage):
            function_response: dict[str, Any] = {
                "name": wire.wire_name(message.name),
                "response": {"error" if message.is_error else "result": message.content},
            }
            if not message.tool_call_id.startswith(SYNTHETIC_ID_PREFIX):
                function_response["id"] = message.tool_call_id
            add("user", [{"function_response": function_response}])
    return ("\n\n".join(system) if system else None), contents


def _signature_bytes(stored: str | None) -> bytes | None:
    """A stored signature as the SDK sends it; one that is not base64 (a hand-edited row) is
    dropped rather than failing the conversation."""
    if not stored:
        return None
    try:
        return base64.b64decode(stored, validate=True)
    except ValueError:
        return None


def to_google_tools(wire: WireTools) -> list[types.Tool]:
    """Declarations with `parameters`, the schema subset every Gemini model and API surface
    takes (app.llm.gemini_schema), not the newer `parameters_json_schema`."""
    if not wire.tools:
        return []
    declarations = [
        types.FunctionDeclaration(
            name=t.name,
            description=t.description,
            parameters=types.Schema.model_validate(t.schema) if t.schema else None,
        )
        for t in wire.tools
    ]
    return [types.Tool(function_declarations=declarations)]


class GoogleModel(Model):
    provider = "google"

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
        self._clients = clients.get(api_key, self.base_url, timeout_s, egress)
        self.client = self._clients.genai
        self.retry = retry or RetryPolicy()
        self.vendor = Vendor("google", "Google Gemini", "GOOGLE_API_KEY", self.base_url, api_key)

    def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        settings: ModelSettings | None = None,
    ) -> AsyncIterator[StreamEvent]:
        return stream_with_retries(
            lambda: self._stream_once(messages, tools, settings or ModelSettings()), self.retry
        )

    def _config(
        self,
        system: str | None,
        wire: WireTools,
        settings: ModelSettings,
        stream_id: str = "",
    ) -> types.GenerateContentConfig:
        return types.GenerateContentConfig(
            http_options=types.HttpOptions(headers={STREAM_ID_HEADER: stream_id})
            if stream_id
            else None,
            system_instruction=system,
            tools=to_google_tools(wire) or None,
            temperature=settings.temperature,
            top_p=settings.top_p,
            max_output_tokens=settings.max_tokens,
            # We run tools ourselves, and our retry policy decides about re-sending requests.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            automatic_continuation=False,
        )

    async def _stream_once(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], settings: ModelSettings
    ) -> AsyncIterator[StreamEvent]:
        wire = await adapt_tools("google", tools)
        system, contents = to_google_contents(messages, wire)
        if not contents:
            raise ProviderBadRequest(self.vendor.name, "Gemini needs at least one user message")
        stream_id = uuid.uuid4().hex
        config = self._config(system, wire, settings, stream_id)
        received = False
        try:
            stream = await self.client.aio.models.generate_content_stream(
                model=self.name,
                contents=contents,
                config=config,
            )
            async for event in self._translate(stream):
                received = True
                yield wire.restore(event) if isinstance(event, ToolCall) else event
        except genai_errors.APIError as error:
            raise self._api_error(error) from None
        except EgressRefused as error:
            raise connection_failed(self.vendor, error) from None
        except httpx2.TimeoutException:
            raise timed_out(self.vendor) from None
        except httpx2.TransportError as error:
            if received:
                raise broken_stream(self.vendor, "the connection closed mid-stream") from None
            raise connection_failed(self.vendor, error) from None
        except (genai_errors.UnknownApiResponseError, pydantic.ValidationError):
            raise broken_stream(self.vendor, "a chunk is not valid JSON") from None
        except ValueError as error:  # the SDK refused to build the request
            raise sdk_refused(self.vendor, error) from None
        finally:
            await self._clients.http.hang_up(stream_id)

    async def _translate(
        self, stream: AsyncIterator[types.GenerateContentResponse]
    ) -> AsyncIterator[StreamEvent]:
        usage: Usage | None = None
        raw_finish: str | None = None
        made_tool_calls = False
        async for chunk in stream:
            if chunk.usage_metadata is not None:
                meta = chunk.usage_metadata
                usage = Usage(
                    input_tokens=meta.prompt_token_count or 0,
                    output_tokens=(meta.candidates_token_count or 0)
                    + (meta.thoughts_token_count or 0),
                )
            candidate = chunk.candidates[0] if chunk.candidates else None
            if candidate is None:
                continue
            for part in (candidate.content.parts if candidate.content else None) or ():
                if part.text and not part.thought:
                    yield TextDelta(text=part.text)
                if part.function_call is not None:
                    made_tool_calls = True
                    yield self._tool_call(part)
            if candidate.finish_reason is not None:
                raw_finish = str(candidate.finish_reason.value)
        if raw_finish is None:
            raise broken_stream(self.vendor, "the stream ended before the model finished")
        if usage is not None:
            yield usage
        yield Finish(reason=finish_reason(raw_finish, made_tool_calls=made_tool_calls))

    def _tool_call(self, part: types.Part) -> ToolCall:
        call = part.function_call
        assert call is not None
        if not call.name:
            raise broken_stream(self.vendor, "a function call came without a name")
        signature = part.thought_signature
        return ToolCall(
            id=call.id or new_call_id(),
            name=call.name,
            arguments=dict(call.args or {}),
            thought_signature=base64.b64encode(signature).decode() if signature else None,
        )

    def _api_error(self, error: genai_errors.APIError) -> LLMError:
        status = error.code if isinstance(error.code, int) else 500
        headers = getattr(error.response, "headers", None)
        retry_after = parse_retry_after(headers) or _retry_delay(error.details)
        return error_for_status(self.vendor, status, error.message, retry_after)


def _retry_delay(details: object) -> float | None:
    """RetryInfo.retryDelay from a Google error body, e.g. "17s"."""
    error = details.get("error", details) if isinstance(details, dict) else None
    for item in (error.get("details") if isinstance(error, dict) else None) or ():
        if isinstance(item, dict) and "retryDelay" in item:
            return parse_duration(item["retryDelay"])
    return None
