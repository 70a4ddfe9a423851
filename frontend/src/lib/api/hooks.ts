/**
 * SWR hooks over the typed client: one hook per resource, keyed by path and parameters so a
 * `mutate` after a change refreshes every view of it. Errors arrive as ApiError.
 */
import useSWR from "swr";
import { api, unwrap, type Schemas } from "./client";

export type Agent = Schemas["AgentPublic"];
export type AgentStatus = Schemas["AgentStatus"];
export type ProviderInfo = Schemas["ProviderInfo"];
export type Me = Schemas["MePublic"];
export type Member = Schemas["MemberPublic"];
export type Invitation = Schemas["InvitationPublic"];
export type InvitationCreated = Schemas["InvitationCreated"];
export type Role = Schemas["Role"];
export type ApiKey = Schemas["ApiKeyPublic"];
export type ProviderKey = Schemas["ProviderKeyPublic"];

export type AgentListQuery = { limit: number; offset: number; status?: AgentStatus; q?: string };

export const keys = {
  me: ["/api/v1/auth/me"] as const,
  authStatus: ["/api/v1/auth/status"] as const,
  agents: (query: AgentListQuery) => ["/api/v1/agents", query] as const,
  agent: (id: string) => ["/api/v1/agents/{agent_id}", id] as const,
  providers: ["/api/v1/providers"] as const,
  members: ["/api/v1/workspace/members"] as const,
  invitations: ["/api/v1/workspace/invitations"] as const,
  apiKeys: ["/api/v1/workspace/api-keys"] as const,
  providerKeys: ["/api/v1/workspace/provider-keys"] as const,
};

/** True for SWR keys of agent lists, to refresh every page and filter after a change. */
export function isAgentListKey(key: unknown): boolean {
  return Array.isArray(key) && key[0] === "/api/v1/agents";
}

export function useMe() {
  return useSWR(keys.me, async () => unwrap(await api.GET("/api/v1/auth/me")));
}

export function useAgents(query: AgentListQuery) {
  return useSWR(
    keys.agents(query),
    async () => {
      const q = query.q?.trim() || undefined;
      return unwrap(
        await api.GET("/api/v1/agents", { params: { query: { ...query, q } } }),
      );
    },
    { keepPreviousData: true },
  );
}

export function useAgent(id: string) {
  return useSWR(keys.agent(id), async () =>
    unwrap(await api.GET("/api/v1/agents/{agent_id}", { params: { path: { agent_id: id } } })),
  );
}

export function useProviders() {
  return useSWR(keys.providers, async () => unwrap(await api.GET("/api/v1/providers")));
}

export function useMembers() {
  return useSWR(keys.members, async () => unwrap(await api.GET("/api/v1/workspace/members")));
}

/** Open invitations of the workspace (owners and admins only: pass `enabled` false otherwise). */
export function useInvitations(enabled: boolean) {
  return useSWR(enabled ? keys.invitations : null, async () =>
    unwrap(await api.GET("/api/v1/workspace/invitations")),
  );
}

export function useApiKeys() {
  return useSWR(keys.apiKeys, async () => unwrap(await api.GET("/api/v1/workspace/api-keys")));
}

export function useProviderKeys() {
  return useSWR(keys.providerKeys, async () =>
    unwrap(await api.GET("/api/v1/workspace/provider-keys")),
  );
}
