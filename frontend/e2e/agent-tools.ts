/**
 * API shortcuts for the tools, playground and traces journeys: give an agent the local
 * weather API as a custom integration with one tool, without clicking through the Tools tab
 * (tools.spec.ts covers that path through the UI).
 */
import type { Page } from "@playwright/test";
import { expect, toolServerUrl } from "./fixtures";
import { TOOL_API_KEY } from "./tool-server";

/** Add the local tool server as an API-key integration with `city_weather` (GET /secure/weather). */
export async function addWeatherTool(page: Page, agentId: string): Promise<void> {
  const integration = await page.request.post(`/api/v1/agents/${agentId}/integrations`, {
    data: {
      name: "Local weather",
      base_url: toolServerUrl(),
      auth_type: "api_key",
      auth_config: { location: "header", name: "X-API-Key" },
      secrets: { api_key: TOOL_API_KEY },
    },
  });
  expect(integration.status(), await integration.text()).toBe(201);
  const { id } = (await integration.json()) as { id: string };
  const tool = await page.request.post(`/api/v1/integrations/${id}/tools`, {
    data: {
      name: "city_weather",
      description: "Current weather in a city",
      method: "GET",
      path: "/secure/weather",
      input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  });
  expect(tool.status(), await tool.text()).toBe(201);
}

/** Wait until the playground's socket is open (the composer can send). */
export async function waitForPlayground(page: Page): Promise<void> {
  await expect(page.locator("[data-connection]")).toHaveAttribute("data-connection", "open");
  await expect(page.getByLabel("Message")).toBeVisible();
}

/** Type a message and send it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Message");
  await box.fill(text);
  await box.press("Enter");
}
