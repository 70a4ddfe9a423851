/**
 * Settings the server reads from its environment when it starts (not at build time), so one
 * build runs anywhere:
 *   BACKEND_URL     where /api/* and /health are forwarded (default http://127.0.0.1:8000)
 *   BACKEND_WS_URL  the backend origin as the *browser* reaches it for WebSockets, e.g.
 *                   wss://agents.example.com; default: the page's own host on BACKEND_URL's port
 */

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:8000";

export type RuntimeConfig = {
  /** Explicit WebSocket origin, or null to derive it from the page's host. */
  backendWsUrl: string | null;
  /** The backend's port, used with the page's host when backendWsUrl is null. */
  backendPort: number;
};

export function backendUrl(env: Record<string, string | undefined> = process.env): URL {
  return new URL(env.BACKEND_URL || DEFAULT_BACKEND_URL);
}

export function runtimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const backend = backendUrl(env);
  const port = backend.port ? Number(backend.port) : backend.protocol === "https:" ? 443 : 80;
  return { backendWsUrl: env.BACKEND_WS_URL?.replace(/\/$/, "") || null, backendPort: port };
}
