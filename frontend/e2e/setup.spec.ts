import { expect, OWNER, snap, test } from "./fixtures";

// Runs first, on the empty database (project "first-run" in playwright.config.ts).
test("a new install leads to owner set-up, then sign out and back in", async ({ page }) => {
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Agent Builder" })).toBeVisible();
  await snap(page, "setup");

  // The API's validation errors appear beside their fields.
  await page.getByRole("button", { name: "Create owner account" }).click();
  await expect(page.locator("#email-error")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await snap(page, "setup-errors");

  await page.getByLabel("Your name").fill(OWNER.name);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByLabel("Workspace name").fill(OWNER.workspace);
  await page.getByRole("button", { name: "Create owner account" }).click();

  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByRole("heading", { name: "No agents yet" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create your first agent" })).toBeVisible();
  await snap(page, "agents-empty");

  // Set-up is done once: the page now says so instead of offering a second owner.
  await page.goto("/setup");
  await expect(page.getByText("Setup is already done")).toBeVisible();

  await page.goto("/agents");
  await page.getByRole("button", { name: "Account" }).click();
  await expect(page.getByText(`Signed in as ${OWNER.name}`)).toBeVisible();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page.getByText("You are signed out.")).toBeVisible();
  await snap(page, "logout");

  // Signed out, the dashboard sends you to the login page and back where you were.
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await snap(page, "login-error");

  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Workspace settings" })).toBeVisible();
  await expect(page.getByText(OWNER.email)).toBeVisible();
});
