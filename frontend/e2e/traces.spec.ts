import { addWeatherTool, sendMessage, waitForPlayground } from "./agent-tools";
import { createAgent, expect, signIn, snap, test } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("read a conversation's trace: the run, its model calls and tool call, with durations and tokens", async ({ page }) => {
  const agentId = await createAgent(page, `Traces agent ${Date.now()}`);
  await page.goto(`/agents/${agentId}/traces`);
  await expect(page.getByRole("heading", { name: "No runs recorded yet." })).toBeVisible();
  await snap(page, "traces-empty");

  await addWeatherTool(page, agentId);
  await page.goto(`/agents/${agentId}/playground`);
  await waitForPlayground(page);
  await sendMessage(page, 'Check city_weather with {"city": "Oslo"}');
  await expect(page.getByTestId("message-assistant").first()).toHaveAttribute("data-status", "complete");

  await page.getByRole("link", { name: "Traces" }).click();
  const run = page.getByTestId("trace-run");
  await expect(run).toHaveCount(1);
  await expect(run.getByRole("heading", { name: /Run 1/ })).toBeVisible();
  const spans = run.getByTestId("trace-span");
  await expect(spans).toHaveCount(4); // the run, model call, tool call, model call
  await expect(spans.nth(0)).toHaveAttribute("data-kind", "run");
  await expect(spans.nth(1)).toHaveAttribute("data-kind", "llm_call");
  await expect(spans.nth(2)).toHaveAttribute("data-kind", "tool_call");
  await expect(spans.nth(3)).toHaveAttribute("data-kind", "llm_call");
  await expect(spans.nth(2)).toContainText("city_weather");
  await expect(spans.nth(1)).toContainText(/\d+ in \/ \d+ out/);
  await expect(run.getByText("Duration")).toBeVisible();

  // A span opens (keyboard too) to show what went in and came out, secrets redacted.
  await spans.nth(2).locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(spans.nth(2)).toContainText('"city": "Oslo"');
  await expect(spans.nth(2)).toContainText("temperature_c");
  await snap(page, "traces-run");

  // German.
  await page.goto(`/de/agents/${agentId}/traces`);
  await expect(page.getByRole("heading", { name: /Lauf 1/ })).toBeVisible();
  await expect(page.getByText("Dauer")).toBeVisible();
  await snap(page, "traces-run-de");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/agents/${agentId}/traces`);
  await expect(page.getByTestId("trace-run")).toBeVisible();
  await snap(page, "traces-phone");
});

test("a failed tool call is highlighted in the trace", async ({ page }) => {
  const agentId = await createAgent(page, `Failing tool agent ${Date.now()}`);
  // A tool whose API answers 401: the key is wrong.
  const integration = await page.request.post(`/api/v1/agents/${agentId}/integrations`, {
    data: {
      name: "Wrong key",
      base_url: process.env.E2E_TOOL_SERVER_URL,
      auth_type: "api_key",
      auth_config: { location: "header", name: "X-API-Key" },
      secrets: { api_key: "not-the-key" },
    },
  });
  expect(integration.status()).toBe(201);
  const { id } = (await integration.json()) as { id: string };
  const tool = await page.request.post(`/api/v1/integrations/${id}/tools`, {
    data: { name: "locked_weather", method: "GET", path: "/secure/weather", input_schema: { type: "object", properties: { city: { type: "string" } } } },
  });
  expect(tool.status()).toBe(201);

  await page.goto(`/agents/${agentId}/playground`);
  await waitForPlayground(page);
  await sendMessage(page, 'Try locked_weather with {"city": "Paris"}');
  await expect(page.getByTestId("tool-call")).toHaveAttribute("data-state", "error");
  // The model still answers after a failed tool; leaving mid-answer would interrupt the run.
  await expect(page.getByTestId("message-assistant")).toHaveAttribute("data-status", "complete");
  await snap(page, "playground-tool-error");

  await page.getByRole("link", { name: "View trace" }).click();
  const failed = page.locator('[data-testid="trace-span"][data-kind="tool_call"]');
  await expect(failed).toHaveAttribute("data-error", "true");
  await expect(page.getByTestId("trace-run").getByText("1 error")).toBeVisible();
  await snap(page, "traces-tool-error");

  // Deleting the conversation removes its trace too.
  await page.getByRole("button", { name: /^Delete conversation Try locked_weather/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("heading", { name: "No runs recorded yet." })).toBeVisible();
});
