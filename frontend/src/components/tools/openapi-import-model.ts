import type { OpenAPIImport, OpenAPIImportResult } from "@/hooks/use-integrations";

/*
 * The import dialog's model: the preview's operations grouped by tag, the user's choice of
 * operations, prefix and server, and the request that sends them. Pure functions, tested in
 * openapi-import-model.test.ts.
 *
 * The request and preview fields below (selection, name_prefix, server_variables; operations,
 * servers, warnings with their path) are the import API's; they are spelled out here so the
 * dialog reads the same before and after the typed client is regenerated.
 */

export type ImportSelection = {
  operations?: string[];
  operation_ids?: string[];
  tags?: string[];
  paths?: string[];
  methods?: string[];
};

export type ImportRequest = OpenAPIImport & {
  selection?: ImportSelection;
  name_prefix?: string;
  server_variables?: Record<string, string>;
};

export type PreviewOperation = {
  key: string;
  method: string;
  path: string;
  operation_id?: string | null;
  tags: string[];
  summary?: string | null;
  tool_name: string;
  selected: boolean;
  deprecated: boolean;
};

export type ServerVariable = { default: string; enum?: string[] | null; description?: string | null };
export type PreviewServer = { url: string; description?: string | null; variables: Record<string, ServerVariable> };
export type ImportWarning = { message: string; path?: string | null };

export type ImportPreview = Omit<OpenAPIImportResult, "warnings"> & {
  warnings: (ImportWarning | string)[];
  operations?: PreviewOperation[];
  total_operations?: number;
  max_tools?: number;
  servers?: PreviewServer[];
};

export const DEFAULT_MAX_TOOLS = 128;
export const MAX_PREFIX = 32;
const PREFIX = /^[A-Za-z0-9_-]*$/;
const MAX_NAME = 64;

/** Tool names are at most 64 characters; the prefix goes in front (as the server does). */
export function prefixedName(prefix: string, toolName: string): string {
  return (prefix + toolName).slice(0, MAX_NAME);
}

export function prefixProblem(prefix: string): "chars" | "length" | null {
  if (prefix.length > MAX_PREFIX) return "length";
  return PREFIX.test(prefix) ? null : "chars";
}

/** Warnings as {message, path}: older servers sent plain strings. */
export function warningsOf(preview: ImportPreview): ImportWarning[] {
  return preview.warnings.map((warning) => (typeof warning === "string" ? { message: warning, path: "" } : warning));
}

/**
 * The preview's operations; a server that lists none (older API) gets one per previewed tool.
 */
export function operationsOf(preview: ImportPreview): PreviewOperation[] {
  if (preview.operations) return preview.operations;
  return preview.tools.map((tool) => ({
    key: `${tool.method} ${tool.path}`,
    method: tool.method,
    path: tool.path,
    tags: [],
    summary: tool.description,
    tool_name: tool.name,
    selected: true,
    deprecated: false,
  }));
}

export type TagGroup = { tag: string; operations: PreviewOperation[] };

/**
 * Operations grouped by their first tag, in the document's order of first appearance;
 * untagged ones last, under "" (an operation with several tags shows once, under its first).
 */
export function groupByTag(operations: PreviewOperation[]): TagGroup[] {
  const groups = new Map<string, PreviewOperation[]>();
  for (const operation of operations) {
    const tag = operation.tags[0] ?? "";
    const list = groups.get(tag) ?? [];
    list.push(operation);
    groups.set(tag, list);
  }
  const untagged = groups.get("");
  groups.delete("");
  const out = [...groups].map(([tag, list]) => ({ tag, operations: list }));
  return untagged ? [...out, { tag: "", operations: untagged }] : out;
}

/** Operations whose method and path, operationId, tool name, summary or tag contain every word. */
export function filterOperations(operations: PreviewOperation[], query: string): PreviewOperation[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return operations;
  return operations.filter((operation) => {
    const haystack = [operation.key, operation.operation_id, operation.tool_name, operation.summary, ...operation.tags]
      .filter(Boolean)
      .join(" ")
      .toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

/** The keys the server selected in the preview (none when the document is past the cap). */
export function initialSelection(operations: PreviewOperation[]): Set<string> {
  return new Set(operations.filter((operation) => operation.selected).map((operation) => operation.key));
}

/** `selected` with every key of `operations` added (on) or removed (off). */
export function toggleAll(selected: Set<string>, operations: PreviewOperation[], on: boolean): Set<string> {
  const next = new Set(selected);
  for (const operation of operations) {
    if (on) next.add(operation.key);
    else next.delete(operation.key);
  }
  return next;
}

/** Each variable's value: the user's, else the default. */
export function variableValues(server: PreviewServer | undefined, values: Record<string, string>): Record<string, string> {
  if (!server) return {};
  return Object.fromEntries(Object.entries(server.variables).map(([name, variable]) => [name, values[name] ?? variable.default]));
}

/** The server's URL with its variables filled; a relative URL resolved against the document's. */
export function serverUrl(server: PreviewServer, values: Record<string, string>, documentUrl?: string): string {
  const filled = server.url.replace(/\{([^{}]+)\}/g, (whole, name: string) => values[name] ?? server.variables[name]?.default ?? whole);
  if (/^https?:\/\//i.test(filled) || !documentUrl) return filled;
  try {
    return new URL(filled, documentUrl).toString();
  } catch {
    return filled;
  }
}

export type ImportChoices = {
  selected: Set<string>;
  operations: PreviewOperation[];
  namePrefix: string;
  serverIndex: number;
  variables: Record<string, string>;
  servers: PreviewServer[];
  documentUrl?: string;
};

/**
 * The real import's request: the base request (source, name, base URL, secrets) plus the
 * chosen operations, the prefix and the server. The first server is the document's default,
 * so choosing it sends only its variables (they also fill path- and operation-level servers);
 * another server is sent as `base_url`, filled. A base URL typed by the user wins over both.
 */
export function importRequest(base: ImportRequest, choices: ImportChoices): ImportRequest {
  const body: ImportRequest = { ...base, dry_run: false };
  const everything = choices.operations.length > 0 && choices.operations.every((op) => choices.selected.has(op.key));
  const selectedAtPreview = choices.operations.filter((op) => op.selected).map((op) => op.key);
  const unchanged = selectedAtPreview.length === choices.selected.size && selectedAtPreview.every((key) => choices.selected.has(key));
  if (!(everything && unchanged)) {
    body.selection = { operations: choices.operations.filter((op) => choices.selected.has(op.key)).map((op) => op.key) };
  }
  if (choices.namePrefix) body.name_prefix = choices.namePrefix;
  const server = choices.servers[choices.serverIndex];
  const values = variableValues(server, choices.variables);
  if (Object.keys(values).length > 0) body.server_variables = values;
  if (!base.base_url && server && choices.serverIndex > 0) body.base_url = serverUrl(server, values, choices.documentUrl);
  return body;
}
