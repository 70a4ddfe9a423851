import { describe, expect, it } from "vitest";
import {
  agentPayload,
  emptyAgentForm,
  fieldForApiPath,
  formValuesFromAgent,
  isDirty,
  validateAgentForm,
} from "./agent-form-model";
import type { Agent } from "@/lib/api/hooks";

const agent: Agent = {
  id: "a1",
  name: "Support",
  description: "",
  system_prompt: "Be nice",
  provider: "openai",
  model: "gpt-4o-mini",
  model_config: { temperature: 0.3, max_tokens: null },
  status: "draft",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  last_activity_at: null,
};

describe("validateAgentForm", () => {
  it("requires a name, provider and model, like the API", () => {
    expect(validateAgentForm({ ...emptyAgentForm, name: "   " })).toEqual({
      name: "required",
      provider: "required",
      model: "required",
    });
  });

  it("checks the ranges of temperature and max tokens", () => {
    const base = formValuesFromAgent(agent);
    expect(validateAgentForm({ ...base, temperature: "2.5" }).temperature).toBe("temperatureRange");
    expect(validateAgentForm({ ...base, temperature: "-0.1" }).temperature).toBe("temperatureRange");
    expect(validateAgentForm({ ...base, max_tokens: "1.5" }).max_tokens).toBe("maxTokensRange");
    expect(validateAgentForm({ ...base, max_tokens: "0" }).max_tokens).toBe("maxTokensRange");
    expect(validateAgentForm({ ...base, temperature: "2", max_tokens: "4096" })).toEqual({});
  });
});

describe("agentPayload", () => {
  it("sends empty numbers as null so a PATCH clears them, and trims the name", () => {
    const values = { ...formValuesFromAgent(agent), name: "  Support  ", temperature: "" };
    expect(agentPayload(values)).toMatchObject({
      name: "Support",
      model_config: { temperature: null, max_tokens: null, base_url: null },
    });
  });

  it("keeps the base URL only for OpenAI-compatible servers", () => {
    const values = { ...formValuesFromAgent(agent), base_url: "http://127.0.0.1:11434/v1" };
    expect(agentPayload(values).model_config.base_url).toBeNull();
    expect(agentPayload({ ...values, provider: "openai_compatible" }).model_config.base_url).toBe(
      "http://127.0.0.1:11434/v1",
    );
  });
});

describe("fieldForApiPath / isDirty", () => {
  it("places nested API errors on their inputs", () => {
    expect(fieldForApiPath("model_config.temperature")).toBe("temperature");
    expect(fieldForApiPath("name")).toBe("name");
    expect(fieldForApiPath("model_config")).toBe("_");
  });

  it("notices any edited field", () => {
    const values = formValuesFromAgent(agent);
    expect(isDirty(values, { ...values })).toBe(false);
    expect(isDirty(values, { ...values, system_prompt: "Be terse" })).toBe(true);
  });
});
