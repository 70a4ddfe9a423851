/**
 * The custom API form's authentication section as plain data, and its translation to the API:
 * one choice per way a person thinks of auth (OAuth2 split by grant), each with its settings
 * (auth_config, not secret) and its secrets (write-only: the API returns masks, so a saved
 * secret is only sent again when the person types a replacement).
 */
import type { AuthType, Integration, IntegrationCreate, IntegrationUpdate } from "@/hooks/use-integrations";
import { ApiError } from "@/lib/api/errors";

export const AUTH_CHOICES = [
  "none",
  "api_key",
  "bearer",
  "basic",
  "custom_headers",
  "oauth2_client_credentials",
  "oauth2_refresh_token",
] as const;

export type AuthChoice = (typeof AUTH_CHOICES)[number];

export type SecretName = "api_key" | "token" | "password" | "client_secret" | "refresh_token";

/** The named secrets of each choice (custom headers have free names). */
export const SECRET_FIELDS: Record<AuthChoice, { name: SecretName; required: boolean }[]> = {
  none: [],
  api_key: [{ name: "api_key", required: true }],
  bearer: [{ name: "token", required: true }],
  basic: [{ name: "password", required: true }],
  custom_headers: [],
  oauth2_client_credentials: [{ name: "client_secret", required: true }],
  oauth2_refresh_token: [
    { name: "refresh_token", required: true },
    { name: "client_secret", required: false },
  ],
};

export type HeaderRow = { name: string; value: string; saved: boolean; removed: boolean };

export type AuthFormState = {
  choice: AuthChoice;
  apiKeyLocation: "header" | "query";
  apiKeyName: string;
  username: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  audience: string;
  clientAuth: "body" | "basic";
  /** Newly typed secret values by field; empty means "keep the saved one". */
  secrets: Record<string, string>;
  headers: HeaderRow[];
};

export const emptyAuthForm: AuthFormState = {
  choice: "none",
  apiKeyLocation: "header",
  apiKeyName: "X-API-Key",
  username: "",
  tokenUrl: "",
  clientId: "",
  scope: "",
  audience: "",
  clientAuth: "body",
  secrets: {},
  headers: [],
};

function text(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

/** The form's choice for an API auth type and config (OAuth2 is split by its grant). */
export function authChoiceOf(authType: AuthType, config: Record<string, unknown>): AuthChoice {
  if (authType === "oauth2") {
    return config.grant_type === "refresh_token" ? "oauth2_refresh_token" : "oauth2_client_credentials";
  }
  return (AUTH_CHOICES as readonly string[]).includes(authType) ? (authType as AuthChoice) : "none";
}

/** The form state of a saved integration (secrets start empty; their masks stay on `integration`). */
export function authFormFrom(integration: Integration): AuthFormState {
  const config = integration.auth_config ?? {};
  const choice = authChoiceOf(integration.auth_type, config);
  return {
    ...emptyAuthForm,
    choice,
    apiKeyLocation: config.location === "query" ? "query" : "header",
    apiKeyName: text(config.name, emptyAuthForm.apiKeyName),
    username: text(config.username),
    tokenUrl: text(config.token_url),
    clientId: text(config.client_id),
    scope: text(config.scope),
    audience: text(config.audience),
    clientAuth: config.client_auth === "basic" ? "basic" : "body",
    headers:
      choice === "custom_headers"
        ? Object.keys(integration.secrets ?? {}).map((name) => ({ name, value: "", saved: true, removed: false }))
        : [],
  };
}

function authType(choice: AuthChoice): AuthType {
  return choice.startsWith("oauth2") ? "oauth2" : (choice as AuthType);
}

function authConfig(state: AuthFormState): Record<string, unknown> {
  switch (state.choice) {
    case "api_key":
      return { location: state.apiKeyLocation, name: state.apiKeyName.trim() };
    case "basic":
      return { username: state.username };
    case "oauth2_client_credentials":
    case "oauth2_refresh_token": {
      const config: Record<string, unknown> = {
        grant_type: state.choice === "oauth2_refresh_token" ? "refresh_token" : "client_credentials",
        token_url: state.tokenUrl.trim(),
        client_id: state.clientId.trim(),
        client_auth: state.clientAuth,
      };
      if (state.scope.trim()) config.scope = state.scope.trim();
      if (state.audience.trim() && state.choice === "oauth2_client_credentials") config.audience = state.audience.trim();
      return config;
    }
    default:
      return {};
  }
}

/** Secrets typed in the form: named fields with a value, and custom header values. */
function typedSecrets(state: AuthFormState): Record<string, string> {
  const result: Record<string, string> = {};
  for (const field of SECRET_FIELDS[state.choice]) {
    const value = state.secrets[field.name];
    if (value) result[field.name] = value;
  }
  if (state.choice === "custom_headers") {
    for (const row of state.headers) {
      if (!row.removed && row.name.trim() && row.value) result[row.name.trim()] = row.value;
    }
  }
  return result;
}

export function createPayload(name: string, baseUrl: string, state: AuthFormState): IntegrationCreate {
  return {
    kind: "custom_api",
    name: name.trim(),
    base_url: baseUrl.trim(),
    auth_type: authType(state.choice),
    auth_config: authConfig(state),
    secrets: typedSecrets(state),
    enabled: true,
  };
}

/**
 * The PATCH for a saved integration: name, base URL and auth settings always; secrets only
 * where a new value was typed, and null for removed custom headers. A changed auth type drops
 * the old secrets on the server, so nothing needs removing then.
 */
export function updatePayload(
  integration: Integration,
  name: string,
  baseUrl: string,
  state: AuthFormState,
  options: { confirmRetarget?: boolean } = {},
): IntegrationUpdate {
  const secrets: Record<string, string | null> = typedSecrets(state);
  const sameType = authType(state.choice) === integration.auth_type;
  if (sameType && state.choice === "custom_headers") {
    for (const row of state.headers) {
      if (row.saved && row.removed) secrets[row.name] = null;
    }
  }
  const update: IntegrationUpdate = {
    name: name.trim(),
    base_url: baseUrl.trim(),
    auth_type: authType(state.choice),
    auth_config: authConfig(state),
  };
  if (Object.keys(secrets).length > 0) update.secrets = secrets;
  if (options.confirmRetarget) update.confirm_secret_retarget = true;
  return update;
}

/** One place the saved secrets would now be sent, as the API names it. */
export type RetargetMove = { setting: string; from: string; to: string };

/**
 * The API's refusal to send an integration's saved secrets to another origin (a new base URL
 * or token URL) unless they are entered again or the move is confirmed: which secrets, and
 * from where to where. Null for any other error.
 */
export type SecretRetarget = { secrets: string[]; moves: RetargetMove[] };

export function secretRetargetOf(error: unknown): SecretRetarget | null {
  if (!(error instanceof ApiError) || error.code !== "conflict:secret_retarget") return null;
  const details = error.details as { secrets?: unknown; moves?: unknown };
  const secrets = Array.isArray(details.secrets) ? details.secrets.filter((s): s is string => typeof s === "string") : [];
  const moves = Array.isArray(details.moves)
    ? details.moves.filter(
        (m): m is RetargetMove =>
          typeof m === "object" && m !== null && typeof m.from === "string" && typeof m.to === "string",
      )
    : [];
  return { secrets, moves };
}

/** Whether the form holds a new value for every secret the API asked for again. */
export function secretsEnteredAgain(state: AuthFormState, retarget: SecretRetarget): boolean {
  const typed = typedSecrets(state);
  return retarget.secrets.every((name) => Boolean(typed[name]));
}
