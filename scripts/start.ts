/**
 * npm start: build, make .dev.vars if missing, apply the D1 migrations locally, run `wrangler dev` on
 * localhost:8787 (or the port in PORT) and, on first start, seed the default sweep through the API
 * itself. Ctrl-C or SIGTERM stops wrangler and the workerd it started (their whole process group).
 *
 * Options (after `npm start --`):
 *   --no-build   start without rebuilding (refuses if build/ or web/dist is missing)
 *   --state DIR  keep the local D1 and wrangler's state in DIR (wrangler's --persist-to);
 *                default: wrangler's own .wrangler/state
 *
 * wrangler dev never fires wrangler.toml's cron trigger, so this script stands in for it: it runs
 * `wrangler dev --test-scheduled` and calls the scheduled handler (GET /__scheduled) every minute,
 * so expired leases return to the pool even while nobody asks for work.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_SWEEP } from "./default-sweep.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PORT = Number(process.env.PORT ?? 8787);
const ORIGIN = `http://127.0.0.1:${PORT}`;
/** Locally every minute (wrangler.toml's deployed cron runs every 5): a short lease expires soon after its deadline. */
const SCHEDULED_INTERVAL_MS = 60_000;
const USAGE = "usage: npm start -- [--no-build] [--state DIR]";
const WRANGLER = `${ROOT}node_modules/.bin/wrangler`;
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

function refuse(message: string, exitCode: number): never {
  console.error(`npm start: ${message}`);
  process.exit(exitCode);
}

let options: { "no-build"?: boolean; state?: string };
try {
  options = parseArgs({ options: { "no-build": { type: "boolean" }, state: { type: "string" } }, strict: true }).values;
} catch (error) {
  refuse(`${(error as Error).message}\n${USAGE}`, 2);
}
if (options.state === "") refuse(`--state needs a directory\n${USAGE}`, 2);
/** wrangler's --persist-to for both the migrations and dev, so they see the same local D1. */
const persist = options.state === undefined ? [] : ["--persist-to", resolve(options.state)];

if (!options["no-build"]) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
else {
  const missing = ["build", "web/dist"].filter((dir) => !existsSync(`${ROOT}${dir}`));
  if (missing.length > 0) refuse(`--no-build, but ${missing.join(" and ")} is missing: run \`npm run build\` (or npm start without --no-build) first`, 1);
}

const devVars = `${ROOT}.dev.vars`;
if (!existsSync(devVars)) {
  // 32 random bytes each (64 hex digits): the API refuses secrets shorter than 32 bytes (worker/src/auth.ts).
  writeFileSync(devVars, `TOKEN_SECRET=${randomBytes(32).toString("hex")}\nADMIN_TOKEN=${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  console.log("wrote .dev.vars with fresh secrets (see .dev.vars.example)");
}
const adminToken = /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(devVars, "utf8"))?.[1];
if (!adminToken) throw new Error(".dev.vars has no ADMIN_TOKEN (see .dev.vars.example)");

execFileSync(WRANGLER, ["d1", "migrations", "apply", "grokedge", "--local", ...persist], { cwd: ROOT, env, stdio: "inherit" });

// In a process group of its own (detached), so a signal reaches workerd too: wrangler does not always
// pass SIGTERM on, and an orphaned workerd would keep holding the port.
const dev = spawn(WRANGLER, ["dev", "--ip", "127.0.0.1", "--port", String(PORT), "--test-scheduled", "--show-interactive-dev-session=false", ...persist], { cwd: ROOT, env, stdio: ["inherit", "pipe", "inherit"], detached: true });
let ready = false;
let scheduled: NodeJS.Timeout | undefined;
dev.stdout.on("data", async (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (ready || !/Ready on/.test(chunk.toString())) return;
  ready = true;
  scheduled = setInterval(() => void runScheduled(), SCHEDULED_INTERVAL_MS);
  await seedDefaultSweep().catch((error: unknown) => console.error(`seeding the default sweep failed: ${String(error)}`));
});
dev.on("exit", (code) => {
  clearInterval(scheduled);
  process.exit(code ?? 0);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    try {
      process.kill(-dev.pid!, signal);
    } catch {
      // The group is already gone (a second Ctrl-C while wrangler exits): dev's exit handler ends us.
    }
  });
}

/** Fires the Worker's scheduled handler (expires leases past their deadline), as the deployed cron would. */
async function runScheduled(): Promise<void> {
  try {
    const response = await fetch(`${ORIGIN}/__scheduled`);
    if (!response.ok) console.error(`the scheduled handler failed: HTTP ${response.status} ${await response.text()}`);
  } catch (error) {
    console.error(`the scheduled handler could not be reached: ${String(error)}`);
  }
}

async function seedDefaultSweep(): Promise<void> {
  const list = (await (await fetch(`${ORIGIN}/api/sweeps`)).json()) as { sweeps: unknown[] };
  if (list.sweeps.length > 0) return console.log(`${list.sweeps.length} sweep(s) already in the local database; not seeding`);
  const response = await fetch(`${ORIGIN}/api/sweeps`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` }, body: JSON.stringify(DEFAULT_SWEEP) });
  const body = (await response.json()) as { sweep?: { id: string; units: number }; error?: { message: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  console.log(`seeded the default sweep ${body.sweep!.id} (${body.sweep!.units} work units) — API on ${ORIGIN}/api`);
}
