/**
 * The playground's chat state as a pure reducer, so the stream's rules can be tested without a
 * socket: what each server frame of the WebSocket protocol (DESIGN.md) does to the messages.
 *
 * A turn is one assistant message built from typed parts, in the order they arrived:
 * text parts (content_delta appended to the last text part) and tool-call parts
 * (tool_use_start -> running, tool_use_complete -> complete or error). It ends with
 * message_complete (metrics, status complete or interrupted) or an error frame.
 * Frames carry a per-connection `seq`; a frame at or below the last seen seq is a duplicate
 * and is dropped. A new connection starts counting again.
 */

export type ChatUsage = { input_tokens: number; output_tokens: number };

export type ChatMetrics = {
  usage: ChatUsage;
  costUsd: number | null;
  latencyMs: number | null;
  ttftMs: number | null;
};

export type ChatError = { code: string; message: string; retryable: boolean };

export type TextPart = { type: "text"; text: string };

export type ToolCallPart = {
  type: "tool_call";
  toolCallId: string;
  toolName: string;
  input: Record<string, unknown>;
  state: "running" | "complete" | "error" | "interrupted";
  result?: unknown;
  latencyMs?: number;
};

export type ChatPart = TextPart | ToolCallPart;

export type ChatMessage = {
  id: string;
  role: "user" | "assistant";
  parts: ChatPart[];
  /** streaming while the turn runs; error carries `error`. */
  status: "streaming" | "complete" | "interrupted" | "error";
  metrics?: ChatMetrics;
  error?: ChatError;
};

/** ready: idle; submitted: sent, nothing back yet; streaming: output arriving; stopping: cancel sent. */
export type ChatStatus = "ready" | "submitted" | "streaming" | "stopping";

export type ChatState = {
  messages: ChatMessage[];
  status: ChatStatus;
  conversationId: string | null;
  /** The highest `seq` seen on the current connection. */
  lastSeq: number;
  /** An error not tied to a turn (e.g. a refused frame while idle). */
  error: ChatError | null;
};

export type ServerFrame =
  | { type: "agent_loaded"; agent_id: string }
  | { type: "conversation_started"; conversation_id: string }
  | { type: "content_delta"; delta: string }
  | { type: "tool_use_start"; tool_call_id: string; tool_name: string; input: Record<string, unknown> }
  | {
      type: "tool_use_complete";
      tool_call_id: string;
      tool_name: string;
      result: unknown;
      is_error: boolean;
      latency_ms: number;
    }
  | {
      type: "message_complete";
      message_id: string;
      status?: "complete" | "interrupted";
      usage: ChatUsage;
      cost_usd: number | null;
      latency_ms: number;
      ttft_ms: number | null;
    }
  | { type: "error"; code: string; message: string; retryable?: boolean }
  | { type: "pong" };

export type FrameEnvelope = ServerFrame & { seq?: number; conversation_id?: string };

export type ChatAction =
  | { type: "connected" }
  | { type: "disconnected" }
  | { type: "frame"; frame: FrameEnvelope }
  | { type: "send"; userId: string; assistantId: string; content: string }
  | { type: "stop" }
  | { type: "load"; conversationId: string | null; messages: ChatMessage[] }
  | { type: "dismiss_error" };

export const initialChatState: ChatState = {
  messages: [],
  status: "ready",
  conversationId: null,
  lastSeq: 0,
  error: null,
};

const KNOWN_FRAMES = new Set([
  "agent_loaded",
  "conversation_started",
  "content_delta",
  "tool_use_start",
  "tool_use_complete",
  "message_complete",
  "error",
  "pong",
]);

/** A parsed socket message if it is a server frame we know; anything else is ignored. */
export function parseServerFrame(data: unknown): FrameEnvelope | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" && KNOWN_FRAMES.has(type) ? (value as FrameEnvelope) : null;
}

function running(status: ChatStatus): boolean {
  return status !== "ready";
}

/** Apply `change` to the assistant message of the turn in flight (the last one, streaming). */
function updateTurn(state: ChatState, change: (message: ChatMessage) => ChatMessage): ChatState {
  const last = state.messages.at(-1);
  if (!last || last.role !== "assistant" || last.status !== "streaming") return state;
  return { ...state, messages: [...state.messages.slice(0, -1), change(last)] };
}

