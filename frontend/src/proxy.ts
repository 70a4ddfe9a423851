import type { NextRequest } from "next/server";
import createMiddleware from "next-intl/middleware";
import { routing } from "./i18n/routing";
import { forwardToBackend } from "./lib/backend-proxy";
import { backendUrl } from "./lib/runtime-config";

const intl = createMiddleware(routing);

/** True for the paths the backend answers: the REST API and the health check. */
export function isBackendPath(pathname: string): boolean {
  return pathname.startsWith("/api/") || pathname === "/api" || pathname === "/health";
}

export default function proxy(request: NextRequest) {
  if (isBackendPath(request.nextUrl.pathname)) {
    // Same-origin REST: the backend's session cookies are set for the dashboard's host.
    return forwardToBackend(request, backendUrl());
  }
  return intl(request);
}

export const config = {
  // Pages and the backend paths; not Next internals, the runtime config, or files.
  matcher: ["/api/:path*", "/health", "/((?!api|health|runtime-config|_next|_vercel|.*\\..*).*)"],
};
