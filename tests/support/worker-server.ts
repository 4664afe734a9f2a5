/**
 * The real API for tests: `wrangler dev` (workerd) on a free port with a fresh local D1 in a temp
 * directory, migrations applied, test secrets. Nothing is mocked.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startWranglerDev, WRANGLER, wranglerEnv } from "../../bench/support/wrangler-dev.js";
import { DEFAULT_RATE_LIMITS } from "../../worker/src/rate-limit-rules.js";

/** Test secrets: at least 32 bytes, as the server requires (worker/src/auth.ts). */
export const TEST_ADMIN_TOKEN = "test-admin-token-of-at-least-32-bytes";
export const TEST_TOKEN_SECRET = "test-token-secret-of-at-least-32-bytes";

/**
 * The rate limits and the daily lease quota are lifted unless a test sets RATE_LIMITS or LEASE_QUOTA
 * itself (tests/worker/rate-limit.test.ts): every test volunteer connects from 127.0.0.1, one network
 * where production would see many, and tests drive a client through units far faster than a volunteer.
 */
const LIFTED_LIMITS = {
  RATE_LIMITS: Object.keys(DEFAULT_RATE_LIMITS)
    .map((name) => `${name}=1000000/60`)
    .join(","),
  LEASE_QUOTA: "base=1000000,max=1000000",
};

export interface WorkerServer {
  origin: string;
  /** fetch against the server, with JSON helpers. */
  request(method: string, path: string, init?: { body?: unknown; rawBody?: string; token?: string }): Promise<{ status: number; body: any }>;
  /**
   * Runs SQL on the server's local D1 (`wrangler d1 execute --local`, beside the running server) and
   * returns the rows of its last statement: for tests that must change what the API never lets
   * anyone change, such as a unit's validated hash.
   */
  sql(command: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Lease length in seconds (the worker's LEASE_SECONDS; default 600): short leases test expiry. */
  leaseSeconds?: number;
  /** More variables (`--var NAME:value`), over the defaults: TOKEN_SECRET_PREVIOUS, RATE_LIMITS, ALLOWED_ORIGINS, other secrets, … */
  vars?: Record<string, string>;
}

export async function startWorker(options: WorkerOptions = {}): Promise<WorkerServer> {
  const persist = await mkdtemp(join(tmpdir(), "grokedge-d1-"));
  await promisify(execFile)(WRANGLER, ["d1", "migrations", "apply", "grokedge", "--local", "--persist-to", persist], { cwd: ROOT, env: wranglerEnv });
  const named: Record<string, string> = { ADMIN_TOKEN: TEST_ADMIN_TOKEN, TOKEN_SECRET: TEST_TOKEN_SECRET, ...LIFTED_LIMITS, ...options.vars };
  const vars = Object.entries(named).map(([name, value]) => `${name}:${value}`);
  if (options.leaseSeconds !== undefined) vars.push(`LEASE_SECONDS:${options.leaseSeconds}`);
  // --test-scheduled exposes /__scheduled, so tests can fire the cron trigger.
  const dev = await startWranglerDev(["--persist-to", persist, ...vars.flatMap((v) => ["--var", v]), "--test-scheduled"]);
  const { origin } = dev;
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
    async sql(command) {
      const { stdout } = await promisify(execFile)(WRANGLER, ["d1", "execute", "grokedge", "--local", "--persist-to", persist, "--json", "--command", command], { cwd: ROOT, env: wranglerEnv });
      const statements = JSON.parse(stdout) as { results: Record<string, unknown>[]; success: boolean }[];
      const last = statements[statements.length - 1];
      if (!last?.success) throw new Error(`SQL failed: ${command}\n${stdout}`);
      return last.results;
    },
    async close() {
      await dev.close();
      await rm(persist, { recursive: true, force: true });
    },
  };
}
