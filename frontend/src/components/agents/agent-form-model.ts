/**
 * The agent form's values as the inputs hold them (strings), and the mapping to and from the
 * API: defaults, client-side checks that mirror the API's rules, and where an API validation
 * error belongs.
 */
import type { Agent, AgentStatus } from "@/lib/api/hooks";
import type { Schemas } from "@/lib/api/client";

export type ProviderName = Schemas["ProviderName"];

export type AgentFormValues = {
  name: string;
  description: string;
  system_prompt: string;
  provider: ProviderName | "";
  model: string;
  temperature: string;
  max_tokens: string;
  base_url: string;
  status: AgentStatus;
};

export type AgentFormField = keyof AgentFormValues;

export const emptyAgentForm: AgentFormValues = {
  name: "",
  description: "",
  system_prompt: "",
  provider: "",
  model: "",
  temperature: "",
  max_tokens: "",
  base_url: "",
  status: "draft",
};

export function formValuesFromAgent(agent: Agent): AgentFormValues {
  const config = agent.model_config;
  return {
    name: agent.name,
    description: agent.description,
    system_prompt: agent.system_prompt,
    provider: agent.provider,
    model: agent.model,
    temperature: config.temperature == null ? "" : String(config.temperature),
    max_tokens: config.max_tokens == null ? "" : String(config.max_tokens),
    base_url: config.base_url ?? "",
    status: agent.status,
  };
}

export const LIMITS = { name: 200, description: 2000, systemPrompt: 100_000, maxTokens: 1_000_000 };

export type ClientIssue =
  | "required"
  | "tooLong"
  | "temperatureRange"
  | "maxTokensRange"
  | "invalidUrl";

/** The same rules the API applies, checked before sending so mistakes show at once. */
export function validateAgentForm(values: AgentFormValues): Partial<Record<AgentFormField, ClientIssue>> {
  const issues: Partial<Record<AgentFormField, ClientIssue>> = {};
  if (!values.name.trim()) issues.name = "required";
  else if (values.name.trim().length > LIMITS.name) issues.name = "tooLong";
  if (values.description.length > LIMITS.description) issues.description = "tooLong";
  if (values.system_prompt.length > LIMITS.systemPrompt) issues.system_prompt = "tooLong";
  if (!values.provider) issues.provider = "required";
  if (!values.model.trim()) issues.model = "required";
  if (values.temperature.trim()) {
    const value = Number(values.temperature);
    if (!Number.isFinite(value) || value < 0 || value > 2) issues.temperature = "temperatureRange";
  }
  if (values.max_tokens.trim()) {
    const value = Number(values.max_tokens);
    if (!Number.isInteger(value) || value < 1 || value > LIMITS.maxTokens) issues.max_tokens = "maxTokensRange";
  }
  if (values.provider === "openai_compatible" && values.base_url.trim()) {
    if (!/^https?:\/\/[^\s/]+/.test(values.base_url.trim())) issues.base_url = "invalidUrl";
  }
  return issues;
}

/** The request body; empty optional numbers become null so PATCH clears them. */
export function agentPayload(values: AgentFormValues) {
  const number = (text: string) => (text.trim() ? Number(text) : null);
  return {
    name: values.name.trim(),
    description: values.description,
    system_prompt: values.system_prompt,
    provider: values.provider as ProviderName,
    model: values.model.trim(),
    status: values.status,
    model_config: {
      temperature: number(values.temperature),
      max_tokens: number(values.max_tokens),
      base_url: values.provider === "openai_compatible" && values.base_url.trim() ? values.base_url.trim() : null,
    },
  };
}

/** The form field an API validation error points at (`model_config.temperature` → temperature). */
export function fieldForApiPath(path: string): AgentFormField | "_" {
  const last = path.split(".").at(-1) ?? "";
  const fields: AgentFormField[] = [
    "name",
    "description",
    "system_prompt",
    "provider",
    "model",
    "temperature",
    "max_tokens",
    "base_url",
    "status",
  ];
  if (path === "model_config") return "_";
  return (fields as string[]).includes(last) ? (last as AgentFormField) : "_";
}

export function isDirty(a: AgentFormValues, b: AgentFormValues): boolean {
  return (Object.keys(a) as AgentFormField[]).some((key) => a[key] !== b[key]);
}
