import path from "node:path";
import { fileURLToPath } from "node:url";
import { createAgent, expect, signIn, snap, test } from "./fixtures";

// Documents shaped like real ones (the corpus under bench/ is not committed): Box-like, 150
// operations over 6 tags (more than one import takes), and a multi-region API with server
// variables and something to warn about.
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const BIG = path.join(FIXTURES, "openapi-150-operations.json");
const REGIONAL = path.join(FIXTURES, "openapi-server-variables.yaml");

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("a document with 150 operations: pick one tag, set a prefix, import, see the tools", async ({ page }) => {
  const agentId = await createAgent(page, `Big import ${Date.now()}`);
  await page.goto(`/agents/${agentId}/tools`);
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  const dialog = page.getByRole("dialog", { name: "Import from OpenAPI" });
  await dialog.getByRole("tab", { name: "File" }).click();
  await dialog.getByLabel("OpenAPI file").setInputFiles(BIG);
  await dialog.getByRole("button", { name: "Preview" }).click();

  // Past the cap nothing is preselected; every operation is listed under its tag.
  const preview = dialog.getByTestId("openapi-preview");
  await expect(preview.getByTestId("openapi-selected-count")).toHaveText("0 of 150 selected, at most 128");
  await expect(preview.getByTestId("openapi-tag-group")).toHaveCount(6);
  await expect(preview.getByTestId("openapi-operation")).toHaveCount(150);
  await expect(preview.getByTestId("openapi-warnings")).toContainText("at most 128 can be imported at once");
  await expect(dialog.getByRole("button", { name: "Import 0 tools" })).toBeDisabled();

  // Everything is too much: the count turns into an explanation and Import stays off.
  await preview.getByRole("button", { name: "Select all", exact: true }).click();
  await expect(preview.getByText("At most 128 tools can be imported at once: untick some operations.")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Import 150 tools" })).toBeDisabled();
  await preview.getByRole("button", { name: "Select none", exact: true }).click();

  // One tag, minus one operation found with the search; a deprecated one is marked.
  await preview.getByRole("button", { name: "Select all operations tagged Webhooks", exact: true }).click();
  await expect(preview.getByTestId("openapi-selected-count")).toHaveText("25 of 150 selected, at most 128");
  await expect(preview.getByTestId("openapi-operation").filter({ hasText: "/webhooks/{id}" }).filter({ hasText: "deprecated" })).toHaveCount(1);
  await preview.getByRole("searchbox", { name: "Search operations" }).fill("webhooks items7");
  await expect(preview.getByTestId("openapi-operation")).toHaveCount(1);
  await preview.getByRole("checkbox", { name: "GET /webhooks/{id}/items7" }).uncheck();
  await preview.getByRole("searchbox", { name: "Search operations" }).fill("");
  await expect(preview.getByTestId("openapi-selected-count")).toHaveText("24 of 150 selected, at most 128");

  await preview.getByLabel("Tool name prefix (optional)").fill("drive_");
  await expect(preview.getByText("drive_list_webhooks", { exact: true })).toBeVisible();
  await snap(page, "tools-import-pick-operations");
  await dialog.getByRole("button", { name: "Import 24 tools" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByTestId("integration").filter({ hasText: "E2E Big Drive" });
  await expect(card.getByTestId("tool-row")).toHaveCount(24);
  await expect(card.getByText("drive_list_webhooks", { exact: true })).toBeVisible();
  await expect(card.getByText("drive_get_webhooks_id_items7", { exact: true })).toHaveCount(0);
  await expect(card.getByText("drive_list_files", { exact: true })).toHaveCount(0);

  // The same document again under another prefix fits next to it.
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  await dialog.getByRole("tab", { name: "File" }).click();
  await dialog.getByLabel("OpenAPI file").setInputFiles(BIG);
  await dialog.getByRole("button", { name: "Preview" }).click();
  await preview.getByRole("button", { name: "Select all operations tagged Files", exact: true }).click();
  await preview.getByLabel("Tool name prefix (optional)").fill("drive2_");
  await dialog.getByRole("button", { name: "Import 25 tools" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("drive2_list_files", { exact: true })).toBeVisible();
});

test("server variables: choose a region, see the URL the tools will call, read the warnings", async ({ page }) => {
  const agentId = await createAgent(page, `Regional import ${Date.now()}`);
  await page.goto(`/agents/${agentId}/tools`);
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  const dialog = page.getByRole("dialog", { name: "Import from OpenAPI" });
  await dialog.getByRole("tab", { name: "File" }).click();
  await dialog.getByLabel("OpenAPI file").setInputFiles(REGIONAL);
  await dialog.getByRole("button", { name: "Preview" }).click();

  const preview = dialog.getByTestId("openapi-preview");
  await expect(preview.getByTestId("openapi-selected-count")).toHaveText("3 of 3 selected, at most 128");
  await expect(preview.getByTestId("openapi-server-url")).toHaveText("https://eu.ledger.example.com/v3");

  // A warning, with where in the document it applies.
  const warnings = preview.getByTestId("openapi-warnings");
  await expect(warnings.getByTestId("openapi-warning").filter({ hasText: "Authorization header" })).toContainText("/paths/~1entries/get/parameters/0");

  // The enum variable is a select; the free one a text field.
  await preview.getByRole("combobox", { name: "Server variable: region" }).click();
  await page.getByRole("option", { name: "us" }).click();
  await preview.getByLabel("Server variable: version").fill("v4");
  await expect(preview.getByTestId("openapi-server-url")).toHaveText("https://us.ledger.example.com/v4");
  await snap(page, "tools-import-server-variables");
  await dialog.getByRole("button", { name: "Import 3 tools" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByTestId("integration").filter({ hasText: "E2E Regional Ledger" });
  await expect(card.getByTestId("tool-row")).toHaveCount(3);
  await expect(card.getByText("https://us.ledger.example.com/v4")).toBeVisible();

  // The second server, in German: it is sent as the base URL.
  const second = await createAgent(page, `Regional sandbox ${Date.now()}`);
  await page.goto(`/de/agents/${second}/tools`);
  await page.getByRole("button", { name: "OpenAPI importieren" }).click();
  const german = page.getByRole("dialog", { name: "Aus OpenAPI importieren" });
  await german.getByRole("tab", { name: "Datei" }).click();
  await german.getByLabel("OpenAPI-Datei").setInputFiles(REGIONAL);
  await german.getByRole("button", { name: "Vorschau" }).click();
  await german.getByRole("combobox", { name: "Server", exact: true }).click();
  await page.getByRole("option", { name: /Sandbox/ }).click();
  await expect(german.getByTestId("openapi-server-url")).toHaveText("https://sandbox.ledger.example.com/v3");
  await expect(german.getByTestId("openapi-warnings")).toContainText("1 Hinweis");
  await german.getByRole("button", { name: "3 Tools importieren" }).click();
  await expect(german).toBeHidden();
  await expect(page.getByTestId("integration").getByText("https://sandbox.ledger.example.com/v3")).toBeVisible();
});
