import { describe, expect, it } from "vitest";
import type { Integration } from "@/hooks/use-integrations";
import { ApiError } from "@/lib/api/errors";
import {
  authFormFrom,
  createPayload,
  emptyAuthForm,
  secretRetargetOf,
  secretsEnteredAgain,
  updatePayload,
} from "./auth-form-model";

function saved(partial: Partial<Integration>): Integration {
  return {
    id: "i1",
    agent_id: "a1",
    kind: "custom_api",
    builtin: null,
    name: "Weather",
    base_url: "http://127.0.0.1:9000",
    auth_type: "none",
    auth_config: {},
    secrets: {},
    missing_secrets: [],
    enabled: true,
    tool_count: 0,
    has_openapi_spec: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...partial,
  };
}

describe("createPayload", () => {
  it("sends an API key header with its secret", () => {
    const payload = createPayload(" Weather ", "http://127.0.0.1:9000 ", {
      ...emptyAuthForm,
      choice: "api_key",
      apiKeyName: "X-API-Key",
      secrets: { api_key: "e2e-secret", token: "ignored: not this auth type" },
    });
    expect(payload).toEqual({
      kind: "custom_api",
      name: "Weather",
      base_url: "http://127.0.0.1:9000",
      auth_type: "api_key",
      auth_config: { location: "header", name: "X-API-Key" },
      secrets: { api_key: "e2e-secret" },
      enabled: true,
    });
  });

  it("maps the OAuth2 choices to auth_type oauth2 with their grant", () => {
    const refresh = createPayload("A", "https://a.example", {
      ...emptyAuthForm,
      choice: "oauth2_refresh_token",
      tokenUrl: "https://a.example/token",
      clientId: "app",
      audience: "only for client credentials",
      secrets: { refresh_token: "r1" },
    });
    expect(refresh.auth_type).toBe("oauth2");
    expect(refresh.auth_config).toEqual({
      grant_type: "refresh_token",
      token_url: "https://a.example/token",
      client_id: "app",
      client_auth: "body",
    });
    expect(refresh.secrets).toEqual({ refresh_token: "r1" });
  });

  it("sends custom headers as secrets by header name", () => {
    const payload = createPayload("A", "https://a.example", {
      ...emptyAuthForm,
      choice: "custom_headers",
      headers: [
        { name: "X-Tenant", value: "acme", saved: false, removed: false },
        { name: "", value: "no name", saved: false, removed: false },
      ],
    });
    expect(payload.auth_type).toBe("custom_headers");
    expect(payload.secrets).toEqual({ "X-Tenant": "acme" });
  });
});

describe("updatePayload", () => {
  it("keeps a saved secret unless a replacement is typed", () => {
    const integration = saved({
      auth_type: "bearer",
      secrets: { token: "sk-…abcd" },
    });
    const form = authFormFrom(integration);
    expect(form.choice).toBe("bearer");
    expect(updatePayload(integration, "Weather", "http://127.0.0.1:9000", form).secrets).toBeUndefined();
    const replaced = updatePayload(integration, "Weather", "http://127.0.0.1:9000", {
      ...form,
      secrets: { token: "new-token" },
    });
    expect(replaced.secrets).toEqual({ token: "new-token" });
  });

  it("removes a deleted custom header with null and reads OAuth2 settings back", () => {
    const headers = saved({ auth_type: "custom_headers", secrets: { "X-One": "a…1", "X-Two": "b…2" } });
    const form = authFormFrom(headers);
    form.headers[0]!.removed = true;
    expect(updatePayload(headers, "W", "http://x.example", form).secrets).toEqual({ "X-One": null });

    const oauth = authFormFrom(
      saved({ auth_type: "oauth2", auth_config: { grant_type: "refresh_token", token_url: "https://t", client_id: "c" } }),
    );
    expect(oauth).toMatchObject({ choice: "oauth2_refresh_token", tokenUrl: "https://t", clientId: "c" });
  });
});

describe("moving saved secrets to a new address", () => {
  const refusal = new ApiError(409, "conflict:secret_retarget", "Enter them again or confirm", {
    secrets: ["api_key"],
    moves: [{ setting: "base_url", from: "https://old.example", to: "https://new.example" }],
  });

  it("reads the API's refusal, and nothing else", () => {
    expect(secretRetargetOf(refusal)).toEqual({
      secrets: ["api_key"],
      moves: [{ setting: "base_url", from: "https://old.example", to: "https://new.example" }],
    });
    expect(secretRetargetOf(new ApiError(403, "forbidden:credentials", "no"))).toBeNull();
    expect(secretRetargetOf(new Error("network"))).toBeNull();
  });

  it("confirms only when asked, and knows when the secrets were typed again", () => {
    const integration = saved({ auth_type: "api_key", secrets: { api_key: "sk-…abcd" } });
    const form = authFormFrom(integration);
    expect(updatePayload(integration, "W", "https://new.example", form)).not.toHaveProperty("confirm_secret_retarget");
    expect(
      updatePayload(integration, "W", "https://new.example", form, { confirmRetarget: true }).confirm_secret_retarget,
    ).toBe(true);
    const retarget = secretRetargetOf(refusal)!;
    expect(secretsEnteredAgain(form, retarget)).toBe(false);
    expect(secretsEnteredAgain({ ...form, secrets: { api_key: "sk-new" } }, retarget)).toBe(true);
  });
});
