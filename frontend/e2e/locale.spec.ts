import { createAgent, expect, signIn, snap, test } from "./fixtures";

test("switch to German and back, staying on the same page", async ({ page }) => {
  await signIn(page);
  const id = await createAgent(page, `Übersetzer ${Date.now()}`);

  await page.goto("/agents");
  await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");

  await page.getByRole("button", { name: "Language" }).click();
  await page.getByRole("menuitem", { name: "Deutsch" }).click();
  await expect(page).toHaveURL(/\/de\/agents$/);
  await expect(page.getByRole("heading", { name: "Agenten" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("link", { name: "Neuer Agent" })).toBeVisible();
  await snap(page, "agents-de");

  // Links keep the language.
  await page.getByRole("link", { name: /^Übersetzer/ }).first().click();
  await expect(page).toHaveURL(new RegExp(`/de/agents/${id}$`));
  const tabs = page.getByRole("navigation", { name: "Bereiche des Agenten" });
  await expect(tabs.getByRole("link", { name: "Einstellungen" })).toHaveAttribute("aria-current", "page");
  await expect(tabs.getByRole("link", { name: "Werkzeuge" })).toBeVisible();
  await expect(page.getByLabel("Systemprompt")).toBeVisible();
  await expect(page.getByRole("button", { name: "Änderungen speichern" })).toBeVisible();
  await snap(page, "agent-settings-de");

  // Checks and the API's errors speak German too.
  await page.goto("/de/agents/new");
  await page.getByLabel("Temperatur").fill("5");
  await page.getByRole("button", { name: "Agent anlegen" }).click();
  await expect(page.locator("#temperature-error")).toHaveText("Geben Sie eine Zahl von 0 bis 2 ein.");
  await page.getByRole("combobox", { name: "Anbieter" }).click();
  await page.getByRole("option", { name: "Anthropic (nicht eingerichtet)" }).click();
  await expect(page.getByRole("note")).toContainText("Setzen Sie ANTHROPIC_API_KEY in der Serverumgebung");
  await snap(page, "agent-new-de");
  await page.goto("/de/login");
  await page.getByLabel("E-Mail").fill("nobody@example.com");
  await page.getByLabel("Passwort").fill("wrong password");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await expect(page.getByText("E-Mail-Adresse oder Passwort ist falsch.")).toBeVisible();
  await snap(page, "login-error-de");

  await page.goto("/de/settings");
  await expect(page.getByRole("heading", { name: "Arbeitsbereich" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Mitglieder" })).toBeVisible();

  // `/agents` itself is always English, whatever was chosen before.
  await page.goto(`/agents/${id}`);
  await expect(page.getByRole("link", { name: "Settings", exact: true })).toBeVisible();

  await page.goto(`/de/agents/${id}`);
  await page.getByRole("button", { name: "Sprache" }).click();
  await page.getByRole("menuitem", { name: "English" }).click();
  await expect(page).toHaveURL(new RegExp(`/agents/${id}$`));
  await expect(page).not.toHaveURL(/\/de\//);
  await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
});

test("dark theme", async ({ page }) => {
  await signIn(page);
  await page.goto("/agents");
  await page.getByRole("button", { name: "Theme" }).click();
  await page.getByRole("menuitem", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await snap(page, "agents-dark");
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
});
