import { runtimeConfig } from "@/lib/runtime-config";

export const dynamic = "force-dynamic";

/** The server's runtime settings the browser needs (see src/lib/runtime-config.ts). */
export function GET(): Response {
  return Response.json(runtimeConfig(), { headers: { "cache-control": "no-store" } });
}
