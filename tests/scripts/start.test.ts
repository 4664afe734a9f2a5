/**
 * `npm start` end to end (scripts/start.ts): it answers on PORT with the default sweep seeded into
 * the D1 under --state, and a SIGTERM or SIGINT to it alone stops wrangler dev and every workerd it
 * started — an orphaned workerd would keep holding the port. --no-build, because pretest has built
 * and a rebuild would delete dist/ under the test files running beside this one. Linux only (/proc).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { descendantsNamed } from "../../bench/support/process-cpu.js";
import { freePort, ROOT } from "../../bench/support/wrangler-dev.js";
import { DEFAULT_SWEEP } from "../../scripts/default-sweep.js";

const DEV_VARS = join(ROOT, ".dev.vars");
/** Set once start.ts has written .dev.vars because there was none: only then does the test remove it (a developer's stays). */
let createdDevVars = false;

afterAll(() => {
  if (createdDevVars) rmSync(DEV_VARS, { force: true });
});

/** Whether `pid` still runs (a zombie, killed but not yet reaped by whoever adopted it, does not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Running processes whose command line mentions `needle` (what `pgrep -f` finds). */
function processesMentioning(needle: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(needle) && isRunning(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (await condition()) return true;
  }
  return condition();
}

describe("npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("serves the seeded API on PORT and %s stops wrangler and workerd", async (signal) => {
    const state = await mkdtemp(join(tmpdir(), "grokedge-start-"));
    const port = await freePort();
    const start = spawn(join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts", "--no-build", "--state", state], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    start.stdout.on("data", (chunk) => (log += chunk));
    start.stderr.on("data", (chunk) => (log += chunk));
    const exited = new Promise<void>((resolve) => start.once("exit", () => resolve()));
    const running = () => start.exitCode === null && start.signalCode === null;
    let started: number[] = [];
    try {
      const seeded = await waitFor(() => /seeded the default sweep|not seeding/.test(log) || !running(), 45_000);
      if (log.includes("wrote .dev.vars")) createdDevVars = true;
      expect(seeded && running(), `npm start did not seed the default sweep:\n${log}`).toBe(true);
      const id = /seeded the default sweep (\S+) \(\d+ work units\)/.exec(log)?.[1];
      expect(id, `a fresh --state should be seeded, not reused:\n${log}`).toBeDefined();

      const response = await fetch(`http://127.0.0.1:${port}/api/sweeps`);
      expect(response.status).toBe(200);
      const { sweeps } = (await response.json()) as { sweeps: { id: string; name: string }[] };
      expect(sweeps.map(({ id, name }) => ({ id, name }))).toEqual([{ id, name: DEFAULT_SWEEP.name }]);
      // The local D1 lives in --state: migrations and wrangler dev both used it, or the seeding above had no tables.
      expect(readdirSync(join(state, "v3/d1")).length).toBeGreaterThan(0);

      const workerds = descendantsNamed(start.pid!, "workerd");
      expect(workerds.some((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`127.0.0.1:${port}`)), "a workerd serving PORT under npm start").toBe(true);
      started = [...workerds, ...descendantsNamed(start.pid!, "node")];

      start.kill(signal); // this process alone, as a supervisor would: start.ts must pass it on to wrangler's group
      const stopped = async () => !running() && !(await listening(port)) && started.every((pid) => !isRunning(pid)) && processesMentioning(state).length === 0;
      await waitFor(stopped, 10_000);
      expect(running(), `npm start still runs 10 s after ${signal}:\n${log}`).toBe(false);
      expect(await listening(port), `port ${port} is still served after ${signal}`).toBe(false);
      expect(started.filter(isRunning), `wrangler/workerd processes left running after ${signal}`).toEqual([]);
      expect(processesMentioning(state), `processes still using --state ${state}`).toEqual([]);
    } finally {
      // A failed stop must not leak servers into the rest of the run: end what this test started.
      const leftovers = [...descendantsNamed(start.pid!, "workerd"), ...descendantsNamed(start.pid!, "node"), ...started, ...processesMentioning(state)];
      for (const pid of new Set(leftovers)) if (isRunning(pid)) process.kill(pid, "SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      await rm(state, { recursive: true, force: true });
    }
  }, 90_000);
});

