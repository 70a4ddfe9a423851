/**
 * Where the browser opens the playground WebSocket. REST goes through the dashboard's own
 * origin (src/proxy.ts forwards it), but `next start` cannot forward WebSockets, so the socket
 * goes straight to the backend: BACKEND_WS_URL when the server sets it, otherwise the page's
 * own host on the backend's port. Cookies are scoped by host, not port, so the `ab_access`
 * cookie set through the dashboard is sent to the backend too; the backend checks the Origin.
 */
import type { RuntimeConfig } from "./runtime-config";

type PageLocation = Pick<Location, "protocol" | "hostname">;

let config: Promise<RuntimeConfig> | null = null;

function loadConfig(): Promise<RuntimeConfig> {
  config ??= fetch("/runtime-config", { cache: "no-store" })
    .then((response) => {
      if (!response.ok) throw new Error(`runtime config: ${response.status}`);
      return response.json() as Promise<RuntimeConfig>;
    })
    .catch((error: unknown) => {
      config = null; // try again next time
      throw error;
    });
  return config;
}

/** The backend origin for WebSockets, given the runtime config and the page's location. */
export function backendWsOrigin(runtime: RuntimeConfig, location: PageLocation): string {
  if (runtime.backendWsUrl) return runtime.backendWsUrl;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
  return `${scheme}//${host}:${runtime.backendPort}`;
}

/** The playground socket URL of one agent (fetches /runtime-config once per page load). */
export async function playgroundSocketUrl(agentId: string): Promise<string> {
  const origin = backendWsOrigin(await loadConfig(), window.location);
  return `${origin}/api/v1/playground/${encodeURIComponent(agentId)}`;
}
