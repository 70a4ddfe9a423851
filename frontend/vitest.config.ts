import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Unit tests: plain TS and hooks (jsdom); React components compile with esbuild's automatic JSX.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
