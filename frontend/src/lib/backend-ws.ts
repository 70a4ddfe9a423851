/**
 * Where the browser opens the playground WebSocket. REST goes through Next rewrites, but
 * `next start` cannot proxy WebSockets, so the socket goes straight to the backend:
 * NEXT_PUBLIC_BACKEND_WS_URL when set at build time (e.g. wss://api.example.com), otherwise the
 * page's own host on port 8000. Cookies are scoped by host, not port, so the `ab_access` cookie
 * set through the dashboard is sent to the backend too; the backend checks the Origin header.
 */
export function backendWsOrigin(location: Pick<Location, "protocol" | "hostname"> = window.location): string {
  const configured = process.env.NEXT_PUBLIC_BACKEND_WS_URL;
  if (configured) return configured.replace(/\/$/, "");
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const host = location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname;
  return `${scheme}//${host}:8000`;
}

/** The playground socket URL of one agent. */
export function playgroundSocketUrl(agentId: string, location?: Pick<Location, "protocol" | "hostname">): string {
  return `${backendWsOrigin(location)}/api/v1/playground/${encodeURIComponent(agentId)}`;
}
