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

describe("useAgentChat connection", () => {
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
