/**
 * The typed API client. Paths, parameters and bodies come from the backend's OpenAPI schema
 * (`npm run gen:api` writes schema.d.ts); every call goes through the session rule in
 * session.ts. Use `unwrap` to turn an openapi-fetch result into data or a thrown ApiError.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { ApiError, toApiError } from "./errors";
import { createAuthFetch } from "./session";

export type Schemas = components["schemas"];

function sessionLost(): void {
  if (typeof window === "undefined") return;
  const { pathname, search } = window.location;
  if (/\/(login|setup)\/?$/.test(pathname)) return;
  const prefix = pathname.startsWith("/de/") || pathname === "/de" ? "/de" : "";
  const next = encodeURIComponent(pathname + search);
  // A full page load on purpose: it drops every cached response of the ended session.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`${prefix}/login?next=${next}`);
}

export const authFetch = createAuthFetch({ onSessionLost: sessionLost });

function origin(): string {
  return typeof window === "undefined" ? "http://127.0.0.1:3000" : window.location.origin;
}

export const api = createClient<paths>({
  baseUrl: "",
  fetch: (request) => authFetch(request),
  credentials: "same-origin",
});

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or the API's error thrown as an ApiError. */
export function unwrap<T>(result: FetchResult<T>): T {
  if (result.response.ok) return result.data as T;
  throw toApiError(result.response.status, result.error);
}

type RequestOptions = { query?: Record<string, string | number | undefined>; body?: unknown };

/**
 * A call to an endpoint the generated schema does not describe yet, with the same session rule
 * and error handling as `api`. Prefer `api` wherever the path is in schema.d.ts.
 */
export async function apiRequest<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  { query, body }: RequestOptions = {},
): Promise<T> {
  const url = new URL(path, origin());
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
  }
  const response = await authFetch(
    new Request(url, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

export { ApiError };
