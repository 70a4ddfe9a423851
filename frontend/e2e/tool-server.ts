/**
 * A local HTTP API for agents' tools in the e2e tests (127.0.0.1 only):
 *   GET  /weather?city=Berlin      {"city", "temperature_c", "conditions"}
 *   GET  /secure/weather?city=...  the same, but only with header `X-API-Key: e2e-secret`
 *   POST /echo                     {"received": <the JSON body>}
 *   GET  /openapi.json             an OpenAPI 3 document describing the three, for import
 *   GET  /_requests                what it was asked so far (method, path, query, API key seen)
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const TOOL_API_KEY = "e2e-secret";

type Seen = { method: string; path: string; query: Record<string, string>; hadApiKey: boolean };

const TEMPERATURES: Record<string, number> = { berlin: 21, paris: 24, oslo: 12 };

function openapi(baseUrl: string) {
  const city = { name: "city", in: "query", required: true, schema: { type: "string" } };
  const weather = {
    type: "object",
    properties: {
      city: { type: "string" },
      temperature_c: { type: "number" },
      conditions: { type: "string" },
    },
  };
  return {
    openapi: "3.0.3",
    info: { title: "E2E Weather", version: "1.0.0" },
    servers: [{ url: baseUrl }],
    paths: {
      "/weather": {
        get: {
          operationId: "get_weather",
          summary: "Current weather in a city",
          parameters: [city],
          responses: { "200": { description: "OK", content: { "application/json": { schema: weather } } } },
        },
      },
      "/secure/weather": {
        get: {
          operationId: "get_secure_weather",
          summary: "Current weather in a city (needs an API key)",
          parameters: [city],
          security: [{ apiKey: [] }],
          responses: { "200": { description: "OK" } },
        },
      },
      "/echo": {
        post: {
          operationId: "echo",
          summary: "Echo a JSON body",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
              },
            },
          },
          responses: { "200": { description: "OK" } },
        },
      },
    },
    components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export type ToolServer = { url: string; close: () => Promise<void> };

export async function startToolServer(): Promise<ToolServer> {
  const seen: Seen[] = [];
  let baseUrl = "";
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", baseUrl);
    const hadApiKey = request.headers["x-api-key"] === TOOL_API_KEY;
    if (url.pathname !== "/_requests") {
      seen.push({ method: request.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), hadApiKey });
    }
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const weather = () => {
      const city = url.searchParams.get("city") ?? "";
      if (!city) return send(400, { error: "city is required" });
      const temperature = TEMPERATURES[city.toLowerCase()] ?? 18;
      return send(200, { city, temperature_c: temperature, conditions: "sunny" });
    };

    if (request.method === "GET" && url.pathname === "/weather") return weather();
    if (request.method === "GET" && url.pathname === "/secure/weather") {
      return hadApiKey ? weather() : send(401, { error: "missing or wrong X-API-Key" });
    }
    if (request.method === "POST" && url.pathname === "/echo") {
      const text = await readBody(request);
      try {
        return send(200, { received: JSON.parse(text || "null") });
      } catch {
        return send(400, { error: "body is not JSON" });
      }
    }
    if (request.method === "GET" && url.pathname === "/openapi.json") return send(200, openapi(baseUrl));
    if (request.method === "GET" && url.pathname === "/_requests") return send(200, seen);
    return send(404, { error: "not found" });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
