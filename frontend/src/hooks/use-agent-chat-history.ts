/**
 * Stored messages (GET /api/v1/conversations/{id}/messages) as chat messages, shaped exactly
 * like a live turn: each user message, then one assistant message merging every model call and
 * tool result of that turn into text and tool-call parts, with the turn's totals.
 */
import type { Schemas } from "@/lib/api/client";
import type { ChatError, ChatMessage, ChatMetrics, ChatPart, ToolCallPart } from "./use-agent-chat-state";

export type StoredMessage = Schemas["MessagePublic"];

type StoredToolCall = { id?: unknown; name?: unknown; arguments?: unknown };

function numberOf(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

type Turn = { message: ChatMessage; metrics: ChatMetrics; calls: number };

function emptyTurn(id: string): Turn {
  return {
    message: { id, role: "assistant", parts: [], status: "complete" },
    metrics: { usage: { input_tokens: 0, output_tokens: 0 }, costUsd: null, latencyMs: null, ttftMs: null },
    calls: 0,
  };
}

function addAssistant(turn: Turn, stored: StoredMessage): void {
  const meta = asRecord(stored.metadata);
  const usage = asRecord(meta.usage);
  const { metrics } = turn;
  metrics.usage.input_tokens += numberOf(usage.input_tokens) ?? 0;
  metrics.usage.output_tokens += numberOf(usage.output_tokens) ?? 0;
  const cost = numberOf(meta.cost_usd);
  if (cost !== null) metrics.costUsd = (metrics.costUsd ?? 0) + cost;
  const latency = numberOf(meta.latency_ms);
  if (latency !== null) metrics.latencyMs = (metrics.latencyMs ?? 0) + latency;
  if (turn.calls === 0) metrics.ttftMs = numberOf(meta.ttft_ms);
  turn.calls += 1;

  const parts: ChatPart[] = turn.message.parts;
  if (stored.content) parts.push({ type: "text", text: stored.content });
  for (const raw of (stored.tool_calls ?? []) as StoredToolCall[]) {
    parts.push({
      type: "tool_call",
      toolCallId: String(raw.id ?? ""),
      toolName: String(raw.name ?? ""),
      input: asRecord(raw.arguments),
      state: "interrupted",
    });
  }
  if (stored.status === "error") {
    const error = asRecord(meta.error);
    const chatError: ChatError = {
      code: typeof error.code === "string" ? error.code : "error",
      message: typeof error.message === "string" ? error.message : "",
      retryable: false,
    };
    turn.message.status = "error";
    turn.message.error = chatError;
  } else if (stored.status === "interrupted") {
    turn.message.status = "interrupted";
  }
}

function addToolResult(turn: Turn, stored: StoredMessage): void {
  const meta = asRecord(stored.metadata);
  const part = turn.message.parts.find(
    (p): p is ToolCallPart => p.type === "tool_call" && p.toolCallId === stored.tool_call_id,
  );
  if (!part) return;
  part.state = stored.status === "interrupted" ? "interrupted" : meta.is_error ? "error" : "complete";
  part.result = "result" in meta ? meta.result : stored.content;
  part.latencyMs = numberOf(meta.latency_ms) ?? undefined;
  const latency = numberOf(meta.latency_ms);
  if (latency !== null) turn.metrics.latencyMs = (turn.metrics.latencyMs ?? 0) + latency;
}

/** Convert a conversation's stored messages (in seq order) into chat messages. */
export function messagesFromHistory(stored: StoredMessage[]): ChatMessage[] {
  const result: ChatMessage[] = [];
  let turn: Turn | null = null;
  const flush = () => {
    if (turn && (turn.message.parts.length > 0 || turn.message.status !== "complete")) {
      result.push({ ...turn.message, metrics: turn.calls > 0 ? turn.metrics : undefined });
    }
    turn = null;
  };
  for (const message of [...stored].sort((a, b) => a.seq - b.seq)) {
    if (message.role === "user") {
      flush();
      result.push({ id: message.id, role: "user", parts: [{ type: "text", text: message.content }], status: "complete" });
      continue;
    }
    turn ??= emptyTurn(message.id);
    if (message.role === "assistant") addAssistant(turn, message);
    else if (message.role === "tool") addToolResult(turn, message);
  }
  flush();
  return result;
}
