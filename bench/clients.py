"""The two paths the benchmark compares, each timing one turn the same way.

direct:    the official SDK streaming straight from the fake provider (plus, in the tool
           scenario, a raw httpx request to the tool server and a second model call);
platform:  the same prompt as a `user_message` frame on our WebSocket playground.

A turn's clock starts when the request is handed to the client library (SDK call / frame sent)
and every chunk is stamped when the client sees it, so both paths include the same client cost.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, cast

import anthropic
import httpx
import httpx2
import openai
from websockets.asyncio.client import ClientConnection, connect

from fake_provider import TOOL_ARGUMENTS, expected_text

SYSTEM_PROMPT = "You are a benchmark agent. Answer briefly."
PROMPT = "Say the benchmark words."
TURN_TIMEOUT_S = 60.0
BUSY_RETRIES = 100
BUSY_RETRY_DELAY_S = 0.005


@dataclass
class Turn:
    """What one turn looked like from the client."""

    started: float
    first_chunk: float | None = None
    ended: float | None = None
    deltas: list[str] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)
    error: str | None = None
    tool_hop_s: float | None = None
    busy_refusals: int = 0

    def chunk(self, text: str) -> None:
        now = time.perf_counter()
        if self.first_chunk is None:
            self.first_chunk = now
        self.deltas.append(text)
        self.stamps.append(now)

    @property
    def ttft(self) -> float | None:
        return None if self.first_chunk is None else self.first_chunk - self.started

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)]

    def integrity(self, tokens: int) -> tuple[int, int]:
        """(dropped, merged): tokens missing from the text, deltas carrying several tokens."""
        if self.error is not None:
            return 0, 0
        merged = sum(1 for d in self.deltas if d.count(" ") > 1)
        received = set("".join(self.deltas).split())
        dropped = sum(1 for t in expected_text(tokens).split() if t not in received)
        return dropped, merged


class DirectClient:
    """The vendor SDK pointed at the fake provider; one pooled client for all workers."""

    def __init__(self, provider: str, base_url: str, model: str, tool_url: str) -> None:
        self.provider = provider
        self.model = model
        self.tool_url = tool_url
        self.raw = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=2048, max_keepalive_connections=2048)
        )
        if provider == "anthropic":
            self.anthropic = anthropic.AsyncAnthropic(
                base_url=base_url,
                api_key="bench-key",
                max_retries=0,
                http_client=_sdk_http(anthropic),
            )
        else:
            self.openai = openai.AsyncOpenAI(
                base_url=f"{base_url}/v1",
                api_key="bench-key",
                max_retries=0,
                http_client=_sdk_http(openai),
            )

    async def close(self) -> None:
        await self.raw.aclose()
        await (self.anthropic if self.provider == "anthropic" else self.openai).close()

    async def turn(self, *, with_tool: bool = False) -> Turn:
        turn = Turn(started=time.perf_counter())
        try:
            await asyncio.wait_for(self._turn(turn, with_tool), TURN_TIMEOUT_S)
        except Exception as exc:
            turn.error = type(exc).__name__
        turn.ended = time.perf_counter()
        return turn

    async def lookup(self) -> float:
        """One raw httpx request to the tool server; its latency in seconds."""
        started = time.perf_counter()
        response = await self.raw.get(f"{self.tool_url}/lookup", params=TOOL_ARGUMENTS)
        response.raise_for_status()
        return time.perf_counter() - started

    async def _turn(self, turn: Turn, with_tool: bool) -> None:
        messages: list[dict[str, Any]] = [{"role": "user", "content": PROMPT}]
        if not with_tool:
            await self._stream(turn, messages, tools=False)
            return
        call = await self._stream(turn, messages, tools=True)
        hop_started = time.perf_counter()
        result = await self.raw.get(f"{self.tool_url}/lookup", params=TOOL_ARGUMENTS)
        result.raise_for_status()
        turn.tool_hop_s = time.perf_counter() - hop_started
        messages += self._tool_messages(call, result.text)
        await self._stream(turn, messages, tools=True)

    async def _stream(self, turn: Turn, messages: list[dict[str, Any]], *, tools: bool) -> str:
        """Stream one model call into `turn`; returns the tool call id it made, if any."""
        if self.provider == "anthropic":
            return await self._stream_anthropic(turn, messages, tools)
        return await self._stream_openai(turn, messages, tools)

    async def _stream_openai(self, turn: Turn, messages: list[dict[str, Any]], tools: bool) -> str:
        extra: dict[str, Any] = {}
        if tools:
            extra["tools"] = [{"type": "function", "function": _tool_schema()}]
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, *messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            **extra,
        }
        stream = await self.openai.chat.completions.create(**request)
        call_id = ""
        async for chunk in stream:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                turn.chunk(delta.content)
            for tool_call in delta.tool_calls or ():
                call_id = tool_call.id or call_id
        return call_id

    async def _stream_anthropic(
        self, turn: Turn, messages: list[dict[str, Any]], tools: bool
    ) -> str:
        extra: dict[str, Any] = {}
        if tools:
            schema = _tool_schema()
            extra["tools"] = [{"name": schema["name"], "input_schema": schema["parameters"]}]
        call_id = ""
        async with self.anthropic.messages.stream(
            model=self.model,
            max_tokens=1024,
            system=SYSTEM_PROMPT,
            messages=cast(Any, messages),
            **extra,
        ) as stream:
            async for event in stream:
                if event.type == "text":
                    turn.chunk(event.text)
                elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                    call_id = event.content_block.id
        return call_id

    def _tool_messages(self, call_id: str, result: str) -> list[dict[str, Any]]:
        arguments = json.dumps(TOOL_ARGUMENTS)
        if self.provider == "anthropic":
            use = {"type": "tool_use", "id": call_id, "name": "lookup", "input": TOOL_ARGUMENTS}
            answer = {"type": "tool_result", "tool_use_id": call_id, "content": result}
            return [
                {"role": "assistant", "content": [use]},
                {"role": "user", "content": [answer]},
            ]
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": "lookup", "arguments": arguments},
        }
        return [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call_id, "content": result},
        ]


def _sdk_http(sdk: Any) -> Any:
    """The SDK's own httpx client, keeping every connection alive (as the backend's pooled
    client does) and patient enough to connect while 512 others are connecting."""
    return sdk.DefaultAsyncHttpxClient(
        limits=httpx2.Limits(max_connections=2048, max_keepalive_connections=2048),
        timeout=httpx2.Timeout(TURN_TIMEOUT_S, connect=30.0),
    )


def _tool_schema() -> dict[str, Any]:
    return {
        "name": "lookup",
        "description": "Look up a short answer",
        "parameters": {
            "type": "object",
            "properties": {"q": {"type": "string"}},
            "required": ["q"],
        },
    }


class PlatformSocket:
    """One authenticated playground socket; turns run one after another on it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, url: str, token: str, *, deflate: bool = True) -> PlatformSocket:
        """Connect and authenticate. `deflate` offers permessage-deflate, as browsers do."""
        ws = await connect(
            url,
            open_timeout=60,
            ping_interval=None,
            max_size=2**22,
            compression="deflate" if deflate else None,
        )
        socket = cls(ws)
        await ws.send(json.dumps({"type": "auth", "token": token}))
        try:
            await asyncio.wait_for(socket._until("agent_loaded"), 60)
        except BaseException:
            await ws.close()
            raise
        return socket

    async def close(self) -> None:
        await self.ws.close()

    async def turn(self) -> Turn:
        """One user turn. A `run_in_progress` refusal (the previous run still finishing after
        its message_complete) is counted in `busy_refusals` and the message sent again."""
        for attempt in range(BUSY_RETRIES + 1):
            turn = Turn(started=time.perf_counter(), busy_refusals=attempt)
            try:
                await self.ws.send(
                    json.dumps({"type": "user_message", "content": PROMPT, "conversation_id": None})
                )
                await asyncio.wait_for(self._frames(turn), TURN_TIMEOUT_S)
            except Exception as exc:
                turn.error = turn.error or type(exc).__name__
            turn.ended = time.perf_counter()
            if turn.error != "run_in_progress" or attempt == BUSY_RETRIES:
                return turn
            await asyncio.sleep(BUSY_RETRY_DELAY_S)
        raise AssertionError("unreachable")

    async def _until(self, frame_type: str) -> dict[str, Any]:
        while True:
            frame = json.loads(await self.ws.recv())
            if frame.get("type") == frame_type:
                return frame
            if frame.get("type") == "error":
                raise RuntimeError(f"error frame: {frame.get('code')}")

    async def _frames(self, turn: Turn) -> None:
        tool_started: float | None = None
        while True:
            frame = json.loads(await self.ws.recv())
            kind = frame.get("type")
            if kind == "content_delta":
                turn.chunk(frame["delta"])
            elif kind == "tool_use_start":
                tool_started = time.perf_counter()
            elif kind == "tool_use_complete" and tool_started is not None:
                turn.tool_hop_s = time.perf_counter() - tool_started
                if frame.get("is_error"):
                    turn.error = "tool_error"
            elif kind == "message_complete":
                return
            elif kind == "error":
                turn.error = str(frame.get("code", "error"))
                return
