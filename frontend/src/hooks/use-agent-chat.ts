"use client";

/**
 * The playground's one owner of stream state: a WebSocket to /api/v1/playground/{agentId},
 * its frames folded into chat messages by `chatReducer`, and the actions a person takes
 * (send, stop, open an earlier conversation, start a new one, reconnect).
 *
 * Reconnects: a socket that drops (not closed by us, not refused) is reopened with exponential
 * backoff, up to `maxRetries` times in a row; after that `connection` is "offline" until
 * `reconnect()` or the browser comes back online. A 4401 close (session expired) refreshes the session once and reconnects;
 * 4403 (origin refused) and 4404 (agent not found) are final. A turn cut off by a drop is shown
 * as interrupted, like the server stores it; the conversation continues on the new socket, and
 * a message the server refuses with `run_in_progress` (the cut-off run is still being wound up)
 * is sent again a few times before the error is shown.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { playgroundSocketUrl } from "@/lib/backend-ws";
import { REFRESH_PATH } from "@/lib/api/session";
import {
  chatReducer,
  initialChatState,
  parseServerFrame,
  type ChatError,
  type ChatMessage,
  type ChatStatus,
} from "./use-agent-chat-state";

export type { ChatMessage, ChatPart, ChatStatus, ChatError, ToolCallPart, ChatMetrics } from "./use-agent-chat-state";

/** The part of the browser's WebSocket the hook uses (so tests can pass a fake). */
export type SocketLike = {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

/** connecting: first open; open: agent loaded; reconnecting: waiting to retry; offline: gave up or refused. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "offline";

export type AgentChatOptions = {
  agentId: string;
  /** Defaults to the backend's playground URL (see src/lib/backend-ws.ts). */
  resolveUrl?: (agentId: string) => Promise<string>;
  createSocket?: (url: string) => SocketLike;
  /** Renews the session cookie; true when it worked. */
  refreshSession?: () => Promise<boolean>;
  /** Delay before retry number `attempt` (0-based), in ms. */
  backoff?: (attempt: number) => number;
  maxRetries?: number;
  /** How often an open socket sends `ping` so idle proxies keep it (0 turns it off). */
  keepAliveMs?: number;
};

export type AgentChat = {
  messages: ChatMessage[];
  status: ChatStatus;
  connection: ConnectionState;
  /** Why the socket is offline: a close code such as 4403, or null. */
  closeCode: number | null;
  conversationId: string | null;
  error: ChatError | null;
  /** Send a message; false when it cannot be sent now (offline, or a turn is running). */
  send: (content: string) => boolean;
  stop: () => void;
  reconnect: () => void;
  openConversation: (conversationId: string, messages: ChatMessage[]) => void;
  newConversation: () => void;
  dismissError: () => void;
};

const OPEN = 1;
/** A message refused with `run_in_progress` (an earlier run still holds the conversation,
 *  e.g. the one cut off by a dropped socket) is sent again this many times, 1 s, 2 s … apart. */
const RESEND_LIMIT = 3;
const WS_AUTH_FAILED = 4401;
const FINAL_CLOSE_CODES = new Set([4403, 4404]);

/** 0.5 s, 1 s, 2 s … up to 10 s, each with jitter so many tabs do not reconnect in step. */
export function defaultBackoff(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 10_000) * (0.75 + Math.random() / 2);
}

async function refreshCookie(): Promise<boolean> {
  try {
    const response = await fetch(REFRESH_PATH, { method: "POST", credentials: "same-origin" });
    return response.ok;
  } catch {
    return false;
  }
}

let localIds = 0;
function localId(prefix: string): string {
  localIds += 1;
  return `${prefix}-${Date.now().toString(36)}-${localIds}`;
}

