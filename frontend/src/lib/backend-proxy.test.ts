// @vitest-environment node
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { forwardToBackend } from "./backend-proxy";

type Seen = { method?: string; url?: string; body: string; headers: IncomingMessage["headers"] };

let server: Server | null = null;

async function fakeBackend(): Promise<{ url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    seen.push({ method: request.method, url: request.url, body: Buffer.concat(chunks).toString(), headers: request.headers });
    if (request.url?.startsWith("/api/v1/auth/login")) {
      response.setHeader("set-cookie", ["ab_access=a; Path=/; HttpOnly", "ab_refresh=r; Path=/api/v1/auth; HttpOnly"]);
      response.writeHead(200, { "content-type": "application/json", connection: "keep-alive" });
      response.end('{"ok":true}');
    } else if (request.method === "DELETE") {
      response.writeHead(204);
      response.end();
    } else {
      response.writeHead(422, { "content-type": "application/json" });
      response.end('{"error":{"code":"validation_error","message":"bad","details":{}}}');
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), seen };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

describe("forwardToBackend", () => {
  it("sends method, path, query and body, and returns every cookie the backend sets", async () => {
    const backend = await fakeBackend();
    const response = await forwardToBackend(
      new Request("http://127.0.0.1:3000/api/v1/auth/login?x=1", {
        method: "POST",
        headers: { "content-type": "application/json", cookie: "ab_refresh=old" },
        body: '{"email":"a@b.c"}',
      }),
      backend.url,
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.getSetCookie()).toEqual([
      "ab_access=a; Path=/; HttpOnly",
      "ab_refresh=r; Path=/api/v1/auth; HttpOnly",
    ]);
    expect(response.headers.get("connection")).toBeNull();
    const [seen] = backend.seen;
    expect(seen).toMatchObject({ method: "POST", url: "/api/v1/auth/login?x=1", body: '{"email":"a@b.c"}' });
    expect(seen?.headers.cookie).toBe("ab_refresh=old");
    expect(seen?.headers["x-forwarded-host"]).toBe("127.0.0.1:3000");
  });

  it("passes errors and empty answers through unchanged", async () => {
    const backend = await fakeBackend();
    const invalid = await forwardToBackend(new Request("http://127.0.0.1:3000/api/v1/agents"), backend.url);
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).error.code).toBe("validation_error");

    const deleted = await forwardToBackend(
      new Request("http://127.0.0.1:3000/api/v1/agents/1", { method: "DELETE" }),
      backend.url,
    );
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
  });

  it("answers 502 in the API's error shape when the backend is down", async () => {
    const backend = await fakeBackend();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;

    const response = await forwardToBackend(new Request("http://127.0.0.1:3000/api/v1/agents"), backend.url);

    expect(response.status).toBe(502);
    expect((await response.json()).error.code).toBe("backend_unreachable");
  });
});
