/**
 * grokedge sweep create | list | status | results | phase, and volunteer, against a real `wrangler dev`
 * (fresh D1): the whole path of a researcher — create a tiny sweep, watch it while headless
 * volunteers train it, fetch the results as a table, CSV and JSON, draw the phase diagram — and the
 * failure paths: an API that is not there (exit 3), a bad spec field (exit 2), the admin token's
 * sources and its file's permissions.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/support/wrangler-dev.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";
import { runCli, temporaryFolder } from "./support/run-cli.js";
import { TINY_SWEEP } from "./support/tiny-sweep.js";

let api: WorkerServer;
let dir: { path: string; remove(): Promise<void> };
/** The CLI's environment: the API, a config folder of the test's own, the admin token. */
let env: Record<string, string>;

beforeAll(async () => {
  [api, dir] = await Promise.all([startWorker(), temporaryFolder("grokedge-cli-sweep-")]);
  env = { GROKEDGE_API: api.origin, XDG_CONFIG_HOME: join(dir.path, "config"), GROKEDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
}, 120_000);
afterAll(async () => {
  await api?.close();
  await dir?.remove();
});

async function sweepCount(): Promise<number> {
  return (await api.request("GET", "/api/sweeps")).body.sweeps.length;
}

describe("grokedge sweep", () => {
  it("says which URL it could not reach and what failed, after retrying (exit 3)", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const t0 = performance.now();
    const { code, out, err } = await runCli(["sweep", "list", "--api", nobody], { env });
    expect(code).toBe(3);
    expect(out).toBe("");
    expect(err.match(/retrying in \d+\.\d s/g)).toHaveLength(3);
    expect(err).toMatch(new RegExp(`^error: cannot reach the API at ${nobody}: GET ${nobody}/api/sweeps: fetch failed \\(ECONNREFUSED\\) \\(4 attempts\\)$`, "m"));
    expect(performance.now() - t0).toBeGreaterThan(500); // it did wait between attempts
  });

  it("needs an API (exit 2)", async () => {
    const { code, err } = await runCli(["sweep", "list"], { env: {} });
    expect(code).toBe(2);
    expect(err).toMatch(/no API given: pass --api URL or set GROKEDGE_API/);
  });

  it("takes the admin token from a config file only if group and others cannot read it, never from a flag", async () => {
    const specPath = join(dir.path, "spec.json");
    await writeFile(specPath, JSON.stringify(TINY_SWEEP));
    const xdg = join(dir.path, "token-config");
    const file = join(xdg, "grokedge", "config.json");
    await mkdir(join(xdg, "grokedge"), { recursive: true });
    await writeFile(file, JSON.stringify({ adminToken: TEST_ADMIN_TOKEN }));
    const noEnvToken = { GROKEDGE_API: api.origin, XDG_CONFIG_HOME: xdg };
    const before = await sweepCount();

    await chmod(file, 0o644);
    const open = await runCli(["sweep", "create", "--spec", specPath], { env: noEnvToken });
    expect(open.code).toBe(2);
    expect(open.err).toMatch(/config\.json has mode 0644: group or others can read or change the admin token in it; run chmod 600/);
    expect(await sweepCount()).toBe(before);

    const flag = await runCli(["sweep", "create", "--spec", specPath, "--token", TEST_ADMIN_TOKEN], { env: noEnvToken });
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/unknown option '--token'/);

    const wrong = await runCli(["sweep", "create", "--spec", specPath], { env: { ...noEnvToken, GROKEDGE_ADMIN_TOKEN: "wrong" } });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^error: POST .*\/api\/sweeps: 403 bad_admin_token/);

    await chmod(file, 0o600);
    const created = await runCli(["sweep", "create", "--spec", specPath, "--json"], { env: noEnvToken });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out).sweep).toMatchObject({ name: TINY_SWEEP.name, units: 4 });
    expect(await sweepCount()).toBe(before + 1);
  });

  it.each([
    [["--set", "baseConfig.optimizer.lr=0"], /baseConfig|optimizer\.lr/],
    [["--set", "seeds=[]"], /seeds: Too small/],
    [["--set", "axes[0].path=optimizer.nope"], /optimizer\.nope|Unrecognized key/],
  ])("names the bad field of a sweep spec (exit 2): %j", async (set, message) => {
    const before = await sweepCount();
    const { code, out, err } = await runCli(["sweep", "create", "--preset", "doshi-2023", ...(set as string[])], { env });
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe("");
    expect(await sweepCount()).toBe(before);
  });

  it("creates a sweep, watches volunteers train it to the end, and serves its results and phase diagram", async () => {
    const specPath = join(dir.path, "tiny.json");
    await writeFile(specPath, JSON.stringify(TINY_SWEEP));
    const created = await runCli(["sweep", "create", "--spec", specPath], { env });
    expect(created.code).toBe(0);
    const id = created.out.match(/^created sweep (\S+) "cli test: weight decay × train fraction": 4 units$/m)?.[1];
    expect(id).toBeDefined();
    expect(created.out).toContain(`grokedge volunteer --sweep ${id} --api ${api.origin}`);

    const listed = await runCli(["sweep", "list"], { env });
    expect(listed.out).toMatch(new RegExp(`^${id}\\s+cli test: weight decay × train fraction\\s+4\\s+4\\s+0\\s+0\\s+0\\s+0`, "m"));

    // Watched (no terminal: a line per change) while two volunteer runs of 2 units each train it.
    const watching = runCli(["sweep", "status", id!, "--watch", "--interval", "0.2"], { env });
    for (const _ of [1, 2]) {
      const volunteer = await runCli(["volunteer", "--sweep", id!, "--max-units", "2"], { env });
      expect(volunteer.err).not.toMatch(/failed/);
      expect(volunteer.code).toBe(0);
      expect(volunteer.out).toMatch(/^contributed 2 units, 120 training steps; results: valid 2$/);
    }
    const watched = await watching;
    expect(watched.code).toBe(0);
    const lines = watched.out.split("\n");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}validated 0\/4 {2}failed 0 {2}leased 0 {2}awaiting quorum 0 {2}pending 4 {2}\| {2}phases \(cells\): none yet$/);
    expect(lines.at(-2)).toMatch(/validated 4\/4 .*pending 0 .*phases \(cells\): (grokking|memorization|comprehension|confusion) \d/);
    expect(lines.at(-1)).toBe(`sweep ${id} complete: 4 validated, 0 failed`);

    const status = await runCli(["sweep", "status", id!], { env });
    expect(status.out).toMatch(/4 units \(optimizer\.weightDecay × 2, task\.trainFraction × 2, 1 seeds\), quorum 1 — 4\/4 done/);
    expect(status.out).toMatch(/pending\s+leased\s+awaiting quorum\s+validated\s+failed\n[-\s]+\n\s+0\s+0\s+0\s+4\s+0/);
    expect(status.out).toMatch(/results pending\s+results valid.*\n.*\n\s+0\s+4\s+0\s+0\s+0/);

    // The results, three ways, as the API computes them.
    const aggregates = (await api.request("GET", `/api/sweeps/${id}/aggregates`)).body;
    const csvPath = join(dir.path, "results.csv");
    const csv = await runCli(["sweep", "results", id!, "--csv", "--out", csvPath], { env });
    expect(csv.code).toBe(0);
    expect(csv.err).toBe(`wrote ${csvPath}`);
    expect(await readFile(csvPath, "utf8")).toBe((await api.request("GET", `/api/sweeps/${id}/aggregates?format=csv`)).body);
    const json = await runCli(["sweep", "results", id!, "--json"], { env });
    expect(JSON.parse(json.out)).toEqual(aggregates);
    const table = await runCli(["sweep", "results", id!], { env });
    expect(table.out.split("\n")[0]).toMatch(/^optimizer\.weightDecay\s+task\.trainFraction\s+seeds\s+validated\s+phase\s+memorized at\s+generalized at\s+grokking delay\s+final test acc$/);
    expect(table.out.split("\n")).toHaveLength(2 + 4);
    const conflicting = await runCli(["sweep", "results", id!, "--csv", "--json"], { env });
    expect(conflicting.code).toBe(2);

    // The phase diagram: rows = train fraction, columns = weight decay, each cell what the aggregates say.
    const phase = await runCli(["sweep", "phase", id!, "--x", "optimizer.weightDecay", "--y", "task.trainFraction"], { env });
    expect(phase.code).toBe(0);
    const rows = phase.out.split("\n").slice(3);
    expect(rows[0]).toMatch(/^task\.trainFraction \\ optimizer\.weightDecay\s+0\s+5$/);
    const expected = (wd: number, tf: number) => {
      const cell = aggregates.cells.find((c: { cell: number[] }) => c.cell[0] === wd && c.cell[1] === tf);
      const step = cell.metrics.generalizationStep;
      return `${cell.phase} ${step ? Math.round(step.median) : "never"}`;
    };
    for (const [i, tf] of [0.2, 0.7].entries()) {
      expect(rows[2 + i].split(/\s{2,}/)).toEqual([String(tf), expected(0, tf), expected(5, tf)]);
    }
    expect(rows[2]).toMatch(/memorization never/); // train fraction 0.2 never generalizes
    expect(rows[3]).toMatch(/grokking 50$/); // 0.7 with weight decay 5: memorized at 20, generalized at 50

    const badAxis = await runCli(["sweep", "phase", id!, "--x", "optimizer.lr", "--y", "task.trainFraction"], { env });
    expect(badAxis.code).toBe(2);
    expect(badAxis.err).toMatch(/--x optimizer\.lr: not an axis of sweep .*; its axes are optimizer\.weightDecay, task\.trainFraction/);
  });

  it("redraws the status in place on a terminal", async () => {
    const id = (await api.request("GET", "/api/sweeps")).body.sweeps.find((s: { name: string; counts: { validated: number } }) => s.name === TINY_SWEEP.name && s.counts.validated === 4).id;
    const { code, screen } = await runCli(["sweep", "status", id, "--watch"], { env, terminal: true });
    expect(code).toBe(0);
    expect(screen).toMatch(/phase\s+cells\s+runs/);
    expect(screen).toMatch(/complete\.\n$/);
  });

  it("stops watching on Ctrl-C, and reports an unknown sweep (exit 1)", async () => {
    const pending = await runCli(["sweep", "create", "--preset", "doshi-2023", "--set", "name=never trained"], { env });
    const id = pending.out.match(/^created sweep (\S+)/)?.[1];
    const watched = await runCli(["sweep", "status", id!, "--watch", "--interval", "0.2"], { env, onLine: (_line, _stream, interrupt) => setTimeout(interrupt, 300) });
    expect(watched.code).toBe(0);
    expect(watched.out).toMatch(/validated 0\/36/);
    expect(watched.err).toBe("stopped watching.");
    const unknown = await runCli(["sweep", "status", "no-such-sweep"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^error: GET .*\/api\/sweeps\/no-such-sweep: 404 sweep_not_found no sweep with id "no-such-sweep"$/);
  });
});
