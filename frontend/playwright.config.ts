import { defineConfig } from "@playwright/test";

// End-to-end tests against the real backend and the production build of the dashboard.
// e2e/global-setup.ts starts everything on free ports (a temp SQLite database, the fake OpenAI
// server, a local HTTP tool server, `next start`) and tears it down after the run.
// Chromium comes from Debian (`apt-get install chromium`); Playwright downloads no browser.
export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    timezoneId: "UTC",
    screenshot: "on",
    trace: "retain-on-failure",
  },
  projects: [
    // The first-run journey needs the empty database, so it runs before everything else.
    { name: "first-run", testMatch: /setup\.spec\.ts/ },
    { name: "journeys", testIgnore: /setup\.spec\.ts/, dependencies: ["first-run"] },
  ],
});
