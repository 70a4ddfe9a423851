import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import { afterEach, describe, expect, it, vi } from "vitest";
import de from "../../../messages/de.json";
import en from "../../../messages/en.json";
import { importOpenApi } from "@/hooks/use-integrations";
import { ApiError } from "@/lib/api/errors";
import { OpenApiImportDialog } from "./openapi-import-dialog";
import type { ImportPreview, PreviewOperation } from "./openapi-import-model";

vi.mock("@/hooks/use-integrations", () => ({ importOpenApi: vi.fn() }));
const mockedImport = vi.mocked(importOpenApi);

const TAGS = ["Files", "Folders", "Users"];
const MAX = 12;

/** 15 operations over 3 tags, past a cap of 12: the server selects none and says so. (The
 * e2e journey does the same with 150 operations and the real cap of 128.) */
function bigPreview(): ImportPreview {
  const operations: PreviewOperation[] = [];
  TAGS.forEach((tag, t) => {
    for (let i = 0; i < 5; i++) {
      const path = `/${tag.toLowerCase()}/op${i}`;
      operations.push({
        key: `GET ${path}`,
        method: "GET",
        path,
        operation_id: `${tag.toLowerCase()}_op${i}`,
        tags: [tag],
        summary: `${tag} operation ${i}`,
        tool_name: `${tag.toLowerCase()}_op${i}`,
        selected: false,
        deprecated: t === 0 && i === 0,
      });
    }
  });
  return {
    dry_run: true,
    integration: {
      id: null,
      name: "Big API",
      base_url: "https://eu.api.example.com/v2",
      auth_type: "none",
      auth_config: {},
      secrets: {},
      missing_secrets: [],
    },
    tools: [],
    warnings: [
      { message: "The document has 15 operations; at most 12 can be imported: choose some", path: "/paths" },
      { message: "Parameter 'x' is a duplicate; the second is ignored", path: "/paths/~1files~1op3/get/parameters/1" },
    ],
    operations,
    total_operations: 15,
    max_tools: MAX,
    servers: [
      {
        url: "https://{region}.api.example.com/v2",
        description: "Production",
        variables: { region: { default: "eu", enum: ["eu", "us"], description: "Data region" } },
      },
    ],
  } as unknown as ImportPreview;
}

function renderDialog(locale: "en" | "de" = "en", onImported = vi.fn()) {
  render(
    <NextIntlClientProvider locale={locale} messages={locale === "en" ? en : de} timeZone="UTC">
      <OpenApiImportDialog agentId="agent-1" open onOpenChange={() => {}} onImported={onImported} />
    </NextIntlClientProvider>,
  );
  return onImported;
}

async function previewBig() {
  mockedImport.mockResolvedValueOnce(bigPreview() as never);
  fireEvent.change(screen.getByLabelText("OpenAPI document (JSON or YAML)"), { target: { value: '{"openapi": "3.0.3"}' } });
  fireEvent.click(screen.getByText("Preview"));
  return within(await screen.findByTestId("openapi-preview"));
}

afterEach(() => {
  cleanup();
  mockedImport.mockReset();
});

// Rendering the dialog in jsdom is slow on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

