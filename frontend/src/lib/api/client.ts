/**
 * The typed API client. Paths, parameters and bodies come from the backend's OpenAPI schema
 * (`npm run gen:api` writes schema.d.ts); every call goes through the session rule in
 * session.ts. Use `unwrap` to turn an openapi-fetch result into data or a thrown ApiError.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { ApiError, toApiError } from "./errors";
import { createAuthFetch } from "./session";
import { routing } from "@/i18n/routing";

export type Schemas = components["schemas"];

function sessionLost(): void {
  if (typeof window === "undefined") return;
  const { pathname, search } = window.location;
  // Pages that work signed out (the invite page asks who is signed in and may hear "nobody").
  if (/\/(login|setup|invite)\/?$/.test(pathname)) return;
  const locale = routing.locales.find((l) => pathname === `/${l}` || pathname.startsWith(`/${l}/`));
  const prefix = locale && locale !== routing.defaultLocale ? `/${locale}` : "";
  const next = encodeURIComponent(pathname + search);
  // A full page load on purpose: it drops every cached response of the ended session.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`${prefix}/login?next=${next}`);
}

export const authFetch = createAuthFetch({ onSessionLost: sessionLost });

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

export { ApiError };
