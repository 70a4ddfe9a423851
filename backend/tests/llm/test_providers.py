"""Every vendor, through its real SDK, against a fake server speaking its streaming wire format."""

from __future__ import annotations

import asyncio

import pytest

from app.llm.base import Finish, TextDelta, ToolCall, Usage
from app.llm.errors import (
    MalformedStream,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderRateLimited,
    ProviderUnavailable,
)
from app.llm.retry import RetryPolicy
from tests.fakes.server import Call, CutOff, HttpError, Malformed, Reply, StreamError, Text
from tests.llm.conftest import API_KEY, HELLO, WEATHER, Sleeps, collect, fake_server, model_for

KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GOOGLE_API_KEY"}


async def test_plain_text_streams_as_deltas_then_usage_then_finish(vendor: str) -> None:
    async with fake_server(vendor, [Reply([Text("Hello"), Text(", world")])]) as fake:
        events = await collect(model_for(vendor, fake))
    assert events == [
        TextDelta(text="Hello"),
        TextDelta(text=", world"),
        Usage(input_tokens=12, output_tokens=7),
        Finish(reason="stop"),
    ]
    [request] = fake.requests
    assert request.method == "POST"
    assert API_KEY in " ".join(request.headers.values())  # the key went to the vendor...
    assert "test-model" in request.path + request.body.decode()


async def test_text_split_mid_utf8_character_arrives_whole(vendor: str) -> None:
    text = "héllo wörld 👋🏽 naïve café ✓"
    reply = Reply([Text(text[:9]), Text(text[9:])], byte_chunk=5)
    async with fake_server(vendor, [reply]) as fake:
        events = await collect(model_for(vendor, fake))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == text
    assert not any("\ufffd" in d for d in deltas)


async def test_one_tool_call_with_arguments_in_many_fragments(vendor: str) -> None:
    arguments = {"city": "São Paulo", "days": 3, "units": {"temp": "C"}, "tags": ["a", "b"]}
    # Gemini sends calls whole; there the frame itself is cut into network pieces.
    reply = Reply([Call("get_weather", arguments, fragments=15)], byte_chunk=7)
    async with fake_server(vendor, [reply]) as fake:
        events = await collect(model_for(vendor, fake), tools=[WEATHER])
    assert [type(e) for e in events] == [ToolCall, Usage, Finish]
    call = events[0]
    assert isinstance(call, ToolCall)
    assert (call.name, call.arguments) == ("get_weather", arguments)
    assert call.id
    assert events[-1] == Finish(reason="tool_calls")


async def test_two_parallel_tool_calls(vendor: str) -> None:
    reply = Reply(
        [
            Text("Checking both."),
            Call("get_weather", {"city": "Paris"}, fragments=4),
            Call("get_weather", {"city": "Oslo"}, fragments=3),
        ]
    )
    async with fake_server(vendor, [reply]) as fake:
        events = await collect(model_for(vendor, fake), tools=[WEATHER])
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, c.arguments) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Oslo"}),
    ]
    assert len({c.id for c in calls}) == 2
    assert events[0] == TextDelta(text="Checking both.")
    assert events[-2:] == [Usage(input_tokens=12, output_tokens=7), Finish(reason="tool_calls")]


async def test_usage_is_reported_before_the_one_finish(vendor: str) -> None:
    async with fake_server(vendor, [Reply([Text("ok")], usage=(321, 54))]) as fake:
        events = await collect(model_for(vendor, fake))
    assert events[-2:] == [Usage(input_tokens=321, output_tokens=54), Finish(reason="stop")]
    assert sum(isinstance(e, Finish) for e in events) == 1


async def test_max_tokens_finish_reason(vendor: str) -> None:
    finish = {"openai": "length", "anthropic": "max_tokens", "google": "MAX_TOKENS"}[vendor]
    async with fake_server(vendor, [Reply([Text("cut sh")], finish=finish)]) as fake:
        events = await collect(model_for(vendor, fake))
    assert events[-1] == Finish(reason="max_tokens")