describe("OpenApiImportDialog", () => {
  it("lists every operation by tag with none selected past the cap, and cannot import nothing", async () => {
    renderDialog();
    const preview = await previewBig();
    expect(mockedImport).toHaveBeenCalledWith("agent-1", { dry_run: true, spec: '{"openapi": "3.0.3"}' });
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("0 of 15 selected, at most 12");
    expect(preview.getAllByTestId("openapi-tag-group")).toHaveLength(3);
    expect(preview.getAllByTestId("openapi-operation")).toHaveLength(15);
    expect(preview.getByText("deprecated")).toBeTruthy();
    expect(screen.getByText("Import 0 tools").closest("button")?.disabled).toBe(true);
  });

  it("shows each warning with its path", async () => {
    renderDialog();
    const preview = await previewBig();
    const warnings = within(preview.getByTestId("openapi-warnings"));
    expect(warnings.getByText("2 warnings: imported anyway, worth a look")).toBeTruthy();
    expect(warnings.getByText("/paths/~1files~1op3/get/parameters/1")).toBeTruthy();
    expect(warnings.getByText("Parameter 'x' is a duplicate; the second is ignored")).toBeTruthy();
  });

  it("imports one tag's operations with a prefix and the server variable", async () => {
    const onImported = renderDialog();
    const preview = await previewBig();
    fireEvent.click(preview.getByLabelText("Select all operations tagged Folders"));
    fireEvent.click(preview.getByLabelText("GET /folders/op0"));
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("4 of 15 selected, at most 12");
    fireEvent.change(preview.getByLabelText("Tool name prefix (optional)"), { target: { value: "big_" } });
    expect(preview.getByText("big_folders_op1")).toBeTruthy();

    const result = { ...bigPreview(), dry_run: false };
    mockedImport.mockResolvedValueOnce(result as never);
    fireEvent.click(screen.getByText("Import 4 tools"));
    await waitFor(() => expect(onImported).toHaveBeenCalledWith(result));
    const body = mockedImport.mock.calls.at(-1)?.[1];
    expect(body).toMatchObject({ dry_run: false, name_prefix: "big_", server_variables: { region: "eu" } });
    expect((body as { selection: { operations: string[] } }).selection.operations).toEqual(
      Array.from({ length: 4 }, (_, i) => `GET /folders/op${i + 1}`),
    );
    expect(body).not.toHaveProperty("base_url");
  });

  it("refuses more than the cap and a prefix with other characters, before asking the server", async () => {
    renderDialog();
    const preview = await previewBig();
    fireEvent.click(preview.getByText("Select all"));
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("15 of 15 selected, at most 12");
    expect(preview.getByText("At most 12 tools can be imported at once: untick some operations.")).toBeTruthy();
    expect(screen.getByText("Import 15 tools").closest("button")?.disabled).toBe(true);

    // The search narrows what "Unselect shown" touches: here one operation.
    fireEvent.change(preview.getByLabelText("Search operations"), { target: { value: "users operation 1" } });
    expect(preview.getAllByTestId("openapi-operation")).toHaveLength(1);
    fireEvent.click(preview.getByText("Unselect shown"));
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("14 of 15 selected, at most 12");
    fireEvent.change(preview.getByLabelText("Search operations"), { target: { value: "" } });
    fireEvent.click(preview.getByLabelText("Unselect all operations tagged Files"));
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("9 of 15 selected, at most 12");
    fireEvent.change(preview.getByLabelText("Tool name prefix (optional)"), { target: { value: "big." } });
    expect(preview.getByText("Letters, digits, _ and - only.")).toBeTruthy();
    expect(screen.getByText("Import 9 tools").closest("button")?.disabled).toBe(true);
    expect(mockedImport).toHaveBeenCalledTimes(1);
  });

  it("shows the server's refusal of the import: a prefix it rejects at the field, anything else as one message", async () => {
    renderDialog();
    const preview = await previewBig();
    fireEvent.click(preview.getByLabelText("Select all operations tagged Files"));
    mockedImport.mockRejectedValueOnce(
      new ApiError(422, "validation_error", "Invalid input", {
        errors: [{ loc: ["body", "name_prefix"], msg: "Value error, this prefix is taken" }],
      }),
    );
    fireEvent.click(screen.getByText("Import 5 tools"));
    expect(await preview.findByText("this prefix is taken")).toBeTruthy();

    mockedImport.mockRejectedValueOnce(new ApiError(409, "conflict", "A tool named files_op0 already exists on this agent"));
    fireEvent.click(screen.getByText("Import 5 tools"));
    expect(await screen.findByText("A tool named files_op0 already exists on this agent")).toBeTruthy();
  });

  it("speaks German", async () => {
    renderDialog("de");
    mockedImport.mockResolvedValueOnce(bigPreview() as never);
    fireEvent.change(screen.getByLabelText("OpenAPI-Dokument (JSON oder YAML)"), { target: { value: "{}" } });
    fireEvent.click(screen.getByText("Vorschau"));
    const preview = within(await screen.findByTestId("openapi-preview"));
    expect(preview.getByTestId("openapi-selected-count").textContent).toBe("0 von 15 gewählt, höchstens 12");
    expect(preview.getByText("2 Hinweise: trotzdem importiert, einen Blick wert")).toBeTruthy();
  });
});
