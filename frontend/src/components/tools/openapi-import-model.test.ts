import { describe, expect, it } from "vitest";
import {
  filterOperations,
  groupByTag,
  importRequest,
  initialSelection,
  operationsOf,
  prefixProblem,
  prefixedName,
  serverUrl,
  toggleAll,
  warningsOf,
  type ImportPreview,
  type PreviewOperation,
  type PreviewServer,
} from "./openapi-import-model";

const op = (method: string, path: string, tags: string[], extra: Partial<PreviewOperation> = {}): PreviewOperation => ({
  key: `${method} ${path}`,
  method,
  path,
  operation_id: null,
  tags,
  summary: null,
  tool_name: `${method.toLowerCase()}${path.replace(/\W+/g, "_")}`,
  selected: false,
  deprecated: false,
  ...extra,
});

const OPS = [
  op("GET", "/files", ["Files"], { summary: "List files" }),
  op("POST", "/folders", ["Folders"]),
  op("GET", "/health", []),
  op("DELETE", "/files/{id}", ["Files", "Trash"], { operation_id: "delete_file", deprecated: true }),
];

const REGION: PreviewServer = {
  url: "https://{region}.api.example.com/{version}",
  variables: { region: { default: "eu", enum: ["eu", "us"] }, version: { default: "v2" } },
};
const SANDBOX: PreviewServer = { url: "https://sandbox.example.com/{version}", variables: { version: { default: "v1" } } };

describe("groupByTag", () => {
  it("groups under the first tag in document order, untagged last, each operation once", () => {
    const groups = groupByTag(OPS);
    expect(groups.map((g) => g.tag)).toEqual(["Files", "Folders", ""]);
    expect(groups[0]?.operations.map((o) => o.key)).toEqual(["GET /files", "DELETE /files/{id}"]);
    expect(groups.flatMap((g) => g.operations)).toHaveLength(OPS.length);
  });
});

describe("filterOperations", () => {
  it("matches every word against path, method, operationId, tool name, summary and tags", () => {
    expect(filterOperations(OPS, "files list").map((o) => o.key)).toEqual(["GET /files"]);
    expect(filterOperations(OPS, "TRASH").map((o) => o.key)).toEqual(["DELETE /files/{id}"]);
    expect(filterOperations(OPS, "delete_file")).toHaveLength(1);
    expect(filterOperations(OPS, "  ")).toHaveLength(OPS.length);
    expect(filterOperations(OPS, "nothing-like-this")).toEqual([]);
  });
});

describe("selection", () => {
  it("starts from what the server selected and toggles whole groups", () => {
    const preselected = [op("GET", "/a", [], { selected: true }), op("GET", "/b", [])];
    expect([...initialSelection(preselected)]).toEqual(["GET /a"]);
    const all = toggleAll(new Set(), OPS, true);
    expect(all.size).toBe(4);
    const withoutFiles = toggleAll(all, groupByTag(OPS)[0]?.operations ?? [], false);
    expect([...withoutFiles].sort()).toEqual(["GET /health", "POST /folders"]);
  });
});

describe("prefix", () => {
  it("accepts letters, digits, _ and - up to 32 characters and cuts names at 64", () => {
    expect(prefixProblem("")).toBeNull();
    expect(prefixProblem("box_v2-")).toBeNull();
    expect(prefixProblem("box.")).toBe("chars");
    expect(prefixProblem("a".repeat(33))).toBe("length");
    expect(prefixedName("box_", "get_files")).toBe("box_get_files");
    expect(prefixedName("p_", "x".repeat(70))).toHaveLength(64);
  });
});

describe("serverUrl", () => {
  it("fills variables from the user's values, else the defaults, and resolves relative URLs", () => {
    expect(serverUrl(REGION, {})).toBe("https://eu.api.example.com/v2");
    expect(serverUrl(REGION, { region: "us" })).toBe("https://us.api.example.com/v2");
    expect(serverUrl({ url: "/v1", variables: {} }, {}, "https://docs.example.com/spec/openapi.json")).toBe("https://docs.example.com/v1");
  });
});

describe("importRequest", () => {
  const base = { spec: "{}", dry_run: true };
  const choices = { operations: OPS, namePrefix: "", serverIndex: 0, variables: {}, servers: [REGION, SANDBOX] };

  it("sends the chosen operations in the document's order, the prefix and the variables", () => {
    const body = importRequest(base, { ...choices, selected: new Set(["POST /folders", "GET /files"]), namePrefix: "box_", variables: { region: "us" } });
    expect(body.dry_run).toBe(false);
    expect(body.selection).toEqual({ operations: ["GET /files", "POST /folders"] });
    expect(body.name_prefix).toBe("box_");
    expect(body.server_variables).toEqual({ region: "us", version: "v2" });
    expect(body.base_url).toBeUndefined();
  });

  it("sends another server than the first as its filled base URL, unless the user typed one", () => {
    const chosen = { ...choices, selected: new Set(["GET /files"]), serverIndex: 1 };
    expect(importRequest(base, chosen).base_url).toBe("https://sandbox.example.com/v1");
    expect(importRequest({ ...base, base_url: "https://mine.example.com" }, chosen).base_url).toBe("https://mine.example.com");
  });

  it("sends no selection when everything the server selected is still selected", () => {
    const all = OPS.map((o) => ({ ...o, selected: true }));
    const body = importRequest(base, { ...choices, operations: all, selected: new Set(all.map((o) => o.key)), servers: [] });
    expect(body.selection).toBeUndefined();
    expect(body.server_variables).toBeUndefined();
  });
});

describe("older previews", () => {
  it("turn plain-string warnings and a tools-only preview into the dialog's shapes", () => {
    const preview = {
      dry_run: true,
      integration: { id: null, name: "Old", base_url: "https://x", auth_type: "none", auth_config: {}, secrets: {}, missing_secrets: [] },
      tools: [{ id: null, name: "get_x", description: "X", method: "GET", path: "/x", input_schema: {}, timeout_s: 30 }],
      warnings: ["Something odd"],
    } as unknown as ImportPreview;
    expect(warningsOf(preview)).toEqual([{ message: "Something odd", path: "" }]);
    expect(operationsOf(preview)).toEqual([expect.objectContaining({ key: "GET /x", tool_name: "get_x", selected: true })]);
  });
});
