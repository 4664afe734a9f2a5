/**
 * grokedge volunteer — a headless contributor: the page's protocol (src/client/volunteer.ts) with
 * training on this machine's cores (grokedge/node, one thread or a pool). Survives network loss
 * (backoff with jitter, capped; results are retried until delivered). Ctrl-C once finishes the unit
 * in training and stops; twice abandons it (the API has no route to hand a lease back: the unit
 * returns to the pool when its lease expires). Prints what it contributed.
 */
import { Command, InvalidArgumentError } from "commander";
import { availableParallelism } from "node:os";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SingleBar } from "cli-progress";
import { ApiFailure, createVolunteerApi } from "../client/volunteer-api.js";
import { runVolunteer, type IdentityStore, type VolunteerEvents, type VolunteerReport } from "../client/volunteer.js";
import { loadMnistFromBuild, train, type MnistData, type RunConfig } from "../node.js";
import { createNodeThreadPool } from "../hosts/node/pool.js";
import { configFilePath } from "./admin-token.js";
import { API_ENV, apiOrigin, DEFAULT_ATTEMPTS } from "./api.js";
import { UnreachableError } from "./errors.js";
import type { CliIo } from "./io.js";
import { PACKAGE_VERSION } from "./package-info.js";
import { integerIn, MAX_THREADS } from "./options.js";

/** Between evaluations, a progress line at most this often (without a terminal). */
const LINE_INTERVAL_MS = 10_000;

/**
 * --until: a duration from now (`90m`, `2h`, `30s`), a time of day (`07:00`, the next one) or a date
 * and time (`2026-12-24T18:00`). Milliseconds since the epoch.
 */
export function parseUntil(text: string, now = new Date()): number {
  const duration = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (duration) return now.getTime() + Number(duration[1]) * { s: 1e3, m: 60e3, h: 3600e3 }[duration[2] as "s" | "m" | "h"];
  const clock = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (clock && Number(clock[1]) < 24 && Number(clock[2]) < 60) {
    const at = new Date(now);
    at.setHours(Number(clock[1]), Number(clock[2]), 0, 0);
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
    return at.getTime();
  }
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(date)) return date;
  throw new InvalidArgumentError("expected a duration (90m, 2h, 30s), a time of day (07:00) or a date and time (2026-12-24T18:00).");
}

/**
 * The client's registration, kept per API origin in volunteer.json next to the config file (mode
 * 0600: the token is this machine's credential), so that a restarted volunteer is the same volunteer,
 * as a page is across reloads — and never counts twice toward one unit's quorum.
 */
function fileIdentity(env: CliIo["env"], origin: string): IdentityStore {
  const path = join(dirname(configFilePath(env)), "volunteer.json");
  const read = (): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  return {
    load() {
      const client = read()[origin] as { clientId?: unknown; token?: unknown; expiresAt?: unknown } | undefined;
      if (!(typeof client?.clientId === "string" && typeof client.token === "string")) return null;
      return { clientId: client.clientId, token: client.token, ...(typeof client.expiresAt === "number" ? { expiresAt: client.expiresAt } : {}) };
    },
    save(client) {
      const all = read();
      if (client) all[origin] = client;
      else delete all[origin];
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
      renameSync(temporary, path);
    },
  };
}

