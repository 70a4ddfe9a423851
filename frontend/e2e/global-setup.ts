/**
 * Starts the system under test on free local ports and returns the teardown:
 *   - a local HTTP tool server (in this process, see tool-server.ts)
 *   - the fake OpenAI server   backend/.venv/bin/python -m tests.fakes.openai_server
 *   - the backend              on a fresh SQLite database in a temp dir, pointed at the fake
 *   - the dashboard            `next start` of the production build (built first if missing)
 * Their URLs reach the tests as E2E_* environment variables; logs go to test-results/e2e-logs/.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startToolServer } from "./tool-server";

const frontend = resolve(fileURLToPath(new URL("..", import.meta.url)));
const backend = resolve(frontend, "../backend");
const python = resolve(backend, ".venv/bin/python");
const logs = resolve(frontend, "test-results/e2e-logs");

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function start(name: string, command: string, args: string[], cwd: string, env: Record<string, string>): ChildProcess {
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `${name}.log`));
  // Own process group, so teardown stops the server and anything it spawned.
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once("error", () => resolveAccepts(false));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.status < 500;
  } catch {
    return false;
  }
}

/** Poll until `ready()` holds, the process dies, or ~60 s pass. */
async function waitFor(name: string, child: ChildProcess, ready: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with ${child.exitCode}; see ${join(logs, `${name}.log`)}`);
    }
    if (await ready()) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${name} did not start; see ${join(logs, `${name}.log`)}`);
}

function stop(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const env = { NEXT_TELEMETRY_DISABLED: "1" };
  if (!existsSync(join(frontend, ".next/BUILD_ID"))) {
    const build = spawnSync("npx", ["next", "build"], { cwd: frontend, stdio: "inherit", env: { ...process.env, ...env } });
    if (build.status !== 0) throw new Error("next build failed");
  }

  const dataDir = mkdtempSync(join(tmpdir(), "agent-builder-e2e-"));
  const children: ChildProcess[] = [];
  const tools = await startToolServer();

  const teardown = async () => {
    children.forEach(stop);
    await tools.close();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const [llmPort, backendPort, webPort] = [await freePort(), await freePort(), await freePort()];
    const webUrl = `http://127.0.0.1:${webPort}`;
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    const databaseUrl = `sqlite+aiosqlite:///${join(dataDir, "e2e.db")}`;

    const llm = start(
      "fake-openai",
      python,
      ["-m", "tests.fakes.openai_server", "--port", String(llmPort), "--delay-ms", process.env.E2E_LLM_DELAY_MS ?? "40"],
      backend,
      {},
    );
    children.push(llm);

    const api = start("backend", python, ["-m", "app", "serve", "--host", "127.0.0.1", "--port", String(backendPort)], backend, {
      ENVIRONMENT: "development",
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      REDIS_URL: "",
      ALLOWED_ORIGINS: webUrl,
      OPENAI_API_KEY: "sk-e2e-fake",
      OPENAI_BASE_URL: `http://127.0.0.1:${llmPort}/v1`,
      ANTHROPIC_API_KEY: "",
      GOOGLE_API_KEY: "",
      TOOL_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
      // Browsers in the tests are fast; keep the limits out of the way.
      RATE_LIMIT_USER: "100000/minute",
      RATE_LIMIT_IP: "100000/minute",
      RATE_LIMIT_WS_FRAMES: "100000/minute",
      LANGFUSE_PUBLIC_KEY: "",
      LANGFUSE_SECRET_KEY: "",
      LANGFUSE_HOST: "",
    });
    children.push(api);

    // Bound to "localhost", not "127.0.0.1": with -H 127.0.0.1, Next 16 hands the proxy
    // request URLs on "localhost" and then treats next-intl's rewrites as external (a loop).
    const web = start("next", "node", [join(frontend, "node_modules/next/dist/bin/next"), "start", "-H", "localhost", "-p", String(webPort)], frontend, {
      ...env,
      BACKEND_URL: backendUrl,
    });
    children.push(web);

    await waitFor("fake-openai", llm, () => accepts(llmPort));
    await waitFor("backend", api, () => answers(`${backendUrl}/health`));
    await waitFor("next", web, () => answers(`${webUrl}/login`));

    process.env.E2E_BASE_URL = webUrl;
    process.env.E2E_BACKEND_URL = backendUrl;
    process.env.E2E_TOOL_SERVER_URL = tools.url;
    // For journeys that need what only an operator can make (the CLI: a second workspace).
    process.env.E2E_DATABASE_URL = databaseUrl;
    process.env.E2E_DATA_DIR = dataDir;
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
