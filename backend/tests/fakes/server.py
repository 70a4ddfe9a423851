"""A small real HTTP/1.1 server on 127.0.0.1 that plays scripted streaming replies.

Each vendor fake (openai_server, anthropic_server, google_server) subclasses `FakeServer` and
renders the vendor-neutral script below into that vendor's wire format:

    async with FakeOpenAI([
        HttpError(429, headers={"Retry-After": "0"}),
        Reply([Text("Let me check. "), Call("get_weather", {"city": "Paris"}, fragments=5)]),
        Reply([Text("Sunny."), CutOff()]),
    ]) as fake:
        ...  # point the SDK at fake.base_url; fake.requests holds every request received

A request that finds the script exhausted gets the `auto` reply when the server was started
with `auto=True` (the standalone mode), else an HTTP 500 saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import h11


@dataclass
class Text:
    text: str


@dataclass
class Call:
    """A tool call; its arguments' JSON is sent in `fragments` pieces where the vendor streams
    them (OpenAI, Anthropic)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    fragments: int = 1
    # The thought signature Gemini attaches to the first call of a reply (the google fake's
    # default when None).
    signature: str | None = None


@dataclass
class CutOff:
    """Drop the connection here, mid-stream, without ending the response."""


@dataclass
class Malformed:
    """Send a chunk that is not valid JSON here."""


@dataclass
class StreamError:
    """The vendor's in-stream error event here (HTTP status already 200), e.g. overloaded."""

    status: int = 529
    message: str | None = None


Item = Text | Call | CutOff | Malformed | StreamError


@dataclass
class Reply:
    items: list[Item]
    usage: tuple[int, int] | None = (12, 7)  # None: not reported (where the vendor may omit it)
    finish: str | None = None  # the vendor's own finish reason; derived from items when None
    byte_chunk: int | None = None  # write the body in pieces of this many bytes
    delay_s: float = 0.0  # pause between pieces


@dataclass
class HttpError:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None


Step = Reply | HttpError


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def tools(self) -> list[Any]:
        """The body's `tools`, [] when the body is not a JSON object (what `refusal` checks)."""
        try:
            body = self.json()
        except ValueError:
            return []
        return (body.get("tools") or []) if isinstance(body, dict) else []


CUT = object()  # a marker in a rendered body: drop the connection here


@dataclass
class Turn:
    """What the last message of a request says, for the auto reply."""

    user_text: str | None = None
    tool_result: str | None = None
    tool_names: list[str] = field(default_factory=list)


