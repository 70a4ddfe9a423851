import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAgentChat, type AgentChatOptions, type SocketLike } from "./use-agent-chat";

/** A fake WebSocket driven by the test: `serve` pushes server frames, `sent` records frames. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  private seq = 0;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static get last(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error("no socket opened");
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** The server accepts the socket and loads the agent. */
  accept(): void {
    act(() => {
      this.readyState = 1;
      this.onopen?.(new Event("open"));
    });
    this.serve({ type: "agent_loaded", agent_id: "agent-1" });
  }

  /** One server frame; numbered like the server does unless `seq` is given. */
  serve(frame: Record<string, unknown>): void {
    const seq = typeof frame.seq === "number" ? frame.seq : ++this.seq;
    act(() => {
      this.onmessage?.(new MessageEvent("message", { data: JSON.stringify({ ...frame, seq }) }));
    });
  }

  /** The connection drops (server gone, network) with `code`. */
  drop(code = 1006): void {
    act(() => {
      this.readyState = 3;
      this.onclose?.(new CloseEvent("close", { code }));
    });
  }
}

const flush = () => act(async () => {});

function renderChat(options: Partial<AgentChatOptions> = {}) {
  return renderHook(() =>
    useAgentChat({
      agentId: "agent-1",
      resolveUrl: async (id) => `ws://127.0.0.1:8000/api/v1/playground/${id}`,
      createSocket: (url) => new FakeSocket(url),
      refreshSession: async () => true,
      backoff: (attempt) => 100 * 2 ** attempt,
      maxRetries: 3,
      ...options,
    }),
  );
}

async function connected(options: Partial<AgentChatOptions> = {}) {
  const view = renderChat(options);
  await flush();
  FakeSocket.last.accept();
  return view;
}

function textOf(parts: { type: string; text?: string }[]): string {
  return parts.map((part) => (part.type === "text" ? part.text : "")).join("");
}

beforeEach(() => {
  FakeSocket.all = [];
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("useAgentChat", () => {
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

  it("reconnects with backoff after a drop, marks the cut-off turn interrupted, and restarts seq", async () => {
    vi.useFakeTimers();
    const { result } = renderChat();
    await flush();
    FakeSocket.last.accept();
    act(() => void result.current.send("hi"));
    const first = FakeSocket.last;
    first.serve({ type: "conversation_started", conversation_id: "conv-1" });
    first.serve({ type: "content_delta", delta: "Hel" });

    first.drop(1006);
    expect(result.current.connection).toBe("reconnecting");
    expect(result.current.status).toBe("ready");
    expect(result.current.messages[1]).toMatchObject({ status: "interrupted", parts: [{ type: "text", text: "Hel" }] });
    expect(FakeSocket.all).toHaveLength(1);

    await act(async () => void vi.advanceTimersByTime(99));
    expect(FakeSocket.all).toHaveLength(1);
    await act(async () => void vi.advanceTimersByTime(1));
    expect(FakeSocket.all).toHaveLength(2);

    const second = FakeSocket.last;
    second.accept(); // seq starts at 1 again on a new connection
    expect(result.current.connection).toBe("open");
    act(() => void result.current.send("again"));
    expect(second.sent.at(-1)).toEqual({ type: "user_message", content: "again", conversation_id: "conv-1" });
    second.serve({ type: "content_delta", delta: "Echo" });
    expect(textOf(result.current.messages[3]!.parts)).toBe("Echo");

    // Frames from the old socket no longer count.
    act(() => first.onmessage?.(new MessageEvent("message", { data: JSON.stringify({ type: "content_delta", delta: "zzz", seq: 99 }) })));
    expect(textOf(result.current.messages[3]!.parts)).toBe("Echo");
  });

  it("backs off longer each time and goes offline after maxRetries, until reconnect()", async () => {
    vi.useFakeTimers();
    const { result } = renderChat({ maxRetries: 2 });
    await flush();
    FakeSocket.last.drop(1006); // never opened
    await act(async () => void vi.advanceTimersByTime(100));
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.drop(1006);
    await act(async () => void vi.advanceTimersByTime(199));
    expect(FakeSocket.all).toHaveLength(2);
    await act(async () => void vi.advanceTimersByTime(1));
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.last.drop(1006);
    expect(result.current.connection).toBe("offline");
    await act(async () => void vi.advanceTimersByTime(60_000));
    expect(FakeSocket.all).toHaveLength(3);
    act(() => {
      expect(result.current.send("hi")).toBe(false);
    });

    act(() => result.current.reconnect());
    await flush();
    expect(FakeSocket.all).toHaveLength(4);
    FakeSocket.last.accept();
    expect(result.current.connection).toBe("open");
  });

  it("reconnects at once when the browser comes back online", async () => {
    vi.useFakeTimers();
    const { result } = renderChat({ maxRetries: 0 });
    await flush();
    FakeSocket.last.drop(1006);
    expect(result.current.connection).toBe("offline");
    act(() => void window.dispatchEvent(new Event("online")));
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.accept();
    expect(result.current.connection).toBe("open");
  });

  it("refreshes the session once on 4401 and reconnects; a second 4401 goes offline", async () => {
    const refreshSession = vi.fn(async () => true);
    const { result } = renderChat({ refreshSession });
    await flush();
    FakeSocket.last.drop(4401);
    await flush();
    expect(refreshSession).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.drop(4401);
    await flush();
    expect(refreshSession).toHaveBeenCalledTimes(1);
    expect(result.current.connection).toBe("offline");
    expect(result.current.closeCode).toBe(4401);
  });

  it("does not retry when the origin is refused or the agent does not exist", async () => {
    vi.useFakeTimers();
    const { result } = renderChat();
    await flush();
    FakeSocket.last.drop(4404);
    await act(async () => void vi.advanceTimersByTime(60_000));
    expect(FakeSocket.all).toHaveLength(1);
    expect(result.current.connection).toBe("offline");
    expect(result.current.closeCode).toBe(4404);
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

  it("pings an open socket now and then, and stops when it closes", async () => {
    vi.useFakeTimers();
    renderChat({ keepAliveMs: 1000 });
    await flush();
    const socket = FakeSocket.last;
    await act(async () => void vi.advanceTimersByTime(5000));
    expect(socket.sent).toEqual([]); // not open yet
    socket.accept();
    await act(async () => void vi.advanceTimersByTime(2000));
    expect(socket.sent).toEqual([{ type: "ping" }, { type: "ping" }]);
    socket.serve({ type: "pong" });
    socket.drop(1006);
    await act(async () => void vi.advanceTimersByTime(3000));
    expect(socket.sent).toHaveLength(2);
  });

  it("closes the socket when the page goes away", async () => {
    const { unmount } = await connected();
    const socket = FakeSocket.last;
    unmount();
    expect(socket.closedWith).toBe(1000);
  });
});
