import { expect, OWNER, signIn, snap, test } from "./fixtures";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("API keys: created, shown once, revoked", async ({ page }) => {
  await page.goto("/settings");
  await page.getByRole("tab", { name: "API keys" }).click();
  await expect(page).toHaveURL(/\?tab=api-keys$/);

  await page.getByLabel("Key name").fill("CI pipeline");
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(dialog).toContainText("shown only once");
  const key = (await dialog.getByLabel("Your new API key").textContent())?.trim() ?? "";
  expect(key.length).toBeGreaterThan(20);
  await snap(page, "settings-api-key-created");

  // The key works against the API, and after closing the dialog it is nowhere on the page.
  const me = await page.request.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  await dialog.getByRole("button", { name: "Close" }).first().click();
  await expect(page.getByText(key)).toHaveCount(0);
  const row = page.getByRole("listitem").filter({ hasText: "CI pipeline" });
  await expect(row).toContainText("Last used");

  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("Key revoked", { exact: true })).toBeVisible();
  await expect(row).toContainText("Revoked");
  const after = await page.request.get("/api/v1/auth/me", { headers: { authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  await snap(page, "settings-api-keys");
});

test("provider keys are write-only and shown masked", async ({ page }) => {
  await page.goto("/settings?tab=provider-keys");
  const card = page.getByRole("group", { name: "Anthropic", exact: true });
  await expect(card).toContainText("Not configured");

  const secret = "sk-ant-e2e-0123456789abcdef";
  await card.getByLabel("Save key").fill(secret);
  await card.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("Key saved", { exact: true })).toBeVisible();
  await expect(card).toContainText("Configured");
  await expect(card.getByLabel("Replace key")).toHaveValue("");
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(card.locator("code")).toContainText("cdef");
  await snap(page, "settings-provider-keys");

  // The agent form now offers Anthropic as configured.
  await page.goto("/agents/new");
  await page.getByRole("combobox", { name: "Provider" }).click();
  await expect(page.getByRole("option", { name: "Anthropic", exact: true })).toBeVisible();
  await page.keyboard.press("Escape");

  await page.goto("/settings?tab=provider-keys");
  await card.getByRole("button", { name: "Remove key" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove key" }).click();
  await expect(card).toContainText("Not configured");
});

test("members: an invited member's role changes, then they are removed", async ({ page, playwright }) => {
  await page.goto("/settings");
  await expect(page.getByRole("listitem").filter({ hasText: OWNER.email })).toContainText("(you)");

  // Grace joins the only way there is: invited, then accepting with her own password
  // (the invitation journey itself is e2e/invitations.spec.ts).
  const email = `grace-${Date.now()}@example.com`;
  const invited = await page.request.post("/api/v1/workspace/invitations", { data: { email } });
  expect(invited.status()).toBe(201);
  const grace = await playwright.request.newContext({ baseURL: process.env.E2E_BASE_URL });
  const accepted = await grace.post("/api/v1/auth/accept-invite", {
    data: { invite_token: (await invited.json()).token, name: "Grace Member", password: "another long password" },
  });
  expect(accepted.status()).toBe(200);
  await grace.dispose();

  await page.reload();
  const row = page.getByRole("listitem").filter({ hasText: email });
  await expect(row.getByRole("combobox", { name: "Role of Grace Member" })).toHaveText("Member");
  await snap(page, "settings-members");

  await row.getByRole("combobox", { name: "Role of Grace Member" }).click();
  await page.getByRole("option", { name: "Admin" }).click();
  await expect(page.getByText("Role updated", { exact: true })).toBeVisible();
  await page.reload();
  await expect(row.getByRole("combobox", { name: "Role of Grace Member" })).toHaveText("Admin");

  await row.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Member removed", { exact: true })).toBeVisible();
  await expect(row).toHaveCount(0);
});

test("phone width: navigation moves into a menu, pages stay usable", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/agents");
  await expect(page.getByRole("navigation", { name: "Main navigation" })).toBeHidden();
  await page.getByRole("button", { name: "Open menu" }).click();
  await page.getByRole("menuitem", { name: "Workspace settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await snap(page, "settings-phone");
  await page.goto("/agents/new");
  await expect(page.getByRole("button", { name: "Create agent" })).toBeInViewport();
  await snap(page, "agent-new-phone");
});

test("keyboard: skip link, then create an agent without a mouse", async ({ page }) => {
  await page.goto("/agents");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.goto("/agents/new");
  await page.getByLabel("Name").focus();
  await page.keyboard.type(`Keyboard agent ${Date.now()}`);
  await page.getByRole("combobox", { name: "Provider" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("option", { name: "OpenAI", exact: true }).press("Enter");
  await page.getByRole("combobox", { name: "Model" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("option", { name: "GPT-4o mini" }).press("Enter");
  await page.getByRole("button", { name: "Create agent" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
});
