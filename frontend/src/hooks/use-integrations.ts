/**
 * SWR hooks and calls for an agent's integrations and their tools (the Tools tab).
 * After a change, `refreshIntegrations(mutate, agentId)` reloads every list of that agent.
 */
import useSWR, { type ScopedMutator } from "swr";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Integration = Schemas["IntegrationPublic"];
export type IntegrationCreate = Schemas["IntegrationCreate"];
export type IntegrationUpdate = Schemas["IntegrationUpdate"];
export type Tool = Schemas["ToolPublic"];
export type ToolCreate = Schemas["ToolCreate"];
export type ToolUpdate = Schemas["ToolUpdate"];
export type ToolTestResult = Schemas["ToolTestPublic"];
export type OpenAPIImport = Schemas["OpenAPIImport"];
export type OpenAPIImportResult = Schemas["OpenAPIImportPublic"];
export type AuthType = Schemas["AuthType"];

const INTEGRATIONS = "/api/v1/agents/{agent_id}/integrations";
const TOOLS = "/api/v1/integrations/{integration_id}/tools";

export const integrationKeys = {
  list: (agentId: string) => [INTEGRATIONS, agentId] as const,
  tools: (agentId: string, integrationId: string) => [TOOLS, agentId, integrationId] as const,
};

/** Reload the agent's integrations and every tool list under them. */
export function refreshIntegrations(mutate: ScopedMutator, agentId: string) {
  return mutate(
    (key) => Array.isArray(key) && (key[0] === INTEGRATIONS || key[0] === TOOLS) && key[1] === agentId,
  );
}

export function useIntegrations(agentId: string) {
  return useSWR(integrationKeys.list(agentId), async () =>
    unwrap(
      await api.GET(INTEGRATIONS, { params: { path: { agent_id: agentId }, query: { limit: 100, offset: 0 } } }),
    ),
  );
}

export function useIntegrationTools(agentId: string, integrationId: string) {
  return useSWR(integrationKeys.tools(agentId, integrationId), async () =>
    unwrap(
      await api.GET(TOOLS, {
        params: { path: { integration_id: integrationId }, query: { limit: 100, offset: 0 } },
      }),
    ),
  );
}

export async function createIntegration(agentId: string, body: IntegrationCreate): Promise<Integration> {
  return unwrap(await api.POST(INTEGRATIONS, { params: { path: { agent_id: agentId } }, body }));
}

export async function updateIntegration(id: string, body: IntegrationUpdate): Promise<Integration> {
  return unwrap(
    await api.PATCH("/api/v1/integrations/{integration_id}", { params: { path: { integration_id: id } }, body }),
  );
}

export async function deleteIntegration(id: string): Promise<void> {
  unwrap(await api.DELETE("/api/v1/integrations/{integration_id}", { params: { path: { integration_id: id } } }));
}

export async function createTool(integrationId: string, body: ToolCreate): Promise<Tool> {
  return unwrap(await api.POST(TOOLS, { params: { path: { integration_id: integrationId } }, body }));
}

export async function updateTool(id: string, body: ToolUpdate): Promise<Tool> {
  return unwrap(await api.PATCH("/api/v1/tools/{tool_id}", { params: { path: { tool_id: id } }, body }));
}

export async function deleteTool(id: string): Promise<void> {
  unwrap(await api.DELETE("/api/v1/tools/{tool_id}", { params: { path: { tool_id: id } } }));
}

export async function testTool(id: string, args: Record<string, unknown>): Promise<ToolTestResult> {
  return unwrap(
    await api.POST("/api/v1/tools/{tool_id}/test", { params: { path: { tool_id: id } }, body: { arguments: args } }),
  );
}

export async function importOpenApi(agentId: string, body: OpenAPIImport): Promise<OpenAPIImportResult> {
  return unwrap(
    await api.POST("/api/v1/agents/{agent_id}/integrations/import-openapi", {
      params: { path: { agent_id: agentId } },
      body,
    }),
  );
}
