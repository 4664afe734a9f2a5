/**
 * The repository's Worker (wrangler.toml: the edge API and the page) under `wrangler dev` with a
 * fresh local D1 in a temporary directory, every migration applied and fresh random secrets, plus
 * SQL on that same D1 (`wrangler d1 execute --local`, beside the running server). For the runs in
 * bench/ that drive the real API (bench/ may not import tests/support/worker-server.ts, which does the
 * same for the tests with fixed test secrets).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startWranglerDev, WRANGLER, wranglerEnv } from "./wrangler-dev.js";

const run = promisify(execFile);

export interface LocalWorker {
  origin: string;
  /** ADMIN_TOKEN and TOKEN_SECRET the server runs with: 32 random bytes each, as hex. */
  adminToken: string;
  tokenSecret: string;
  /** What wrangler printed so far (the Worker's console.error lines included). */
  log(): string;
  /**
   * Runs SQL statements (`;`-separated) on the server's D1; the rows of each statement, in order.
   * Beside a running server a query may find the database locked (SQLITE_BUSY): stop() it first.
   */
  sql(statements: string): Promise<Record<string, unknown>[][]>;
  /** Stops the server and keeps its D1 for sql(). */
  stop(): Promise<void>;
  /** Stops the server and deletes its D1. */
  close(): Promise<void>;
}

export interface LocalWorkerOptions {
  /** Further `--var NAME:value` bindings (LEASE_SECONDS, say). */
  vars?: Record<string, string>;
}

export async function startLocalWorker({ vars = {} }: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const persist = await mkdtemp(join(tmpdir(), "grokedge-d1-"));
  try {
    await run(WRANGLER, ["d1", "migrations", "apply", "grokedge", "--local", "--persist-to", persist], { cwd: ROOT, env: wranglerEnv });
    const adminToken = randomBytes(32).toString("hex");
    const tokenSecret = randomBytes(32).toString("hex");
    const bindings = { ADMIN_TOKEN: adminToken, TOKEN_SECRET: tokenSecret, ...vars };
    const dev = await startWranglerDev(["--persist-to", persist, ...Object.entries(bindings).flatMap(([name, value]) => ["--var", `${name}:${value}`])]);
    return {
      origin: dev.origin,
      adminToken,
      tokenSecret,
      log: dev.log,
      async sql(statements) {
        // --file, not --command: a long script of checks stays off the command line.
        const file = join(persist, `query-${randomBytes(6).toString("hex")}.sql`);
        await writeFile(file, statements);
        try {
          const { stdout } = await run(WRANGLER, ["d1", "execute", "grokedge", "--local", "--persist-to", persist, "--json", "--file", file], { cwd: ROOT, env: wranglerEnv, maxBuffer: 256 * 2 ** 20 });
          const results = JSON.parse(stdout) as { results: Record<string, unknown>[]; success: boolean }[];
          const failed = results.findIndex((r) => !r.success);
          if (failed >= 0) throw new Error(`SQL statement ${failed + 1} failed:\n${statements}\n${stdout}`);
          return results.map((r) => r.results);
        } finally {
          await rm(file, { force: true });
        }
      },
      stop: () => dev.close(),
      async close() {
        await dev.close();
        await rm(persist, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(persist, { recursive: true, force: true });
    throw error;
  }
}
