import { createAgent, expect, signIn, snap, test, toolServerUrl } from "./fixtures";
import { TOOL_API_KEY } from "./tool-server";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("add a custom API with a write-only key, give it a tool, test it, import OpenAPI, add a built-in", async ({ page }) => {
  const agentId = await createAgent(page, `Tools agent ${Date.now()}`);
  await page.goto(`/agents/${agentId}/tools`);
  await expect(page.getByRole("heading", { name: "This agent has no tools yet." })).toBeVisible();
  await snap(page, "tools-empty");

  // A custom API with an API key header: the key is sent once and only ever shown masked.
  await page.getByRole("button", { name: "Add custom API" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a custom API" });
  await dialog.getByLabel("Name").fill("Local weather");
  await dialog.getByLabel("Base URL").fill(toolServerUrl());
  await dialog.getByRole("combobox", { name: "Authentication" }).click();
  await page.getByRole("option", { name: "API key" }).click();
  await expect(dialog.getByLabel("Header name")).toHaveValue("X-API-Key");
  await dialog.getByLabel("API key").fill(TOOL_API_KEY);
  await snap(page, "tools-add-custom-api");
  await dialog.getByRole("button", { name: "Add API" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByTestId("integration").filter({ hasText: "Local weather" });
  await expect(card).toBeVisible();
  await expect(card.getByText(/api_key: .+/)).toBeVisible();
  await expect(page.getByText(TOOL_API_KEY, { exact: true })).toHaveCount(0);
  expect(await page.content()).not.toContain(TOOL_API_KEY);

  // The saved key stays masked in the edit form, with "Replace" to set a new one.
  await card.getByRole("button", { name: "Edit Local weather" }).click();
  const edit = page.getByRole("dialog", { name: "Edit custom API" });
  await expect(edit.getByLabel("Saved secret (masked)")).toBeVisible();
  await expect(edit.getByRole("button", { name: "Replace" })).toBeVisible();
  // Moving it to another address would send the saved key there: the form asks first.
  await edit.getByLabel("Base URL").fill("https://elsewhere.example/v1");
  await edit.getByRole("button", { name: "Save", exact: true }).click();
  await expect(edit.getByRole("alert")).toContainText("Send the saved credentials to a new address?");
  await expect(edit.getByRole("alert")).toContainText("https://elsewhere.example");
  await expect(edit.getByRole("button", { name: "Send the saved credentials there" })).toBeEnabled();
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(edit).toBeHidden();

  // A tool: the schema editor reports bad JSON at once and the API's schema errors inline.
  await card.getByRole("button", { name: "Add tool" }).click();
  const toolDialog = page.getByRole("dialog", { name: "Add a tool" });
  await toolDialog.getByLabel("Name", { exact: true }).fill("city_weather");
  await toolDialog.getByLabel("Description").fill("Current weather in a city");
  await toolDialog.getByLabel("Path").fill("/secure/weather");
  const schema = toolDialog.getByLabel("Argument schema (JSON Schema)");
  await schema.fill('{"type": "object", ');
  await expect(toolDialog.getByText(/Not valid JSON/)).toBeVisible();
  await expect(toolDialog.getByRole("button", { name: "Add tool" })).toBeDisabled();
  await schema.fill('{"type": "string"}');
  await toolDialog.getByRole("button", { name: "Add tool" }).click();
  await expect(toolDialog.getByRole("alert")).toContainText("must describe an object");
  await expect(schema).toHaveAttribute("aria-invalid", "true");
  await snap(page, "tools-schema-error");
  await schema.fill(JSON.stringify({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }, null, 2));
  await toolDialog.getByRole("button", { name: "Add tool" }).click();
  await expect(toolDialog).toBeHidden();
  await expect(card.getByTestId("tool-row").filter({ hasText: "city_weather" })).toBeVisible();

  // Test the tool for real against the local API: status, latency and body.
  await card.getByRole("button", { name: "Test city_weather" }).click();
  const test_ = page.getByRole("dialog", { name: "Test city_weather" });
  await expect(test_.getByLabel("Arguments (JSON)")).toHaveValue(/"city": ""/);
  await test_.getByLabel("Arguments (JSON)").fill('{"city": "Berlin"}');
  await test_.getByRole("button", { name: "Run test" }).click();
  const result = test_.getByTestId("tool-test-result");
  await expect(result.getByText("HTTP 200")).toBeVisible();
  await expect(result).toContainText('"temperature_c": 21');
  await expect(result.getByText(/^in \d/)).toBeVisible();
  await snap(page, "tools-test-result");
  await test_.getByRole("button", { name: "Close" }).first().click();

  // Replace the saved key with a wrong one: the same test now shows the API's 401.
  await card.getByRole("button", { name: "Edit Local weather" }).click();
  const replace = page.getByRole("dialog", { name: "Edit custom API" });
  await replace.getByRole("button", { name: "Replace" }).click();
  await replace.getByLabel("API key").fill("not-the-key");
  await replace.getByRole("button", { name: "Save", exact: true }).click();
  await expect(replace).toBeHidden();
  await card.getByRole("button", { name: "Test city_weather" }).click();
  const retest = page.getByRole("dialog", { name: "Test city_weather" });
  await retest.getByLabel("Arguments (JSON)").fill('{"city": "Berlin"}');
  await retest.getByRole("button", { name: "Run test" }).click();
  await expect(retest.getByTestId("tool-test-result").getByText("HTTP 401", { exact: true })).toBeVisible();
  await expect(retest.getByTestId("tool-test-result")).toContainText("missing or wrong X-API-Key");
  await retest.getByRole("button", { name: "Close" }).first().click();

  // Import the local API's OpenAPI document by URL: preview first, then confirm.
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  const importDialog = page.getByRole("dialog", { name: "Import from OpenAPI" });
  await importDialog.getByRole("tab", { name: "URL" }).click();
  await importDialog.getByLabel("Document URL").fill(`${toolServerUrl()}/openapi.json`);
  await importDialog.getByRole("button", { name: "Preview" }).click();
  const preview = importDialog.getByTestId("openapi-preview");
  await expect(preview.getByText("Will create 3 tools")).toBeVisible();
  for (const name of ["get_weather", "get_secure_weather", "echo"]) {
    await expect(preview.getByText(name, { exact: true })).toBeVisible();
  }
  await snap(page, "tools-import-preview");
  // Nothing exists until confirmed.
  await expect(page.getByTestId("integration")).toHaveCount(1);
  await importDialog.getByRole("button", { name: "Import 3 tools" }).click();
  await expect(importDialog).toBeHidden();
  const imported = page.getByTestId("integration").filter({ hasText: "E2E Weather" });
  await expect(imported.getByTestId("tool-row")).toHaveCount(3);

  // A built-in tool.
  await page.getByRole("button", { name: "Add built-in" }).click();
  await page.getByRole("menuitem", { name: /Calculator/ }).click();
  await expect(page.getByTestId("integration").filter({ hasText: "Built-in" })).toBeVisible();
  await snap(page, "tools-list");

  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "tools-list-phone");

  // German, dark.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`/de/agents/${agentId}/tools`);
  await expect(page.getByRole("button", { name: "Eigene API hinzufügen" })).toBeVisible();
  await expect(page.getByRole("button", { name: "city_weather testen" })).toBeVisible();
  await snap(page, "tools-list-de-dark");
});

test("import OpenAPI from a file and from pasted text; a bad document and a name clash are explained", async ({ page }) => {
  const agentId = await createAgent(page, `Import agent ${Date.now()}`);
  const spec = await (await page.request.get(`${toolServerUrl()}/openapi.json`)).text();
  await page.goto(`/agents/${agentId}/tools`);

  // Pasted text that is not OpenAPI: the preview says why, nothing is created.
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  const dialog = page.getByRole("dialog", { name: "Import from OpenAPI" });
  await dialog.getByLabel("OpenAPI document (JSON or YAML)").fill("just some text");
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByRole("alert")).toBeVisible();
  await expect(dialog.getByTestId("openapi-preview")).toHaveCount(0);
  await snap(page, "tools-import-invalid");

  // A file from disk: preview, then import.
  await dialog.getByRole("tab", { name: "File" }).click();
  await dialog.getByLabel("OpenAPI file").setInputFiles({ name: "weather.json", mimeType: "application/json", buffer: Buffer.from(spec) });
  await expect(dialog.getByText("Loaded weather.json")).toBeVisible();
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByText("Will create 3 tools")).toBeVisible();
  await dialog.getByRole("button", { name: "Import 3 tools" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("tool-row")).toHaveCount(3);

  // The same document again: its tool names are taken, and the dialog says so.
  await page.getByRole("button", { name: "Import OpenAPI" }).click();
  const again = page.getByRole("dialog", { name: "Import from OpenAPI" });
  await again.getByLabel("OpenAPI document (JSON or YAML)").fill(spec);
  await again.getByRole("button", { name: "Preview" }).click();
  await expect(again.getByRole("alert")).toContainText("get_weather");
  await snap(page, "tools-import-conflict");
  await again.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("integration")).toHaveCount(1);
});
