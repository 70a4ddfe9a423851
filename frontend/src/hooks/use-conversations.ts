/**
 * SWR hooks for an agent's conversations, their stored messages and their traces.
 * Keys start with the API path, like the hooks in src/lib/api/hooks.ts.
 */
import useSWR from "swr";
import useSWRInfinite from "swr/infinite";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Conversation = Schemas["ConversationPublic"];
export type TraceNode = Schemas["TraceNode"];
export type Traces = Schemas["TracesPublic"];

export const conversationKeys = {
  list: (agentId: string, limit: number) => ["/api/v1/agents/{agent_id}/conversations", agentId, limit] as const,
  messages: (conversationId: string) => ["/api/v1/conversations/{conversation_id}/messages", conversationId] as const,
  traces: (conversationId: string, limit: number, offset: number) =>
    ["/api/v1/conversations/{conversation_id}/traces", conversationId, limit, offset] as const,
};

/** True for any page of this agent's conversation list (to refresh after a new chat). */
export function isConversationListKey(agentId: string) {
  return (key: unknown) =>
    Array.isArray(key) && key[0] === "/api/v1/agents/{agent_id}/conversations" && key[1] === agentId;
}

export function useConversations(agentId: string, limit = 20) {
  return useSWR(
    conversationKeys.list(agentId, limit),
    async () =>
      unwrap(
        await api.GET("/api/v1/agents/{agent_id}/conversations", {
          params: { path: { agent_id: agentId }, query: { limit, offset: 0 } },
        }),
      ),
    { keepPreviousData: true },
  );
}

/** Every stored message of a conversation (up to the API's 500 per page). */
export async function fetchMessages(conversationId: string) {
  return unwrap(
    await api.GET("/api/v1/conversations/{conversation_id}/messages", {
      params: { path: { conversation_id: conversationId }, query: { limit: 500, offset: 0 } },
    }),
  );
}

/** Runs per page of the traces tab (the API allows up to 100). */
export const TRACE_PAGE = 20;

/** The key of each page of a conversation's runs; null past the last page (nothing to load). */
export function tracePageKey(conversationId: string | null, limit: number) {
  return (index: number, previous: Traces | null) => {
    if (!conversationId) return null;
    if (previous && previous.offset + previous.items.length >= previous.total) return null;
    return conversationKeys.traces(conversationId, limit, index * limit);
  };
}

/** A conversation's runs, newest first, a page at a time: `setSize(size + 1)` loads the next. */
export function useTraces(conversationId: string | null, limit = TRACE_PAGE) {
  return useSWRInfinite(
    tracePageKey(conversationId, limit),
    async ([, id, pageLimit, offset]) =>
      unwrap(
        await api.GET("/api/v1/conversations/{conversation_id}/traces", {
          params: { path: { conversation_id: id }, query: { limit: pageLimit, offset } },
        }),
      ),
    // Loading an older page leaves the newer ones as they are; Refresh reloads them all.
    { revalidateFirstPage: false },
  );
}

export async function deleteConversation(conversationId: string): Promise<void> {
  unwrap(
    await api.DELETE("/api/v1/conversations/{conversation_id}", {
      params: { path: { conversation_id: conversationId } },
    }),
  );
}