async def test_401_is_an_auth_error_naming_the_setting_and_not_retried(vendor: str) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_retries=3, base_delay_s=0, sleep=sleeps)
    async with fake_server(vendor, [HttpError(401), Reply([Text("never")])]) as fake:
        with pytest.raises(ProviderAuthError) as caught:
            await collect(model_for(vendor, fake, retry=retry))
    error = caught.value
    assert error.provider == vendor
    assert KEY_ENV[vendor] in error.message
    assert API_KEY not in str(error) and API_KEY not in repr(error.__cause__)
    assert len(fake.requests) == 1
    assert sleeps.waits == []


async def test_404_unknown_model_is_a_bad_request_quoting_the_vendor(vendor: str) -> None:
    step = HttpError(404, message="model gpt-nope not found")
    async with fake_server(vendor, [step]) as fake:
        with pytest.raises(ProviderBadRequest) as caught:
            await collect(model_for(vendor, fake))
    assert "model gpt-nope not found" in caught.value.message
    assert len(fake.requests) == 1


async def test_429_with_retry_after_is_retried_after_that_wait(vendor: str) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_retries=3, max_total_s=30, base_delay_s=5, sleep=sleeps)
    script = [HttpError(429, headers={"Retry-After": "2"}), Reply([Text("finally")])]
    async with fake_server(vendor, script) as fake:
        events = await collect(model_for(vendor, fake, retry=retry))
    assert events[0] == TextDelta(text="finally")
    assert sleeps.waits == [2.0]
    assert len(fake.requests) == 2
    assert fake.requests[0].body == fake.requests[1].body


async def test_500_is_retried_with_backoff_then_succeeds(vendor: str) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_retries=3, max_total_s=30, base_delay_s=0.25, sleep=sleeps)
    async with fake_server(vendor, [HttpError(500), HttpError(503), Reply([Text("up")])]) as fake:
        events = await collect(model_for(vendor, fake, retry=retry))
    assert events[0] == TextDelta(text="up")
    assert len(fake.requests) == 3
    first, second = sleeps.waits
    assert 0.125 <= first <= 0.25 and 0.25 <= second <= 0.5  # doubling, jittered


async def test_retries_stop_at_the_limit_and_surface_the_error(vendor: str) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_retries=2, base_delay_s=0, sleep=sleeps)
    async with fake_server(vendor, [HttpError(502)] * 5) as fake:
        with pytest.raises(ProviderUnavailable) as caught:
            await collect(model_for(vendor, fake, retry=retry))
    assert len(fake.requests) == 3
    assert "try again" in caught.value.message


async def test_retry_after_beyond_the_time_budget_is_surfaced_at_once(vendor: str) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_retries=3, max_total_s=10, sleep=sleeps)
    script = [HttpError(429, headers={"Retry-After": "60"}), Reply([Text("late")])]
    async with fake_server(vendor, script) as fake:
        with pytest.raises(ProviderRateLimited) as caught:
            await collect(model_for(vendor, fake, retry=retry))
    assert caught.value.retry_after_s == 60
    assert "60s" in caught.value.message
    assert sleeps.waits == []
    assert len(fake.requests) == 1


async def test_stream_cut_off_midway_surfaces_after_the_text_and_is_not_retried(
    vendor: str,
) -> None:
    script = [Reply([Text("Partial"), CutOff()]), Reply([Text("again")])]
    async with fake_server(vendor, script) as fake:
        seen = []
        with pytest.raises(MalformedStream) as caught:
            async for event in model_for(vendor, fake).stream(HELLO):
                seen.append(event)
    assert seen == [TextDelta(text="Partial")]
    assert caught.value.provider == vendor
    assert len(fake.requests) == 1


