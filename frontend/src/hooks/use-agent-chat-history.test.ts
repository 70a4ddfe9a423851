import { describe, expect, it } from "vitest";
import { messagesFromHistory, type StoredMessage } from "./use-agent-chat-history";

let seq = 0;
function stored(partial: Partial<StoredMessage> & Pick<StoredMessage, "role">): StoredMessage {
  seq += 1;
  return {
    id: `m${seq}`,
    conversation_id: "conv",
    seq,
    content: "",
    tool_calls: null,
    tool_call_id: null,
    status: "complete",
    metadata: {},
    created_at: "2026-01-01T00:00:00Z",
    ...partial,
  };
}

describe("messagesFromHistory", () => {
  it("merges a turn's model calls and tool results into one assistant message with totals", () => {
    const messages = messagesFromHistory([
      stored({ role: "user", content: "weather in Berlin?" }),
      stored({
        role: "assistant",
        tool_calls: [{ id: "c1", name: "get_weather", arguments: { city: "Berlin" } }],
        metadata: { usage: { input_tokens: 10, output_tokens: 5 }, cost_usd: 0.001, latency_ms: 100, ttft_ms: 40 },
      }),
      stored({
        role: "tool",
        tool_call_id: "c1",
        content: '{"temperature_c": 21}',
        metadata: { tool_name: "get_weather", is_error: false, latency_ms: 12, result: { temperature_c: 21 } },
      }),
      stored({
        role: "assistant",
        content: "It is 21°C.",
        metadata: { usage: { input_tokens: 20, output_tokens: 6 }, cost_usd: 0.002, latency_ms: 200, ttft_ms: 50 },
      }),
    ]);

    expect(messages).toHaveLength(2);
    const [, assistant] = messages;
    expect(assistant?.parts).toEqual([
      {
        type: "tool_call",
        toolCallId: "c1",
        toolName: "get_weather",
        input: { city: "Berlin" },
        state: "complete",
        result: { temperature_c: 21 },
        latencyMs: 12,
      },
      { type: "text", text: "It is 21°C." },
    ]);
    expect(assistant?.metrics).toEqual({
      usage: { input_tokens: 30, output_tokens: 11 },
      costUsd: 0.003,
      latencyMs: 312,
      ttftMs: 40,
    });
  });

  it("keeps interrupted and failed turns visible as such", () => {
    const messages = messagesFromHistory([
      stored({ role: "user", content: "one" }),
      stored({ role: "assistant", content: "Ech", status: "interrupted" }),
      stored({ role: "user", content: "two" }),
      stored({
        role: "assistant",
        status: "error",
        metadata: { error: { code: "provider_auth_failed", message: "bad key" } },
      }),
    ]);
    expect(messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "interrupted"],
      ["user", "complete"],
      ["assistant", "error"],
    ]);
    expect(messages[3]?.error).toMatchObject({ code: "provider_auth_failed", message: "bad key" });
  });
});
