import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// /api/* and /health reach the backend through src/proxy.ts, which reads BACKEND_URL when the
// server starts rather than when it is built: one build serves `make run`, the e2e tests (on
// their own ports) and Docker.
const nextConfig: NextConfig = {
  // The Docker image sets NEXT_OUTPUT=standalone (a self-contained server.js); `next start`
  // needs the regular output.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  poweredByHeader: false,
};

const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");
export default withNextIntl(nextConfig);