async def test_malformed_chunk_is_a_malformed_stream_error(vendor: str) -> None:
    script = [Reply([Text("fine so far"), Malformed()]), Reply([Text("again")])]
    async with fake_server(vendor, script) as fake:
        seen = []
        with pytest.raises(MalformedStream) as caught:
            async for event in model_for(vendor, fake).stream(HELLO):
                seen.append(event)
    assert seen == [TextDelta(text="fine so far")]
    assert "broken stream" in caught.value.message
    assert len(fake.requests) == 1


async def test_connection_refused_is_unavailable_naming_the_server(vendor: str) -> None:
    async with fake_server(vendor, []) as fake:
        model = model_for(vendor, fake, retry=RetryPolicy(max_retries=0))
    # The server is gone now: nothing listens on its port.
    with pytest.raises(ProviderUnavailable) as caught:
        await collect(model)
    assert f"127.0.0.1:{fake.port}" in caught.value.message


async def test_an_in_stream_error_before_any_output_is_retried(vendor: str) -> None:
    script = [Reply([StreamError(529)]), Reply([Text("recovered")])]
    async with fake_server(vendor, script) as fake:
        events = await collect(model_for(vendor, fake))
    assert events[0] == TextDelta(text="recovered")
    assert len(fake.requests) == 2


async def test_an_in_stream_error_after_output_is_surfaced_not_retried(vendor: str) -> None:
    script = [Reply([Text("Hi"), StreamError(529, "Overloaded")]), Reply([Text("again")])]
    async with fake_server(vendor, script) as fake:
        seen = []
        with pytest.raises(ProviderUnavailable) as caught:
            async for event in model_for(vendor, fake).stream(HELLO):
                seen.append(event)
    assert seen == [TextDelta(text="Hi")]
    assert caught.value.provider == vendor
    assert len(fake.requests) == 1


async def test_a_server_that_reports_no_usage_still_finishes() -> None:
    async with fake_server("openai", [Reply([Text("hi")], usage=None)]) as fake:
        events = await collect(model_for("openai", fake))
    assert events == [TextDelta(text="hi"), Finish(reason="stop")]


async def test_the_api_key_never_reaches_a_log_line_or_an_error(
    vendor: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    script = [
        HttpError(429, headers={"Retry-After": "0"}, message=f"slow down {API_KEY}"),
        HttpError(400, message=f"Incorrect API key provided: {API_KEY}"),
    ]
    async with fake_server(vendor, script) as fake:
        with pytest.raises(ProviderBadRequest) as caught:
            await collect(model_for(vendor, fake))
    assert len(fake.requests) == 2
    assert "Incorrect API key provided: ***" in caught.value.message
    assert API_KEY not in caught.value.message
    assert "provider_rate_limited, retry 1/3" in caplog.text  # the logs did see this call
    assert API_KEY not in caplog.text


async def test_gemini_refuses_an_empty_conversation_before_sending() -> None:
    async with fake_server("google", [Reply([Text("never")])]) as fake:
        with pytest.raises(ProviderBadRequest) as caught:
            await collect(model_for("google", fake), [])
    assert "at least one user message" in caught.value.message
    assert fake.requests == []


async def test_a_consumer_that_stops_early_hangs_up_on_the_vendor(vendor: str) -> None:
    """A cancelled run must not keep paying for tokens nobody reads."""
    reply = Reply([Text(f"word {i} ") for i in range(400)], delay_s=0.005)
    async with fake_server(vendor, [reply]) as fake:
        stream = model_for(vendor, fake).stream(HELLO)
        first = await anext(stream)
        await stream.aclose()  # what `break` or a cancelled task does
        for _ in range(400):  # bounded: the server notices within a few writes
            if fake.dropped_by_client:
                break
            await asyncio.sleep(0.01)
    assert first == TextDelta(text="word 0 ")
    assert fake.dropped_by_client == 1
    assert not any(name.startswith("x-agent-builder") for name in fake.requests[0].headers)
