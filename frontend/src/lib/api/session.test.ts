import { describe, expect, it, vi } from "vitest";
import { createAuthFetch, REFRESH_PATH } from "./session";

const ORIGIN = "http://127.0.0.1:3000";

/** A fake server: answers by path, records what it was asked. */
function fakeServer(routes: Record<string, (request: Request) => Response | Promise<Response>>) {
  const calls: { method: string; path: string; body: string }[] = [];
  const fetch = async (request: Request) => {
    const path = new URL(request.url).pathname;
    calls.push({ method: request.method, path, body: await request.clone().text() });
    const handler = routes[path];
    return handler ? handler(request) : new Response("{}", { status: 404 });
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const expired = () => json(401, { error: { code: "auth_expired", message: "Session expired", details: {} } });

describe("createAuthFetch", () => {
  it("refreshes once after a 401 and retries the request with its body", async () => {
    let sessionValid = false;
    const server = fakeServer({
      "/api/v1/agents": () => (sessionValid ? json(201, { id: "a1" }) : expired()),
      [REFRESH_PATH]: () => {
        sessionValid = true;
        return json(200, {});
      },
    });
    const onSessionLost = vi.fn();
    const authFetch = createAuthFetch({ fetch: server.fetch, onSessionLost });

    const response = await authFetch(
      new Request(`${ORIGIN}/api/v1/agents`, { method: "POST", body: '{"name":"Bot"}' }),
    );

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: "a1" });
    expect(server.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      "POST /api/v1/agents",
      `POST ${REFRESH_PATH}`,
      "POST /api/v1/agents",
    ]);
    expect(server.calls[2]?.body).toBe('{"name":"Bot"}');
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("gives up after a failed refresh: returns the 401 and reports the lost session", async () => {
    const server = fakeServer({
      "/api/v1/agents": expired,
      [REFRESH_PATH]: () => json(401, { error: { code: "not_authenticated", message: "no", details: {} } }),
    });
    const onSessionLost = vi.fn();
    const authFetch = createAuthFetch({ fetch: server.fetch, onSessionLost });

    const response = await authFetch(new Request(`${ORIGIN}/api/v1/agents`));

    expect(response.status).toBe(401);
    expect(onSessionLost).toHaveBeenCalledTimes(1);
    // Exactly one retry budget: no second refresh, no second attempt.
    expect(server.calls.map((call) => call.path)).toEqual(["/api/v1/agents", REFRESH_PATH]);
  });

  it("shares one refresh between requests that fail together", async () => {
    let sessionValid = false;
    let refreshes = 0;
    const server = fakeServer({
      "/api/v1/agents": () => (sessionValid ? json(200, { items: [] }) : expired()),
      "/api/v1/providers": () => (sessionValid ? json(200, { items: [] }) : expired()),
      [REFRESH_PATH]: async () => {
        refreshes += 1;
        await Promise.resolve();
        sessionValid = true;
        return json(200, {});
      },
    });
    const authFetch = createAuthFetch({ fetch: server.fetch });

    const [a, b] = await Promise.all([
      authFetch(new Request(`${ORIGIN}/api/v1/agents`)),
      authFetch(new Request(`${ORIGIN}/api/v1/providers`)),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(refreshes).toBe(1);
  });

  it("does not refresh when the login itself is refused", async () => {
    const server = fakeServer({
      "/api/v1/auth/login": () => json(401, { error: { code: "invalid_credentials", message: "Wrong", details: {} } }),
    });
    const onSessionLost = vi.fn();
    const authFetch = createAuthFetch({ fetch: server.fetch, onSessionLost });

    const response = await authFetch(new Request(`${ORIGIN}/api/v1/auth/login`, { method: "POST", body: "{}" }));

    expect(response.status).toBe(401);
    expect(server.calls.map((call) => call.path)).toEqual(["/api/v1/auth/login"]);
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("passes other errors through untouched", async () => {
    const server = fakeServer({ "/api/v1/agents/x": () => json(404, { error: { code: "not_found:agent", message: "gone", details: {} } }) });
    const authFetch = createAuthFetch({ fetch: server.fetch });

    const response = await authFetch(new Request(`${ORIGIN}/api/v1/agents/x`));

    expect(response.status).toBe(404);
    expect(server.calls).toHaveLength(1);
  });
});
