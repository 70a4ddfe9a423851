/**
 * Test helpers for useAgentChat: a fake WebSocket the test drives (`accept`, `serve`, `drop`)
 * and `renderChat` with fast, deterministic options.
 */
import { act, renderHook } from "@testing-library/react";
import { useAgentChat, type AgentChatOptions, type SocketLike } from "./use-agent-chat";

/** A fake WebSocket driven by the test: `serve` pushes server frames, `sent` records frames. */
export class FakeSocket implements SocketLike {
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

export const flush = () => act(async () => {});

export function renderChat(options: Partial<AgentChatOptions> = {}) {
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

export async function connected(options: Partial<AgentChatOptions> = {}) {
  const view = renderChat(options);
  await flush();
  FakeSocket.last.accept();
  return view;
}

export function textOf(parts: { type: string; text?: string }[]): string {
  return parts.map((part) => (part.type === "text" ? part.text : "")).join("");
}

