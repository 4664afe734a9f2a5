/**
 * `wrangler dev` (workerd, the open-source Workers runtime) as a child process on a free loopback
 * port: waits until it is ready, keeps its log for errors, stops it. Shared by the tests that need a
 * real Workers runtime (tests/support/worker-server.ts, tests/workers-runtime/) and by
 * `npm run bench:worker`; it lives here because bench/ may not import tests/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
/** No metrics upload, no colour codes in the log we match on. */
export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export interface WranglerDev {
  origin: string;
  /** wrangler's process id; workerd runs as its descendant. */
  pid: number;
  /** What wrangler printed so far. */
  log(): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `wrangler dev <args>` from the repository root on 127.0.0.1 and a free port, and resolves
 * once it says "Ready on" (rejects with its log if it exits or is not ready within `readyTimeoutMs`).
 * `args` choose the Worker (`--config path/wrangler.toml`) and anything else (`--var`, `--persist-to`).
 */
export async function startWranglerDev(args: string[], { readyTimeoutMs = 60_000 }: { readyTimeoutMs?: number } = {}): Promise<WranglerDev> {
  const port = await freePort();
  // Its own inspector port too: wrangler's default (9229) is shared, and two starting at once race for it.
  const inspectorPort = await freePort();
  const child: ChildProcess = spawn(WRANGLER, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", ...args], {
    cwd: ROOT,
    env: wranglerEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    if (/Ready on/.test(log)) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`wrangler dev did not start in ${readyTimeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    log: () => log,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