class FakeServer:
    default_model = "fake-model"

    def __init__(
        self,
        script: Sequence[Step] = (),
        *,
        auto: bool = False,
        auto_delay_s: float = 0.0,
        port: int = 0,
    ) -> None:
        self.script = list(script)
        self.auto = auto
        self.auto_delay_s = auto_delay_s
        self.port = port
        self.requests: list[Recorded] = []
        self.dropped_by_client = 0  # streams the client hung up on before their end
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    # -- what a vendor fake provides -------------------------------------------------------

    def render_stream(self, reply: Reply, request: Recorded) -> list[bytes | object]:
        raise NotImplementedError

    def render_error(self, error: HttpError) -> dict[str, Any]:
        raise NotImplementedError

    def read_turn(self, request: Recorded) -> Turn:
        raise NotImplementedError

    def refusal(self, request: Recorded) -> HttpError | None:
        """The vendor's own 400 for a request it would not take (e.g. invalid tools), checked
        before the script is consulted; None when the request is acceptable."""
        return None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # Connections kept alive by the SDKs' pools would otherwise wait for a next request.
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()

    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]

    # -- HTTP ------------------------------------------------------------------------------

    def _next_step(self, request: Recorded) -> Step:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        if self.script:
            return self.script.pop(0)
        if self.auto:
            return auto_reply(self.read_turn(request), self.auto_delay_s)
        return HttpError(500, message="the fake server's script is exhausted")

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        # drain() then waits until each piece is on the wire: pieces go out as separate writes,
        # and nothing is still buffered when a CutOff aborts the connection.
        writer.transport.set_write_buffer_limits(high=0)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request = await _read_request(conn, reader)
                if request is None:
                    break
                self.requests.append(request)
                if not await self._respond(conn, writer, self._next_step(request), request):
                    break
                if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    break
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError):
            pass
        except asyncio.CancelledError:
            # stop() cancels idle connections; ending quietly keeps asyncio from logging it.
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _respond(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, step: Step, request: Recorded
    ) -> bool:
        """Send one response; False when the connection was cut."""
        if isinstance(step, HttpError):
            body = json.dumps(self.render_error(step)).encode()
            headers = [
                ("content-type", "application/json"),
                ("content-length", str(len(body))),
                *step.headers.items(),
            ]
            writer.write(conn.send(h11.Response(status_code=step.status, headers=headers)))
            writer.write(conn.send(h11.Data(data=body)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            return True
        headers = [("content-type", "text/event-stream"), ("transfer-encoding", "chunked")]
        writer.write(conn.send(h11.Response(status_code=200, headers=headers)))
        for piece in _pieces(self.render_stream(step, request), step.byte_chunk):
            if piece is CUT:
                # FIN, not RST: the client reads what was sent, then finds the body unfinished.
                writer.close()
                return False
            assert isinstance(piece, bytes)
            try:
                writer.write(conn.send(h11.Data(data=piece)))
                await writer.drain()
            except ConnectionError:
                self.dropped_by_client += 1
                raise
            if writer.transport.is_closing():
                self.dropped_by_client += 1
                return False
            await asyncio.sleep(step.delay_s)
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        return True


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Recorded | None:
    request: h11.Request | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            headers = {k.decode().lower(): v.decode() for k, v in request.headers}
            return Recorded(request.method.decode(), request.target.decode(), headers, body)
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _pieces(rendered: list[bytes | object], size: int | None) -> list[bytes | object]:
    if size is None:
        return rendered
    out: list[bytes | object] = []
    for part in rendered:
        if isinstance(part, bytes):
            out.extend(part[i : i + size] for i in range(0, len(part), size))
        else:
            out.append(part)
    return out


def split_text(text: str, parts: int) -> list[str]:
    """`text` in `parts` pieces of about equal length."""
    size = max(1, -(-len(text) // max(1, parts)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def default_finish(items: Sequence[Item]) -> bool:
    """Whether the reply made tool calls."""
    return any(isinstance(item, Call) for item in items)


# -- the auto reply, for the standalone servers -------------------------------------------


def first_json_object(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def chunks_of(text: str, size: int = 3) -> list[Item]:
    return [Text(text[i : i + size]) for i in range(0, len(text), size)] or [Text("")]


def auto_reply(turn: Turn, delay_s: float) -> Reply:
    """Call a tool the user named; report a tool's result; else echo the user."""
    if turn.tool_result is not None:
        return Reply(chunks_of(f"The tool returned: {turn.tool_result[:200]}"), delay_s=delay_s)
    text = turn.user_text or ""
    for name in turn.tool_names:
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            return Reply([Call(name, first_json_object(text))], delay_s=delay_s)
    return Reply(chunks_of(f"Echo: {text}"), delay_s=delay_s)


def serve_main(server_cls: type[FakeServer], description: str) -> None:
    """`python -m tests.fakes.<vendor>_server --port N [--delay-ms 20]`: serve in auto mode."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=20.0, help="pause between chunks")
    args = parser.parse_args()

    async def run() -> None:
        server = server_cls(auto=True, auto_delay_s=args.delay_ms / 1000, port=args.port)
        await server.start()
        print(f"{description} listening on {server.base_url}", flush=True)
        assert server._server is not None
        with contextlib.suppress(asyncio.CancelledError):
            await server._server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
