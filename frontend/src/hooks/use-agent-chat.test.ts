import { act, cleanup } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, connected, flush, renderChat, textOf } from "./use-agent-chat.fake-socket";

beforeEach(() => {
  FakeSocket.all = [];
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("useAgentChat stream state", () => {
  it("connects to the agent's playground socket and becomes open on agent_loaded", async () => {
    const { result } = renderChat();
    expect(result.current.connection).toBe("connecting");
    await flush();
    expect(FakeSocket.last.url).toBe("ws://127.0.0.1:8000/api/v1/playground/agent-1");
    FakeSocket.last.accept();
    expect(result.current.connection).toBe("open");
    expect(result.current.status).toBe("ready");
  });

  it("sends a user message and appends streamed deltas in order to one assistant message", async () => {
    const { result } = await connected();
    act(() => {
      expect(result.current.send("  Hello there  ")).toBe(true);
    });
    const socket = FakeSocket.last;
    expect(socket.sent).toEqual([{ type: "user_message", content: "Hello there", conversation_id: null }]);
    expect(result.current.status).toBe("submitted");

    socket.serve({ type: "conversation_started", conversation_id: "conv-1" });
    for (const delta of ["Ech", "o: ", "Hel", "lo"]) socket.serve({ type: "content_delta", delta, conversation_id: "conv-1" });

    expect(result.current.status).toBe("streaming");
    expect(result.current.conversationId).toBe("conv-1");
    const [user, assistant] = result.current.messages;
    expect(user?.role).toBe("user");
    expect(textOf(user!.parts)).toBe("Hello there");
    expect(assistant?.role).toBe("assistant");
    expect(assistant?.parts).toEqual([{ type: "text", text: "Echo: Hello" }]);
    expect(assistant?.status).toBe("streaming");
  });

  it("refuses to send while a turn runs, and continues the same conversation afterwards", async () => {
    const { result } = await connected();
    act(() => void result.current.send("first"));
    act(() => {
      expect(result.current.send("second")).toBe(false);
    });
    const socket = FakeSocket.last;
    socket.serve({ type: "conversation_started", conversation_id: "conv-1" });
    socket.serve({
      type: "message_complete",
      message_id: "m1",
      usage: { input_tokens: 1, output_tokens: 1 },
      cost_usd: 0,
      latency_ms: 1,
      ttft_ms: 1,
    });
    act(() => void result.current.send("second"));
    expect(socket.sent.at(-1)).toEqual({ type: "user_message", content: "second", conversation_id: "conv-1" });
    expect(socket.sent.filter((frame) => frame.type === "user_message")).toHaveLength(2);
  });

  it("sends a message again when an earlier run still holds the conversation, then gives up", async () => {
    vi.useFakeTimers();
    const { result } = renderChat();
    await flush();
    FakeSocket.last.accept();
    const socket = FakeSocket.last;
    act(() => void result.current.send("hi"));
    const refused = { type: "error", code: "run_in_progress", message: "busy", retryable: true };
    socket.serve(refused);
    expect(result.current.status).toBe("submitted");
    expect(result.current.messages[1]?.status).toBe("streaming");
    await act(async () => void vi.advanceTimersByTime(1000));
    expect(socket.sent.filter((frame) => frame.type === "user_message")).toHaveLength(2);

    socket.serve(refused);
    await act(async () => void vi.advanceTimersByTime(2000));
    socket.serve(refused);
    await act(async () => void vi.advanceTimersByTime(3000));
    expect(socket.sent.filter((frame) => frame.type === "user_message")).toHaveLength(4);
    socket.serve(refused); // out of attempts: the turn shows the error
    expect(result.current.status).toBe("ready");
    expect(result.current.messages[1]).toMatchObject({ status: "error", error: { code: "run_in_progress" } });
  });

  it("shows a tool call as a card that starts running and completes with its result and latency", async () => {
    const { result } = await connected();
    act(() => void result.current.send("weather in Berlin"));
    const socket = FakeSocket.last;
    socket.serve({ type: "tool_use_start", tool_call_id: "call-1", tool_name: "get_weather", input: { city: "Berlin" } });

    let parts = result.current.messages[1]!.parts;
    expect(parts).toEqual([
      { type: "tool_call", toolCallId: "call-1", toolName: "get_weather", input: { city: "Berlin" }, state: "running" },
    ]);

    socket.serve({
      type: "tool_use_complete",
      tool_call_id: "call-1",
      tool_name: "get_weather",
      result: { temperature_c: 21 },
      is_error: false,
      latency_ms: 12.5,
    });
    socket.serve({ type: "content_delta", delta: "It is 21°C." });

    parts = result.current.messages[1]!.parts;
    expect(parts[0]).toMatchObject({ state: "complete", result: { temperature_c: 21 }, latencyMs: 12.5 });
    expect(parts[1]).toEqual({ type: "text", text: "It is 21°C." });
  });

  it("marks a failed tool call as an error", async () => {
    const { result } = await connected();
    act(() => void result.current.send("call it"));
    const socket = FakeSocket.last;
    socket.serve({ type: "tool_use_start", tool_call_id: "c", tool_name: "echo", input: {} });
    socket.serve({ type: "tool_use_complete", tool_call_id: "c", tool_name: "echo", result: "HTTP 500", is_error: true, latency_ms: 3 });
    expect(result.current.messages[1]!.parts[0]).toMatchObject({ state: "error", result: "HTTP 500" });
  });

  it("records message_complete metrics and becomes ready", async () => {
    const { result } = await connected();
    act(() => void result.current.send("hi"));
    const socket = FakeSocket.last;
    socket.serve({ type: "content_delta", delta: "Echo: hi" });
    socket.serve({
      type: "message_complete",
      message_id: "m1",
      status: "complete",
      usage: { input_tokens: 12, output_tokens: 4 },
      cost_usd: 0.00012,
      latency_ms: 340,
      ttft_ms: 95,
    });
    const assistant = result.current.messages[1]!;
    expect(result.current.status).toBe("ready");
    expect(assistant.status).toBe("complete");
    expect(assistant.metrics).toEqual({
      usage: { input_tokens: 12, output_tokens: 4 },
      costUsd: 0.00012,
      latencyMs: 340,
      ttftMs: 95,
    });
  });

  it("stop sends cancel; the interrupted turn keeps its text and unfinished tool calls stop spinning", async () => {
    const { result } = await connected();
    act(() => void result.current.send("long answer"));
    const socket = FakeSocket.last;
    socket.serve({ type: "tool_use_start", tool_call_id: "c1", tool_name: "slow", input: {} });
    socket.serve({ type: "content_delta", delta: "Part" });
    act(() => result.current.stop());
    expect(socket.sent.at(-1)).toEqual({ type: "cancel" });
    expect(result.current.status).toBe("stopping");

    socket.serve({ type: "content_delta", delta: "ial" }); // already in flight when cancel landed
    expect(result.current.status).toBe("stopping");
    socket.serve({
      type: "message_complete",
      message_id: "m1",
      status: "interrupted",
      usage: { input_tokens: 3, output_tokens: 2 },
      cost_usd: null,
      latency_ms: 50,
      ttft_ms: 10,
    });
    const assistant = result.current.messages[1]!;
    expect(result.current.status).toBe("ready");
    expect(assistant.status).toBe("interrupted");
    expect(assistant.parts[0]).toMatchObject({ type: "tool_call", state: "interrupted" });
    expect(assistant.parts[1]).toEqual({ type: "text", text: "Partial" });
  });

  it("stop does nothing when no turn is running", async () => {
    const { result } = await connected();
    act(() => result.current.stop());
    expect(FakeSocket.last.sent).toEqual([]);
  });

  it("turns an error frame during a run into an error on that turn, with code and retryable", async () => {
    const { result } = await connected();
    act(() => void result.current.send("hi"));
    FakeSocket.last.serve({
      type: "error",
      code: "provider_auth_failed",
      message: "OpenAI rejected the API key",
      retryable: false,
    });
    const assistant = result.current.messages[1]!;
    expect(result.current.status).toBe("ready");
    expect(assistant.status).toBe("error");
    expect(assistant.error).toEqual({ code: "provider_auth_failed", message: "OpenAI rejected the API key", retryable: false });
    expect(result.current.error).toBeNull();
  });

  it("keeps an error frame outside a run as a dismissable chat error", async () => {
    const { result } = await connected();
    FakeSocket.last.serve({ type: "error", code: "unknown_type", message: "Unknown frame type" });
    expect(result.current.error).toMatchObject({ code: "unknown_type" });
    expect(result.current.messages).toEqual([]);
    act(() => result.current.dismissError());
    expect(result.current.error).toBeNull();
  });

  it("drops duplicate and stale frames by seq, and ignores unknown frames", async () => {
    const { result } = await connected(); // agent_loaded was seq 1
    act(() => void result.current.send("hi"));
    const socket = FakeSocket.last;
    socket.serve({ type: "content_delta", delta: "A", seq: 2 });
    socket.serve({ type: "content_delta", delta: "A", seq: 2 }); // duplicate
    socket.serve({ type: "content_delta", delta: "B", seq: 4 });
    socket.serve({ type: "content_delta", delta: "X", seq: 3 }); // older than the last seen
    act(() => socket.onmessage?.(new MessageEvent("message", { data: "not json" })));
    act(() => socket.onmessage?.(new MessageEvent("message", { data: JSON.stringify({ type: "mystery", seq: 5 }) })));
    expect(textOf(result.current.messages[1]!.parts)).toBe("AB");
  });

  it("opens an earlier conversation and a new one", async () => {
    const { result } = await connected();
    act(() =>
      result.current.openConversation("conv-9", [
        { id: "u1", role: "user", parts: [{ type: "text", text: "old" }], status: "complete" },
      ]),
    );
    expect(result.current.conversationId).toBe("conv-9");
    act(() => void result.current.send("more"));
    expect(FakeSocket.last.sent.at(-1)).toEqual({ type: "user_message", content: "more", conversation_id: "conv-9" });
    FakeSocket.last.serve({ type: "message_complete", message_id: "m", usage: { input_tokens: 0, output_tokens: 0 }, cost_usd: 0, latency_ms: 0, ttft_ms: null });

    act(() => result.current.newConversation());
    expect(result.current.messages).toEqual([]);
    expect(result.current.conversationId).toBeNull();
  });
});
