/**
 * The session rule of every API call: a 401 means the short-lived access cookie ran out, so
 * call POST /api/v1/auth/refresh once (shared by all requests failing at the same moment) and
 * retry the request once. When the refresh fails too, the session is over: `onSessionLost`
 * sends the person to the login page.
 */

export const REFRESH_PATH = "/api/v1/auth/refresh";

// Calls where a 401 is the answer itself, not an expired session.
const NO_REFRESH = ["/api/v1/auth/login", "/api/v1/auth/setup", "/api/v1/auth/logout", REFRESH_PATH];

type Fetch = (request: Request) => Promise<Response>;

export type AuthFetchOptions = {
  fetch?: Fetch;
  onSessionLost?: () => void;
};

export function createAuthFetch({ fetch: baseFetch, onSessionLost }: AuthFetchOptions = {}): Fetch {
  const send: Fetch = baseFetch ?? ((request) => globalThis.fetch(request));
  let refreshing: Promise<boolean> | null = null;

  function refresh(origin: string): Promise<boolean> {
    refreshing ??= send(
      new Request(new URL(REFRESH_PATH, origin), { method: "POST", credentials: "same-origin" }),
    )
      .then((response) => response.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  return async function authFetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (NO_REFRESH.includes(url.pathname)) return send(request);

    const retry = request.clone(); // the body can be read only once
    const response = await send(request);
    if (response.status !== 401) return response;

    if (await refresh(url.origin)) return send(retry);
    onSessionLost?.();
    return response;
  };
}
