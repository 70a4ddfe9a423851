import { addWeatherTool, sendMessage, waitForPlayground } from "./agent-tools";
import type { WebSocketRoute } from "@playwright/test";
import { createAgent, expect, signIn, snap, test } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("chat with streamed text and a tool card, stop a run, reopen the conversation", async ({ page }) => {
  const agentId = await createAgent(page, `Playground agent ${Date.now()}`);
  await addWeatherTool(page, agentId);
  await page.goto(`/agents/${agentId}/playground`);
  await waitForPlayground(page);
  await snap(page, "playground-empty");

  // Streamed text: the fake model echoes in small chunks; the answer grows, then gets metrics.
  await sendMessage(page, "Hello there, agent");
  const answers = page.getByTestId("message-assistant");
  await expect(answers.first()).toContainText("Echo: Hello there, agent");
  await expect(answers.first()).toHaveAttribute("data-status", "complete");
  const metrics = answers.first().getByTestId("message-metrics");
  await expect(metrics).toContainText(/in \/ \d+ out tokens/);
  await expect(metrics).toContainText(/Took \d/);
  await expect(metrics).toContainText(/First token after \d/);

  // A tool call: a card with the arguments, then the result and latency; then the answer.
  await sendMessage(page, 'Use city_weather for {"city": "Berlin"}');
  const card = page.getByTestId("tool-call").last();
  await expect(card).toContainText("city_weather");
  await expect(card).toHaveAttribute("data-state", "complete");
  await expect(answers.nth(1)).toContainText("The tool returned:");
  await expect(answers.nth(1)).toHaveAttribute("data-status", "complete");
  await expect(card.getByText('"city": "Berlin"').first()).toBeVisible();
  await expect(card.getByText('"temperature_c": 21')).toBeVisible();
  await expect(card.getByText(/^\d+ ms$/)).toBeVisible();
  await snap(page, "playground-tool-call");

  // Stop: a long answer is cut off; the turn says so and the composer is usable again.
  await sendMessage(page, `Tell me everything: ${"lorem ipsum dolor sit amet ".repeat(12)}`);
  await expect(answers.nth(2)).toContainText("Echo: Tell");
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(answers.nth(2)).toHaveAttribute("data-status", "interrupted");
  await expect(answers.nth(2)).toContainText("The answer was cut off before it finished");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const cut = (await answers.nth(2).textContent()) ?? "";
  expect(cut).not.toContain("amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet lorem ipsum dolor sit amet");
  await snap(page, "playground-stopped");

  // Reopen: a new chat is empty; the earlier conversation comes back from the list as it was.
  await page.getByRole("button", { name: "New chat" }).click();
  await expect(page.getByText("Send a message to start a conversation.")).toBeVisible();
  const list = page.getByRole("navigation", { name: "Earlier conversations" });
  await list.getByRole("button", { name: /^Hello there, agent/ }).click();
  await expect(page.getByTestId("message-user")).toHaveCount(3);
  await expect(answers.first()).toContainText("Echo: Hello there, agent");
  const storedCard = page.getByTestId("tool-call");
  await expect(storedCard).toHaveAttribute("data-state", "complete");
  const storedResult = storedCard.getByText('"temperature_c": 21');
  await expect(storedResult).toBeHidden(); // stored calls start folded
  await storedCard.locator("summary").click();
  await expect(storedResult).toBeVisible();
  await expect(answers.nth(2)).toHaveAttribute("data-status", "interrupted");

  // ...and continues on the same conversation.
  await sendMessage(page, "One more");
  await expect(answers.nth(3)).toContainText("Echo: One more");
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await snap(page, "playground-reopened");

  // A direct link reopens it after a reload, too.
  await page.getByRole("link", { name: "View trace" }).click();
  await expect(page).toHaveURL(/\/traces\?conversation=/);
  await page.getByRole("link", { name: "Continue in the playground" }).click();
  await expect(page.getByTestId("message-user")).toHaveCount(4);

  await page.emulateMedia({ colorScheme: "dark" });
  await snap(page, "playground-dark");
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "playground-phone");
});

test("a provider error is shown as a readable message, not a raw frame", async ({ page }) => {
  // No Anthropic key in the e2e backend: the run fails before reaching any provider.
  const agentId = await createAgent(page, `Broken agent ${Date.now()}`, {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
  });
  await page.goto(`/agents/${agentId}/playground`);
  await waitForPlayground(page);
  await sendMessage(page, "Hello?");
  const error = page.getByTestId("message-error");
  await expect(error).toBeVisible();
  await expect(error).not.toContainText("{");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await snap(page, "playground-provider-error");
});

test("a dropped connection comes back by itself and the conversation goes on", async ({ page }) => {
  const agentId = await createAgent(page, `Reconnect agent ${Date.now()}`);
  // Every playground socket goes through this route, so the test can cut the current one.
  const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await page.routeWebSocket(/\/api\/v1\/playground\//, (ws) => {
    sockets.push({ page: ws, server: ws.connectToServer() });
  });
  // A real drop cuts both ends: the page sees a close, the server sees its client go.
  const drop = async () => {
    const last = sockets.at(-1);
    await last?.server.close();
    await last?.page.close({ code: 1012, reason: "service restart" });
  };
  await page.goto(`/agents/${agentId}/playground`);
  await waitForPlayground(page);
  await sendMessage(page, "Before the drop");
  const answers = page.getByTestId("message-assistant");
  await expect(answers.first()).toHaveAttribute("data-status", "complete");

  // Cut mid-answer: the turn is kept as interrupted, like the server stores it.
  await sendMessage(page, `A long one: ${"la ".repeat(80)}`);
  await expect(answers.nth(1)).toContainText("Echo: A long");
  await drop();
  await expect(page.locator("[data-connection]")).not.toHaveAttribute("data-connection", "open");
  await expect(answers.nth(1)).toHaveAttribute("data-status", "interrupted");
  await waitForPlayground(page);
  expect(sockets.length).toBe(2);
  await snap(page, "playground-reconnected");

  await sendMessage(page, "After the drop");
  await expect(answers.nth(2)).toContainText("Echo: After the drop");
  // Still one conversation: the new socket continued it.
  await expect(page.getByRole("navigation", { name: "Earlier conversations" }).getByRole("listitem")).toHaveCount(1);
});
