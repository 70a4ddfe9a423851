/**
 * Shared by every journey: `test` (with baseURL from global-setup), the owner's credentials,
 * `signIn` through the API (the browser context keeps the cookies), and `snap` to save a
 * screenshot of the page as a test artifact (test-results/screenshots/).
 */
import { test as base, expect, type Page } from "@playwright/test";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const OWNER = {
  name: "Ada Owner",
  email: "ada@example.com",
  password: "correct horse battery staple",
  workspace: "Acme Agents",
};

export const test = base.extend({
  baseURL: async ({}, provide) => {
    const url = process.env.E2E_BASE_URL;
    if (!url) throw new Error("E2E_BASE_URL is not set: run through playwright.config.ts (global setup)");
    await provide(url);
  },
});

export { expect };

/** The local tool server's base URL (see tool-server.ts for its endpoints). */
export function toolServerUrl(): string {
  const url = process.env.E2E_TOOL_SERVER_URL;
  if (!url) throw new Error("E2E_TOOL_SERVER_URL is not set");
  return url;
}

/** Sign in as the owner (setting the owner up first if no journey has yet). */
export async function signIn(page: Page): Promise<void> {
  const status = await page.request.get("/api/v1/auth/status");
  expect(status.ok()).toBeTruthy();
  if ((await status.json()).setup_required) {
    const setup = await page.request.post("/api/v1/auth/setup", {
      data: { name: OWNER.name, email: OWNER.email, password: OWNER.password, workspace_name: OWNER.workspace },
    });
    expect(setup.ok()).toBeTruthy();
    return;
  }
  const login = await page.request.post("/api/v1/auth/login", {
    data: { email: OWNER.email, password: OWNER.password },
  });
  expect(login.ok(), await login.text()).toBeTruthy();
}

/** Create an agent through the API; returns its id. */
export async function createAgent(page: Page, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await page.request.post("/api/v1/agents", {
    data: { name, provider: "openai", model: "gpt-4o-mini", system_prompt: "You help with tests.", ...extra },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id as string;
}

const screenshots = fileURLToPath(new URL("../test-results/screenshots", import.meta.url));

/** Save a full-page screenshot named after what it shows. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}
