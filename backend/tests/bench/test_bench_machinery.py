"""The benchmark's own machinery, so a broken bench fails `make test` and not only `make bench`:
the fake provider through the real SDKs, the chunk-integrity check, and the README table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from clients import Turn
from fake_provider import Timing, build_app, expected_text
from report import END, START, render, write_readme

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


def _http(timing: Timing) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=build_app(timing)))


async def test_openai_sdk_streams_every_token_as_its_own_chunk() -> None:
    timing = Timing(ttft_s=0, itl_s=0, tokens=6, tool_calls=True)
    client = openai.AsyncOpenAI(
        base_url="http://fake/v1", api_key="k", max_retries=0, http_client=_http(timing)
    )
    stream = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    deltas, usage = [], None
    async for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
    assert deltas == ["w0 ", "w1 ", "w2 ", "w3 ", "w4 ", "w5 "]
    assert "".join(deltas) == expected_text(6)
    assert usage is not None and usage.completion_tokens == 6


async def test_openai_tool_offer_gets_one_call_then_text_after_the_result() -> None:
    timing = Timing(ttft_s=0, itl_s=0, tokens=2, tool_calls=True)
    client = openai.AsyncOpenAI(
        base_url="http://fake/v1", api_key="k", max_retries=0, http_client=_http(timing)
    )
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    first = await client.chat.completions.create(
        model="m",
        messages=messages,
        tools=TOOLS,
        stream=True,  # type: ignore[arg-type]
    )
    arguments, name, finish = "", "", None
    async for chunk in first:
        for call in chunk.choices[0].delta.tool_calls or ():
            name = call.function.name or name if call.function else name
            arguments += call.function.arguments or "" if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert (name, json.loads(arguments), finish) == ("lookup", {"q": "bench"}, "tool_calls")

    call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    second = await client.chat.completions.create(
        model="m",
        messages=messages,
        tools=TOOLS,
        stream=True,  # type: ignore[arg-type]
    )
    text = [c.choices[0].delta.content async for c in second if c.choices[0].delta.content]
    assert "".join(text) == expected_text(2)


async def test_anthropic_sdk_streams_text_and_tool_use() -> None:
    timing = Timing(ttft_s=0, itl_s=0, tokens=3, tool_calls=True)
    client = anthropic.AsyncAnthropic(
        base_url="http://fake", api_key="k", max_retries=0, http_client=_http(timing)
    )
    async with client.messages.stream(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        assert [t async for t in stream.text_stream] == ["w0 ", "w1 ", "w2 "]
    async with client.messages.stream(
        model="m",
        max_tokens=10,
        messages=[{"role": "user", "content": "hi"}],
        tools=[{"name": "lookup", "input_schema": {"type": "object"}}],
    ) as stream:
        message = await stream.get_final_message()
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "tool_use" and message.content[0].input == {"q": "bench"}


async def test_fake_provider_refuses_a_request_without_a_key() -> None:
    async with _http(Timing(0, 0, 1, False)) as http:
        response = await http.post("http://fake/v1/chat/completions", json={"stream": True})
    assert response.status_code == 401


def _turn(deltas: list[str]) -> Turn:
    turn = Turn(started=0.0)
    for delta in deltas:
        turn.chunk(delta)
    return turn


@pytest.mark.parametrize(
    ("deltas", "expected"),
    [
        (["w0 ", "w1 ", "w2 ", "w3 "], (0, 0)),
        (["w0 ", "w1 w2 ", "w3 "], (0, 1)),  # two tokens in one frame: merged
        (["w0 ", "w2 ", "w3 "], (1, 0)),  # w1 lost
        (["w0 ", "w1 ", "w2 "], (1, 0)),  # the last token never came
    ],
)
def test_integrity_check_tells_dropped_from_merged(
    deltas: list[str], expected: tuple[int, int]
) -> None:
    assert _turn(deltas).integrity(4) == expected


def _level(concurrency: int) -> dict[str, Any]:
    side = {
        "turns": 10,
        "errors": 0,
        "ttft_p50_ms": 150.0,
        "ttft_p99_ms": 160.0,
        "gap_p99_ms": 20.0,
        "turn_p50_ms": 500.0,
        "tool_hop_p50_ms": None,
        "tool_hop_p99_ms": None,
        "turns_per_s": 2.0,
        "chunks_dropped": 0,
        "chunks_merged": 0,
    }
    return {
        "concurrency": concurrency,
        "direct": side,
        "platform": {**side, "ttft_p50_ms": 162.5},
        "added": {
            "ttft_p50_ms": 12.5,
            "ttft_p99_ms": 3.0,
            "gap_p99_ms": -0.5,
            "turn_p50_ms": 1.0,
            "tool_hop_p50_ms": None,
            "tool_hop_p99_ms": None,
            "throughput_ratio": 0.95,
        },
        "backend": {"cpu_percent": 12.0, "cpu_ms_per_turn": 9.5, "peak_rss_mib": 300.0},
        "persistence": {
            "messages_per_s": 4.0,
            "traces_per_s": 4.0,
            "messages_per_turn": 2.0,
            "traces_per_turn": 2.0,
            "write_lag_max_ms": 3.0,
            "messages_missing": 0,
        },
    }


def test_readme_table_is_replaced_between_the_markers_only(tmp_path: Path) -> None:
    results = {
        "date": "2026-11-21T22:00:00+00:00",
        "machine": {"cores": 2, "cpu": "x", "memory_gib": 8.0, "python": "3.11"},
        "settings": {
            "provider": "openai",
            "fake_provider": {"ttft_ms": 150, "itl_ms": 15, "tokens": 24},
            "backend": {"workers": 2},
        },
        "streaming": [_level(1), _level(16)],
    }
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\nintro\n\n{START}\nold table\n{END}\n\nafter\n")
    write_readme(results, readme)
    text = readme.read_text()
    assert text.startswith("# Bench\n\nintro\n") and text.endswith(f"{END}\n\nafter\n")
    assert "old table" not in text
    assert "| 1 | +12.5 ms | +3.0 ms | -0.5 ms | 0.95 (2.0 / 2.0) | 0 / 0 |" in text
    assert text.count(START) == 1 and render(results) in text
