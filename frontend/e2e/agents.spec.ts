import { createAgent, expect, signIn, snap, test } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("create an agent, edit it with an unsaved-changes guard", async ({ page }) => {
  await page.goto("/agents");
  await page.getByRole("link", { name: "New agent" }).click();
  await expect(page).toHaveURL(/\/agents\/new$/);
  await expect(page.getByRole("heading", { name: "New agent" })).toBeVisible();

  // Nothing filled in: the form says what is missing before anything is sent.
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByText("Some fields need attention.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name")).toBeFocused();

  // A provider without a key is marked, with how to configure it.
  await page.getByRole("combobox", { name: "Provider" }).click();
  await page.getByRole("option", { name: "Anthropic (not configured)" }).click();
  await expect(page.getByRole("note")).toContainText("Set ANTHROPIC_API_KEY");
  await snap(page, "agent-new-unconfigured-provider");

  await page.getByRole("combobox", { name: "Provider" }).click();
  await page.getByRole("option", { name: "OpenAI", exact: true }).click();
  await page.getByRole("combobox", { name: "Model" }).click();
  await page.getByRole("option", { name: "GPT-4o mini" }).click();
  await expect(page.getByText("$0.15 in / $0.6 out per million tokens")).toBeVisible();

  await page.getByLabel("Name").fill("Weather helper");
  await page.getByLabel("Description").fill("Answers weather questions");
  await page.getByLabel("System prompt").fill("You are a concise weather assistant.\nUse the weather tool.");
  await page.getByLabel("Temperature").fill("3");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.locator("#temperature-error")).toHaveText("Enter a number from 0 to 2.");
  await snap(page, "agent-new-validation");

  await page.getByLabel("Temperature").fill("0.4");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Weather helper" })).toBeVisible();
  await expect(page.getByText("Agent created", { exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Settings", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByLabel("Temperature")).toHaveValue("0.4");
  await snap(page, "agent-settings");

  // Leaving with unsaved edits asks first; declining keeps the edits.
  await page.getByLabel("Description").fill("Answers weather questions, briefly");
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("link", { name: "Back to agents" }).click();
  await expect(page.getByLabel("Description")).toHaveValue("Answers weather questions, briefly");

  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Active", exact: true }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save changes" })).toBeDisabled();

  await page.reload();
  await expect(page.getByLabel("Description")).toHaveValue("Answers weather questions, briefly");
  await expect(page.getByRole("combobox", { name: "Status" })).toHaveText("Active");

  // Saved: leaving needs no confirmation, and the list shows the agent as it is now.
  await page.getByRole("link", { name: "Back to agents" }).click();
  const card = page.getByRole("listitem").filter({ hasText: "Weather helper" });
  await expect(card).toContainText("Active");
  await expect(card).toContainText("openai · gpt-4o-mini");
  await expect(card).toContainText("No conversations yet");
});

test("search, filter, page through and delete agents", async ({ page }) => {
  const prefix = `Fleet ${Date.now()}`;
  for (let index = 1; index <= 13; index++) {
    await createAgent(page, `${prefix} ${String(index).padStart(2, "0")}`, {
      status: index === 3 ? "active" : "draft",
    });
  }

  await page.goto("/agents");
  await page.getByRole("searchbox", { name: "Search agents" }).fill(prefix);
  const cards = page.getByRole("list", { name: "Agents" }).getByRole("listitem");
  await expect(cards).toHaveCount(12);
  await expect(page.getByText("1–12 of 13")).toBeVisible();
  await snap(page, "agents-list");

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("13–13 of 13")).toBeVisible();
  await expect(cards).toHaveCount(1);

  // A new filter starts again at the first page.
  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Active", exact: true }).click();
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText(`${prefix} 03`);

  // The search and filter are in the URL: a reload keeps them.
  await expect(page).toHaveURL(/status=active/);
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Status" })).toHaveText("Active");
  await expect(page.getByRole("searchbox", { name: "Search agents" })).toHaveValue(prefix);
  await expect(cards).toHaveCount(1);

  await page.getByRole("searchbox", { name: "Search agents" }).fill(`${prefix} nothing like this`);
  await expect(page.getByRole("heading", { name: "No agents match" })).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByRole("searchbox", { name: "Search agents" })).toHaveValue("");

  await page.getByRole("searchbox", { name: "Search agents" }).fill(`${prefix} 03`);
  await expect(cards).toHaveCount(1);
  await page.getByRole("button", { name: `Actions for ${prefix} 03` }).click();
  await page.getByRole("menuitem", { name: "Delete agent" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(`Delete “${prefix} 03”?`);
  await snap(page, "agents-delete-confirm");

  // Cancel keeps it; confirming deletes it.
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(cards).toHaveCount(1);
  await page.getByRole("button", { name: `Actions for ${prefix} 03` }).click();
  await page.getByRole("menuitem", { name: "Delete agent" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText(`Agent “${prefix} 03” deleted`, { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No agents match" })).toBeVisible();

  const response = await page.request.get(`/api/v1/agents?q=${encodeURIComponent(prefix)}`);
  expect((await response.json()).total).toBe(12);
});

test("an agent that does not exist says so", async ({ page }) => {
  await page.goto("/agents/00000000-0000-4000-8000-000000000000");
  await expect(page.getByText("This agent does not exist")).toBeVisible();
  await page.getByRole("link", { name: "Back to agents" }).click();
  await expect(page).toHaveURL(/\/agents$/);
});

test("a failed load says what went wrong, and Retry loads again", async ({ page }) => {
  await createAgent(page, `Retry target ${Date.now()}`);
  let backendDown = true;
  // The browser sees the dashboard's own answer for an unreachable backend.
  await page.route("**/api/v1/agents?**", (route) =>
    backendDown
      ? route.fulfill({
          status: 502,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "backend_unreachable", message: "unreachable", details: {} } }),
        })
      : route.fallback(),
  );

  await page.goto("/agents");
  const alert = page.getByRole("alert").filter({ hasText: "Could not load this" });
  await expect(alert).toContainText("The API server is not reachable.");
  await snap(page, "agents-error");

  backendDown = false;
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByRole("list", { name: "Agents" })).toBeVisible();
  await expect(alert).toHaveCount(0);
});