function describe(config: RunConfig): string {
  const task = config.task.kind === "modular" ? `a ${config.task.op} b mod ${config.task.p} (train fraction ${config.task.trainFraction})` : config.task.kind;
  return `${config.model.kind} on ${task}, ${config.optimizer.kind} wd ${config.optimizer.weightDecay}, seed ${config.seed}, ${config.steps} steps`;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What the volunteer prints as it works: a bar per unit on a terminal, lines otherwise. */
function volunteerEvents(io: CliIo): VolunteerEvents & { close(): void } {
  let bar: SingleBar | null = null;
  let lastLine = 0;
  const close = () => {
    bar?.stop();
    bar = null;
  };
  return {
    registered: (client) => io.err(`registered as volunteer ${client.clientId}`),
    tokenRefreshed: (client) => io.err(`the client token had expired: renewed until ${new Date(client.expiresAt).toISOString()}`),
    leased(lease) {
      io.err(`unit ${lease.unitId}: ${describe(lease.config)}`);
      lastLine = performance.now();
      if (io.terminal) {
        bar = new SingleBar({ stream: io.terminal, format: "  {bar} {value}/{total} | test acc {acc} | {rate} steps/s", barsize: 24, hideCursor: true, fps: 8 });
        bar.start(lease.config.steps, 0, { acc: "…", rate: "…" });
      }
    },
    progress(_lease, p) {
      if (bar) bar.update(p.step, { ...(p.point ? { acc: p.point.testAccuracy.toFixed(3) } : {}), rate: p.stepsPerSecond.toFixed(1) });
      else if (performance.now() - lastLine >= LINE_INTERVAL_MS) {
        io.err(`  step ${p.step}/${p.steps}, ${p.stepsPerSecond.toFixed(1)} steps/s`);
        lastLine = performance.now();
      }
    },
    stopped(lease, reason) {
      close();
      io.err(`unit ${lease.unitId}: stopped by the API (${reason})`);
    },
    completed(lease, result, verdict, wallSeconds) {
      close();
      const s = result.summary;
      io.err(`unit ${lease.unitId}: done in ${wallSeconds.toFixed(1)} s — generalized ${s.generalizationStep === null ? "never" : `at step ${s.generalizationStep}`}, test acc ${s.final.testAccuracy.toFixed(3)}; result ${verdict.status}, unit ${verdict.unit.status}`);
    },
    idle: (retryMs) => io.err(`no work right now; asking again in ${Math.round(retryMs / 1000)} s`),
    failed(context, error, retryMs) {
      close();
      io.err(`${context} failed: ${message(error)}${retryMs > 0 ? `; retrying in ${(retryMs / 1000).toFixed(1)} s` : " (training goes on)"}`);
    },
    close,
  };
}

export function contributionLines(report: VolunteerReport): string[] {
  const verdicts = Object.entries(report.verdicts).map(([status, n]) => `${status} ${n}`);
  const lines = [`contributed ${report.units} unit${report.units === 1 ? "" : "s"}, ${report.steps} training steps${verdicts.length ? `; results: ${verdicts.join(", ")}` : ""}${report.stopped ? `; ${report.stopped} stopped by the API` : ""}`];
  if (report.abandoned) {
    lines.push(`abandoned unit ${report.abandoned.unitId}: the API cannot take a lease back, so the unit returns to the pool when lease ${report.abandoned.id} expires (${new Date(report.abandoned.deadline).toLocaleTimeString()} or later)`);
  }
  return lines;
}

interface VolunteerFlags {
  api?: string;
  sweep?: string;
  threads: number;
  maxUnits?: number;
  until?: number;
}

export function volunteerCommand(io: CliIo): Command {
  return new Command("volunteer")
    .summary("contribute this machine's cores to the API's sweeps (the volunteer page's protocol, headless)")
    .description(
      "Registers, leases a work unit, trains it (reporting progress, stopping when the API says so), posts the result and takes the next — exactly as the volunteer page does. Network loss is waited out (backoff with jitter); a result is retried until delivered. Ctrl-C finishes the unit in training, then stops; Ctrl-C again abandons it (the API has no way to take a lease back: the unit returns to the pool when its lease expires). Prints what it contributed.",
    )
    .option("--api <url>", `the API's origin (default: $${API_ENV})`)
    .option("--sweep <id>", "take work of this sweep only")
    .option("--threads <n>", `train each unit on n worker threads (1 to ${MAX_THREADS}; this machine has ${availableParallelism()} cores)`, integerIn(1, MAX_THREADS), 1)
    .option("--max-units <n>", "stop after posting n results", integerIn(1, Number.MAX_SAFE_INTEGER))
    .option("--until <time>", "take no unit after this time — 90m, 2h, 07:00 or 2026-12-24T18:00 (a unit in training is finished)", (text) => parseUntil(text))
    .addHelpText("after", `\nThe registration is kept per API in volunteer.json next to the config file (mode 0600).\n\nExamples:\n  grokedge volunteer --api http://127.0.0.1:8787 --threads 2\n  grokedge volunteer --sweep 3f2a… --max-units 10 --until 07:00`)
    .action((flags: VolunteerFlags) => volunteer(flags, io));
}

async function volunteer(flags: VolunteerFlags, io: CliIo): Promise<void> {
  const origin = apiOrigin(flags.api, io.env);
  const finish = new AbortController(), stop = new AbortController();
  let interrupts = 0;
  const stopListening = io.onInterrupt(() => {
    if (++interrupts === 1) {
      io.err("Ctrl-C: finishing the unit in training, then stopping (Ctrl-C again to abandon it)");
      finish.abort();
    } else stop.abort();
  });
  const pool = flags.threads > 1 ? await createNodeThreadPool(flags.threads) : null;
  let mnist: Promise<MnistData> | undefined;
  const events = volunteerEvents(io);
  let report: VolunteerReport;
  try {
    report = await runVolunteer({
      api: createVolunteerApi(origin),
      host: {
        capabilities: () => ({ simd: true, threads: true, cores: Math.min(1024, availableParallelism()), webgpu: false, userAgent: `grokedge-cli/${PACKAGE_VERSION} (node ${process.version}; ${process.platform} ${process.arch})` }),
        identity: fileIdentity(io.env, origin),
        // Node has no WebGPU: this volunteer offers the deterministic wasm kernels only.
        backends: () => ["wasm-simd"],
        train: async (config, { backend, onProgress, signal }) => {
          if (backend !== "wasm-simd") throw new Error(`the API leased a unit to train with ${backend}; this volunteer offered wasm-simd only`);
          return train(config, {
            ...(pool ? { kernels: pool.kernels, ops: pool.ops } : {}),
            threads: flags.threads,
            mnist: config.task.kind === "mnist" ? await (mnist ??= loadMnistFromBuild()) : undefined,
            onProgress,
            signal,
          });
        },
      },
      events,
      sweep: flags.sweep,
      signal: stop.signal,
      finish: finish.signal,
      maxUnits: flags.maxUnits,
      until: flags.until,
      strict: { firstContactAttempts: DEFAULT_ATTEMPTS },
    });
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 0) throw new UnreachableError(`cannot reach the API at ${origin}: ${error.message} (${DEFAULT_ATTEMPTS} attempts)`, { cause: error });
    throw error;
  } finally {
    events.close();
    stopListening();
    await pool?.close();
  }
  const reason = { "max-units": `posted ${flags.maxUnits} result(s) (--max-units)`, until: "reached --until", finish: "stopped by Ctrl-C", signal: "stopped by Ctrl-C" }[report.endedBy];
  io.err(reason);
  for (const line of contributionLines(report)) io.out(line);
}
