"""A fake Langfuse ingestion endpoint on 127.0.0.1 that records the spans it receives.

The langfuse SDK (v3+) sends OpenTelemetry spans as OTLP/HTTP protobuf (gzip) to
`POST {host}/api/public/otel/v1/traces`; this server decodes them into `RecordedSpan`s.

    async with FakeLangfuse() as fake:          # point LANGFUSE_HOST at fake.base_url
        ...
        fake.spans                              # every span received, decoded
    FakeLangfuse(status=500)                    # an outage: every export is refused
    fake.hold = asyncio.Event()                 # responses wait until the event is set
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import h11
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

OTEL_PATH = "/api/public/otel/v1/traces"


@dataclass
class RecordedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    start_ns: int
    end_ns: int


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def decode_spans(body: bytes, encoding: str | None) -> list[RecordedSpan]:
    if encoding == "gzip":
        body = gzip.decompress(body)
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    RecordedSpan(
                        name=span.name,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                    )
                )
    return spans


class FakeLangfuse:
    def __init__(self, *, status: int = 200) -> None:
        self.status = status
        self.hold: asyncio.Event | None = None
        self.spans: list[RecordedSpan] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeLangfuse:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def by_type(self, observation_type: str) -> list[RecordedSpan]:
        return [
            s
            for s in self.spans
            if s.attributes.get("langfuse.observation.type") == observation_type
        ]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request, body = await self._read(conn, reader)
                if request is None:
                    break
                headers = {k.decode().lower(): v.decode() for k, v in request.headers}
                path = request.target.decode()
                self.requests.append((path, headers))
                if self.hold is not None:
                    await self.hold.wait()
                if path == OTEL_PATH and self.status == 200:
                    self.spans.extend(decode_spans(body, headers.get("content-encoding")))
                writer.write(
                    conn.send(
                        h11.Response(
                            status_code=self.status,
                            headers=[
                                ("content-type", "application/x-protobuf"),
                                ("content-length", "0"),
                            ],
                        )
                    )
                )
                writer.write(conn.send(h11.EndOfMessage()))
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE:
                    break
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _read(
        conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request | None, bytes]:
        request: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and request is None:
                    return None, b""
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return request, body
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""