export function useAgentChat({
  agentId,
  resolveUrl = playgroundSocketUrl,
  createSocket = (url) => new WebSocket(url),
  refreshSession = refreshCookie,
  backoff = defaultBackoff,
  maxRetries = 8,
  keepAliveMs = 25_000,
}: AgentChatOptions): AgentChat {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [closeCode, setCloseCode] = useState<number | null>(null);

  // Mutable connection bookkeeping. Options are read through a ref so a new closure from the
  // caller does not reopen the socket. `epoch` counts connection attempts started by the page
  // (mount, reconnect); callbacks of an older epoch find it changed and do nothing.
  const options = useRef({ resolveUrl, createSocket, refreshSession, backoff, maxRetries });
  const socket = useRef<SocketLike | null>(null);
  const retries = useRef(0);
  const refreshed = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const resend = useRef<{ frame: string; attempts: number; timer: ReturnType<typeof setTimeout> | null } | null>(null);
  const epoch = useRef(0);
  const stateRef = useRef(state);
  useEffect(() => {
    options.current = { resolveUrl, createSocket, refreshSession, backoff, maxRetries };
    stateRef.current = state;
  });

  const connect = useCallback(
    (mine: number) => {
      const current = () => epoch.current === mine;
      const goOffline = (code: number | null) => {
        setCloseCode(code);
        setConnection("offline");
      };
      const retryLater = (code: number | null) => {
        const { backoff: delay, maxRetries: limit } = options.current;
        if (retries.current >= limit) return goOffline(code);
        const wait = delay(retries.current);
        retries.current += 1;
        setConnection("reconnecting");
        timer.current = setTimeout(() => {
          timer.current = null;
          if (current()) void open();
        }, wait);
      };

      /** Send the refused message again later; false when out of attempts or not waiting. */
      function retryRefusedSend(ws: SocketLike): boolean {
        const pending = resend.current;
        if (!pending || stateRef.current.status !== "submitted" || pending.attempts >= RESEND_LIMIT) return false;
        pending.attempts += 1;
        pending.timer = setTimeout(() => {
          pending.timer = null;
          if (current() && socket.current === ws && ws.readyState === OPEN) ws.send(pending.frame);
        }, 1000 * pending.attempts);
        return true;
      }

      async function open(): Promise<void> {
        let url: string;
        try {
          url = await options.current.resolveUrl(agentId);
        } catch {
          if (current()) retryLater(null);
          return;
        }
        if (!current()) return;
        const ws = options.current.createSocket(url);
        socket.current = ws;
        ws.onopen = () => {
          if (current()) dispatch({ type: "connected" });
        };
        ws.onmessage = (event) => {
          if (!current() || socket.current !== ws) return; // from a socket we replaced
          const frame = parseServerFrame(event.data);
          if (!frame) return;
          if (frame.type === "error" && frame.code === "run_in_progress" && retryRefusedSend(ws)) return;
          if (frame.type === "agent_loaded") {
            retries.current = 0;
            refreshed.current = false;
            setCloseCode(null);
            setConnection("open");
          }
          dispatch({ type: "frame", frame });
        };
        ws.onerror = () => {
          // A close event follows every error; what to do next is decided there.
        };
        ws.onclose = (event) => {
          if (!current() || socket.current !== ws) return;
          socket.current = null;
          dispatch({ type: "disconnected" });
          if (FINAL_CLOSE_CODES.has(event.code)) return goOffline(event.code);
          if (event.code !== WS_AUTH_FAILED) return retryLater(event.code);
          if (refreshed.current) return goOffline(event.code);
          refreshed.current = true;
          setConnection("reconnecting");
          void options.current.refreshSession().then((ok) => {
            if (!current()) return;
            if (ok) void open();
            else goOffline(event.code);
          });
        };
      }

      void open();
    },
    [agentId],
  );

  const closeSocket = useCallback(() => {
    epoch.current += 1;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (resend.current?.timer) clearTimeout(resend.current.timer);
    resend.current = null;
    const ws = socket.current;
    socket.current = null;
    if (ws && ws.readyState <= OPEN) ws.close(1000, "closed by the page");
  }, []);

  const start = useCallback(() => {
    closeSocket();
    retries.current = 0;
    refreshed.current = false;
    setCloseCode(null);
    setConnection("connecting");
    connect(epoch.current);
  }, [closeSocket, connect]);

  useEffect(() => {
    // The first connection; state already starts as "connecting" (the page remounts per agent).
    epoch.current += 1;
    retries.current = 0;
    refreshed.current = false;
    connect(epoch.current);
    return closeSocket;
  }, [connect, closeSocket]);

  const sendFrame = useCallback((frame: Record<string, unknown>): boolean => {
    const ws = socket.current;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }, []);

  // Back online: try at once instead of waiting out the backoff (or after giving up).
  useEffect(() => {
    if (connection === "open" || connection === "connecting") return;
    const retryNow = () => start();
    window.addEventListener("online", retryNow);
    return () => window.removeEventListener("online", retryNow);
  }, [connection, start]);

  // Idle sockets are closed by many proxies and load balancers; a ping now and then keeps it.
  useEffect(() => {
    if (connection !== "open" || keepAliveMs <= 0) return;
    const interval = setInterval(() => sendFrame({ type: "ping" }), keepAliveMs);
    return () => clearInterval(interval);
  }, [connection, keepAliveMs, sendFrame]);

  const send = useCallback(
    (content: string): boolean => {
      const text = content.trim();
      const current = stateRef.current;
      if (!text || current.status !== "ready") return false;
      const frame = { type: "user_message", content: text, conversation_id: current.conversationId };
      if (!sendFrame(frame)) return false;
      if (resend.current?.timer) clearTimeout(resend.current.timer);
      resend.current = { frame: JSON.stringify(frame), attempts: 0, timer: null };
      dispatch({ type: "send", userId: localId("user"), assistantId: localId("assistant"), content: text });
      stateRef.current = { ...current, status: "submitted" }; // until the next render catches up
      return true;
    },
    [sendFrame],
  );

  const stop = useCallback(() => {
    const current = stateRef.current;
    if (current.status === "ready") return;
    if (sendFrame({ type: "cancel" })) dispatch({ type: "stop" });
    else dispatch({ type: "disconnected" });
  }, [sendFrame]);

  const reconnect = start;

  const openConversation = useCallback((conversationId: string, messages: ChatMessage[]) => {
    dispatch({ type: "load", conversationId, messages });
  }, []);

  const newConversation = useCallback(() => {
    dispatch({ type: "load", conversationId: null, messages: [] });
  }, []);

  const dismissError = useCallback(() => dispatch({ type: "dismiss_error" }), []);

  return {
    messages: state.messages,
    status: state.status,
    connection,
    closeCode,
    conversationId: state.conversationId,
    error: state.error,
    send,
    stop,
    reconnect,
    openConversation,
    newConversation,
    dismissError,
  };
}