function appendText(message: ChatMessage, delta: string): ChatMessage {
  const parts = [...message.parts];
  const last = parts.at(-1);
  if (last?.type === "text") parts[parts.length - 1] = { ...last, text: last.text + delta };
  else parts.push({ type: "text", text: delta });
  return { ...message, parts };
}

function updateToolCall(
  message: ChatMessage,
  toolCallId: string,
  change: (part: ToolCallPart) => ToolCallPart,
): ChatMessage {
  return {
    ...message,
    parts: message.parts.map((part) =>
      part.type === "tool_call" && part.toolCallId === toolCallId ? change(part) : part,
    ),
  };
}

/** Tool calls still running when the turn ends never finished. */
function settleToolCalls(message: ChatMessage): ChatMessage {
  return {
    ...message,
    parts: message.parts.map((part) =>
      part.type === "tool_call" && part.state === "running" ? { ...part, state: "interrupted" } : part,
    ),
  };
}

function applyFrame(state: ChatState, frame: FrameEnvelope): ChatState {
  switch (frame.type) {
    case "agent_loaded":
    case "pong":
      return state;
    case "conversation_started":
      return { ...state, conversationId: frame.conversation_id };
    case "content_delta": {
      const next = updateTurn(state, (message) => appendText(message, frame.delta));
      return next === state ? state : { ...next, status: state.status === "stopping" ? "stopping" : "streaming" };
    }
    case "tool_use_start": {
      const next = updateTurn(state, (message) => ({
        ...message,
        parts: [
          ...message.parts,
          {
            type: "tool_call",
            toolCallId: frame.tool_call_id,
            toolName: frame.tool_name,
            input: frame.input ?? {},
            state: "running",
          },
        ],
      }));
      return next === state ? state : { ...next, status: state.status === "stopping" ? "stopping" : "streaming" };
    }
    case "tool_use_complete":
      return updateTurn(state, (message) =>
        updateToolCall(message, frame.tool_call_id, (part) => ({
          ...part,
          state: frame.is_error ? "error" : "complete",
          result: frame.result,
          latencyMs: frame.latency_ms,
        })),
      );
    case "message_complete": {
      const next = updateTurn(state, (message) => ({
        ...settleToolCalls(message),
        status: frame.status === "interrupted" ? "interrupted" : "complete",
        metrics: {
          usage: frame.usage,
          costUsd: frame.cost_usd,
          latencyMs: frame.latency_ms,
          ttftMs: frame.ttft_ms,
        },
      }));
      return { ...next, status: "ready" };
    }
    case "error": {
      const error: ChatError = { code: frame.code, message: frame.message, retryable: frame.retryable ?? false };
      if (!running(state.status)) return { ...state, error };
      const next = updateTurn(state, (message) => ({ ...settleToolCalls(message), status: "error", error }));
      return { ...next, status: "ready" };
    }
  }
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "connected":
      return { ...state, lastSeq: 0 };
    case "disconnected": {
      // The server keeps a turn cut off by a dropped socket as interrupted; so do we.
      if (!running(state.status)) return state;
      const next = updateTurn(state, (message) => ({ ...settleToolCalls(message), status: "interrupted" }));
      return { ...next, status: "ready" };
    }
    case "frame": {
      const { seq } = action.frame;
      if (typeof seq === "number") {
        if (seq <= state.lastSeq) return state;
        state = { ...state, lastSeq: seq };
      }
      if (action.frame.conversation_id && action.frame.type !== "conversation_started" && !state.conversationId) {
        state = { ...state, conversationId: action.frame.conversation_id };
      }
      return applyFrame(state, action.frame);
    }
    case "send":
      return {
        ...state,
        status: "submitted",
        error: null,
        messages: [
          ...state.messages,
          { id: action.userId, role: "user", parts: [{ type: "text", text: action.content }], status: "complete" },
          { id: action.assistantId, role: "assistant", parts: [], status: "streaming" },
        ],
      };
    case "stop":
      return running(state.status) ? { ...state, status: "stopping" } : state;
    case "load":
      return { ...state, messages: action.messages, conversationId: action.conversationId, status: "ready", error: null };
    case "dismiss_error":
      return { ...state, error: null };
  }
}
