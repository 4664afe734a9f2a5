/**
 * The real API for tests: `wrangler dev` (workerd) on a free port with a fresh local D1 in a temp
 * directory, migrations applied, test secrets. Nothing is mocked.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
export const TEST_ADMIN_TOKEN = "test-admin-token";
export const TEST_TOKEN_SECRET = "test-token-secret";

export interface WorkerServer {
  origin: string;
  /** fetch against the server, with JSON helpers. */
  request(method: string, path: string, init?: { body?: unknown; rawBody?: string; token?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export interface WorkerOptions {
  /** Lease length in seconds (the worker's LEASE_SECONDS; default 600): short leases test expiry. */
  leaseSeconds?: number;
}

export async function startWorker(options: WorkerOptions = {}): Promise<WorkerServer> {
  const persist = await mkdtemp(join(tmpdir(), "grokedge-d1-"));
  await promisify(execFile)(WRANGLER, ["d1", "migrations", "apply", "grokedge", "--local", "--persist-to", persist], { cwd: ROOT, env });
  const port = await freePort();
  const vars = [`ADMIN_TOKEN:${TEST_ADMIN_TOKEN}`, `TOKEN_SECRET:${TEST_TOKEN_SECRET}`];
  if (options.leaseSeconds !== undefined) vars.push(`LEASE_SECONDS:${options.leaseSeconds}`);
  const child: ChildProcess = spawn(
    WRANGLER,
    // --test-scheduled exposes /__scheduled, so tests can fire the cron trigger.
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist, ...vars.flatMap((v) => ["--var", v]), "--test-scheduled", "--show-interactive-dev-session=false"],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    if (/Ready on/.test(log)) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`wrangler dev did not start in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers["content-type"] = "application/json";
      } else if (init.rawBody !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(origin + path, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (CSV, say)
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(persist, { recursive: true, force: true });
    },
  };
}
