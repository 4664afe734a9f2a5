/**
 * The researcher dashboard end to end: real `wrangler dev` serving web/dist (npm run build:web) and
 * the API. A 2×2 sweep (weight decay × training fraction, 2 seeds, quorum 1, one GPU replica) of the
 * quadratic MLP on a + b mod 13, whose units are trained for real in Node and reported through the
 * API: 7 of the 8, the 8th left leased (a running cell), plus one GPU run of a validated unit. Node
 * has no WebGPU, so that run is the GPU path's own code (src/tfjs/train.ts) on tfjs's wasm backend,
 * reported as the GPU lease requires: computed numbers, none invented. Then headless Chromium opens
 * /dashboard and the test checks what it draws against what the API publishes: the sweeps' counts,
 * one phase-diagram cell per grid point with its aggregate, the LU view's points and trajectories,
 * a cell's overlaid curves, the GPU runs shown on demand, and "re-verify" in the browser, which
 * matches the validated hash, then reports a mismatch once the stored hash is altered in D1.
 */
import * as tf from "@tensorflow/tfjs";
// Registers tfjs-backend-wasm with the tfjs-core that @tensorflow/tfjs uses.
import "@tensorflow/tfjs-backend-wasm";
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { CurvePoint } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";
import { trainWithTfjs } from "../../src/tfjs/index.js";
import type { AggregatesReply, Run } from "../../web/dashboard/types.js";
import { launchChromium } from "../support/chromium.js";
import { kernelsFor } from "../support/kernels.js";
import { CAPABILITIES, createSweep, getSweep, registerVolunteers, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

const SCREENSHOTS = "test-artifacts/screenshots";

/** Doshi et al.'s quadratic MLP, small: in 150 steps it memorizes everywhere and generalizes at training fraction 0.8 only. */
const BASE_CONFIG = {
  version: 1,
  task: { kind: "modular", p: 13, op: "add", trainFraction: 0.5 },
  model: { kind: "mlp", input: "onehot", hidden: [64], activation: "square", bias: false, init: { layerStd: [0.05, 0.05] } },
  loss: "mse",
  optimizer: { kind: "adamw", lr: 0.01, beta1: 0.9, beta2: 0.98, weightDecay: 1 },
  steps: 150,
  evalInterval: 10,
  seed: 0,
};
const AXES = [
  { path: "optimizer.weightDecay", values: [0.5, 5] },
  { path: "task.trainFraction", values: [0.5, 0.8] },
];

interface Lease {
  id: string;
  unitId: string;
  config: unknown;
  backend: string;
}

async function leaseFor(api: WorkerServer, volunteer: Volunteer, backends = "wasm-simd"): Promise<Lease> {
  const { status, body } = await api.request("POST", `/api/leases?backends=${backends}`, { token: volunteer.token });
  if (status !== 201) throw new Error(`lease (${backends}): ${status} ${JSON.stringify(body)}`);
  return body.lease;
}

async function report(api: WorkerServer, volunteer: Volunteer, lease: Lease, result: unknown): Promise<{ status: string; unit: { status: string } }> {
  const { status, body } = await api.request("POST", `/api/leases/${lease.id}/result`, { token: volunteer.token, body: { result, timings: { wallSeconds: 1 } } });
  if (status !== 201) throw new Error(`result for unit ${lease.unitId}: ${status} ${JSON.stringify(body)}`);
  return body.result;
}

/** What uPlot drew: the data arrays and the series' labels of one of the page's charts. */
async function chartOf(page: Page, name: "lu" | "trajectories" | "overlay"): Promise<{ data: unknown[]; labels: (string | undefined)[] }> {
  return page.evaluate((chart) => {
    const drawn = (window as any).grokedgeDashboard.charts[chart];
    if (!drawn) throw new Error(`no chart ${chart} on the page`);
    return { data: drawn.data, labels: drawn.series.map((s: { label?: string }) => s.label) };
  }, name);
}

async function waitReady(page: Page, sweepId: string): Promise<void> {
  try {
    await page.waitForSelector(`#sweep-view[data-state="ready"][data-sweep-id="${sweepId}"]`, { timeout: 15_000 });
  } catch (error) {
    throw new Error(`the dashboard did not show sweep ${sweepId}: ${error}; the page's error line: ${await page.textContent("#errors")}`);
  }
}

describe("the researcher dashboard", () => {
  let api: WorkerServer;
  let browser: Browser;
  beforeAll(async () => {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    [api, browser] = await Promise.all([startWorker(), launchChromium(), tf.setBackend("wasm").then(() => tf.ready())]);
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it("shows a sweep's progress, phase diagram, LU view and curves, and re-verifies a validated hash in the browser", async () => {
    const sweepId = await createSweep(api, { name: "dashboard test", baseConfig: BASE_CONFIG, axes: AXES, seeds: [0, 1], quorum: 1, gpuReplicas: 1, phase: { grokkingDelay: 50 } });
    const [volunteer] = await registerVolunteers(api, 1);
    const validated = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const lease = await leaseFor(api, volunteer);
      const verdict = await report(api, volunteer, lease, await train(lease.config));
      expect(verdict).toMatchObject({ status: "valid", unit: { status: "validated" } });
      validated.add(lease.unitId);
    }
    const held = await leaseFor(api, volunteer); // never reported: its cell is still running
    expect(validated.has(held.unitId)).toBe(false);

    // One GPU run, of a validated unit (a GPU lease of the held unit is kept, unreported, and another taken).
    const gpuVolunteer = (await api.request("POST", "/api/clients", { body: { ...CAPABILITIES, webgpu: true } })).body as Volunteer;
    let gpuLease = await leaseFor(api, gpuVolunteer, "tfjs-webgpu");
    if (!validated.has(gpuLease.unitId)) gpuLease = await leaseFor(api, gpuVolunteer, "tfjs-webgpu");
    expect(validated.has(gpuLease.unitId)).toBe(true);
    const gpuResult = await trainWithTfjs(tf, gpuLease.config, { kernels: await kernelsFor("simd") });
    expect(gpuResult.meta.backend).toBe("tfjs-wasm");
    const gpuVerdict = await report(api, gpuVolunteer, gpuLease, { ...gpuResult, meta: { ...gpuResult.meta, backend: "tfjs-webgpu" } });
    expect(gpuVerdict.status).toMatch(/^approximate-(accepted|rejected)$/);

    // What the API publishes, for the page to be checked against.
    const sweep = await getSweep(api, sweepId);
    expect(sweep.counts).toEqual({ pending: 0, leased: 1, awaitingQuorum: 0, validated: 7, failed: 0 });
    const aggregates = (await api.request("GET", `/api/sweeps/${sweepId}/aggregates`)).body as AggregatesReply;
    const runs = (await api.request("GET", `/api/sweeps/${sweepId}/runs`)).body.runs as Run[];
    const withGpu = (await api.request("GET", `/api/sweeps/${sweepId}/runs?include=approximate`)).body.runs as Run[];
    expect(runs).toHaveLength(7);
    expect(withGpu.filter((run) => run.backend === "tfjs-webgpu")).toHaveLength(1);
    // The sweep shows more than one phase, so the diagram's colours say something.
    expect(new Set(aggregates.cells.map((cell) => cell.phase)).size).toBeGreaterThan(1);

    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && pageErrors.push(message.text()));
    page.on("response", (response) => response.status() >= 400 && pageErrors.push(`${response.status()} ${response.url()}`));
    await page.goto(`${api.origin}/dashboard`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await waitReady(page, sweepId);

    // ---- the sweeps list: the API's counts
    const row = page.locator(`#sweeps tr[data-sweep-id="${sweepId}"]`);
    const counts = await row.evaluate((tr: HTMLElement) => ({ ...tr.dataset }));
    expect(counts).toEqual({ sweepId, units: "8", pending: "0", leased: "1", awaitingQuorum: "0", validated: "7", failed: "0" });
    expect(await row.locator("td").allTextContents()).toEqual(expect.arrayContaining(["8", "1", "7"]));

    // ---- the phase diagram: one cell per grid point, each with its aggregate
    const drawnCells = async () =>
      page.$$eval("#phase-diagram button.cell", (buttons) => buttons.map((b) => ({ ...(b as HTMLElement).dataset })));
    const phaseCells = await drawnCells();
    expect(phaseCells).toHaveLength(4);
    const heldCell = JSON.stringify((await api.request("GET", `/api/sweeps/${sweepId}/units`)).body.units.find((u: { id: string }) => u.id === held.unitId).cell);
    for (const cell of aggregates.cells) {
      const drawn = phaseCells.find((c) => c.cell === JSON.stringify(cell.cell));
      expect(drawn, JSON.stringify(cell.cell)).toMatchObject({ phase: cell.phase ?? "", seeds: String(cell.seeds), validated: String(cell.validated), state: JSON.stringify(cell.cell) === heldCell ? "running" : "done" });
    }
    // Columns are weight decay, rows training fraction (y increasing upward: 0.8 drawn first).
    expect(phaseCells.map((c) => [JSON.parse(c.x!), JSON.parse(c.y!)])).toEqual([[0.5, 0.8], [5, 0.8], [0.5, 0.5], [5, 0.5]]);
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard.png`, fullPage: true });

    await page.selectOption("#colour-mode", "generalizationStep");
    const stepCells = await drawnCells();
    for (const cell of aggregates.cells) {
      const drawn = stepCells.find((c) => c.cell === JSON.stringify(cell.cell))!;
      const spread = cell.metrics.generalizationStep;
      expect(drawn.median, JSON.stringify(cell.cell)).toBe(spread ? String(spread.median) : undefined);
      expect([drawn.min, drawn.max, drawn.n]).toEqual(spread ? [String(spread.min), String(spread.max), String(spread.n)] : [undefined, undefined, undefined]);
    }
    // Hovering a cell shows its seeds' spread.
    const spreadCell = aggregates.cells.find((cell) => cell.metrics.generalizationStep?.n === 2)!;
    const spread = spreadCell.metrics.generalizationStep!;
    await page.hover(`#phase-diagram button.cell[data-cell='${JSON.stringify(spreadCell.cell)}']`);
    expect(await page.isVisible("#cell-tooltip")).toBe(true);
    expect(await page.textContent("#cell-tooltip")).toContain(`generalization step median ${spread.median} (min ${spread.min}, max ${spread.max}, 2 seeds)`);
    // The axes can be swapped: training fraction becomes the columns.
    await page.selectOption("#axis-x", "1");
    const swapped = await drawnCells();
    expect(swapped.map((c) => [JSON.parse(c.x!), JSON.parse(c.y!)])).toEqual([[0.5, 5], [0.8, 5], [0.5, 0.5], [0.8, 0.5]]);
    expect(swapped.map((c) => JSON.parse(c.cell!))).toEqual([[5, 0.5], [5, 0.8], [0.5, 0.5], [0.5, 0.8]]);
    // Keyboard: the grid is one tab stop, arrows move between cells, Enter selects and keeps the focus.
    const focusedCell = () => page.evaluate(() => (document.activeElement as HTMLElement).dataset.cell);
    await page.focus("#phase-diagram button.cell[tabindex='0']");
    expect(await focusedCell()).toBe("[5,0.5]");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    expect(await focusedCell()).toBe("[0.5,0.8]");
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#cell-detail[data-cell='[0.5,0.8]']`);
    expect(await focusedCell()).toBe("[0.5,0.8]");

    // ---- the LU view: exactly the runs' final weight norms and losses, and their trajectories
    const byBackend = (backend: string, list: Run[]) => list.filter((run) => run.backend === backend);
    const finals = (list: Run[], loss: "trainLoss" | "testLoss") => [list.map((r) => r.summary.final.weightNorm), list.map((r) => r.summary.final[loss])];
    let lu = await chartOf(page, "lu");
    expect(lu.labels.slice(1)).toEqual(["train loss (wasm-simd)", "test loss (wasm-simd)"]);
    expect(lu.data).toEqual([null, finals(runs, "trainLoss"), finals(runs, "testLoss")]);
    await page.hover("#lu-chart .u-over"); // the cursor over a faceted chart raises nothing
    const trajectories = await chartOf(page, "trajectories");
    expect(trajectories.data).toEqual([null, ...runs.map((r) => [r.curves.map((p) => p.weightNorm), r.curves.map((p) => p.testLoss)])]);

    // ---- a cell's runs: their curves overlaid (step 0 is off the log axis)
    const cellOfGpuRun = JSON.stringify(withGpu.find((run) => run.backend === "tfjs-webgpu")!.cell);
    await page.click(`#phase-diagram button.cell[data-cell='${cellOfGpuRun}']`);
    await page.waitForSelector(`#cell-detail[data-cell='${cellOfGpuRun}']`);
    const cellRuns = runs.filter((run) => JSON.stringify(run.cell) === cellOfGpuRun);
    expect(cellRuns.length).toBeGreaterThan(0);
    const after0 = (curves: CurvePoint[]) => curves.filter((p) => p.step > 0);
    const overlayOf = (list: Run[]) => [after0(list[0].curves).map((p) => p.step), ...list.flatMap((r) => [after0(r.curves).map((p) => p.trainAccuracy), after0(r.curves).map((p) => p.testAccuracy)])];
    const overlay = await chartOf(page, "overlay");
    expect(overlay.data).toEqual(overlayOf(cellRuns));
    expect(overlay.labels).toEqual(["step", ...cellRuns.flatMap((r) => [`train · seed ${r.seed} · ${r.cell.join(", ")}`, `test · seed ${r.seed} · ${r.cell.join(", ")}`])]);

    // ---- GPU runs, shown on demand and tagged by backend
    await page.check("#include-gpu");
    await waitReady(page, sweepId);
    await page.waitForFunction(() => (window as any).grokedgeDashboard.charts.lu.series.length === 5);
    lu = await chartOf(page, "lu");
    const gpuRuns = byBackend("tfjs-webgpu", withGpu);
    const wasmRuns = byBackend("wasm-simd", withGpu);
    expect(lu.labels.slice(1)).toEqual(["train loss (wasm-simd)", "test loss (wasm-simd)", "train loss (tfjs-webgpu)", "test loss (tfjs-webgpu)"]);
    expect(lu.data).toEqual([null, finals(wasmRuns, "trainLoss"), finals(wasmRuns, "testLoss"), finals(gpuRuns, "trainLoss"), finals(gpuRuns, "testLoss")]);
    const cellWithGpu = withGpu.filter((run) => JSON.stringify(run.cell) === cellOfGpuRun);
    expect((await chartOf(page, "overlay")).data).toEqual(overlayOf(cellWithGpu));
    expect(await page.locator("#cell-runs tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.status))).toEqual(cellWithGpu.map((r) => r.status));

    // ---- re-verify in this browser: the validated hash is reproduced…
    const unitId = cellRuns[0].unitId;
    const reverify = async () => {
      const row = page.locator(`#cell-runs tr[data-unit-id="${unitId}"][data-status="valid"]`);
      await row.locator("button.reverify").click();
      await page.waitForSelector(`#cell-runs tr[data-unit-id="${unitId}"][data-status="valid"][data-verdict]`, { timeout: 30_000 });
      return { verdict: await row.getAttribute("data-verdict"), text: await row.locator(".verdict").textContent() };
    };
    const matched = await reverify();
    expect(matched.verdict, matched.text!).toBe("match");
    expect(matched.text).toContain(`Matches: this browser computed the validated hash ${cellRuns[0].paramsHash.slice(0, 12)}`);
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard-cell.png`, fullPage: true });

    // …and a published hash that is not this config's run's is caught.
    const forged = "0".repeat(64);
    await api.sql(`UPDATE units SET validated_hash = '${forged}' WHERE id = '${unitId}'`);
    await page.click("#refresh");
    await waitReady(page, sweepId);
    await page.waitForSelector(`#cell-runs tr[data-unit-id="${unitId}"] code[title="${forged}"]`);
    const mismatched = await reverify();
    expect(mismatched.verdict, mismatched.text!).toBe("mismatch");
    expect(mismatched.text).toContain(`this browser computed ${cellRuns[0].paramsHash}, but the published hash is ${forged}`);
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard-mismatch.png`, fullPage: true });

    expect(await page.textContent("#errors")).toBe("");
    expect(pageErrors).toEqual([]);

    // A sweep that does not exist is named in the page's error line.
    const lost = await browser.newPage();
    await lost.goto(`${api.origin}/dashboard#sweep=no-such-sweep`);
    await lost.waitForSelector('#sweep-view[data-state="error"]');
    expect(await lost.textContent("#errors")).toContain('sweep no-such-sweep: GET /api/sweeps/no-such-sweep: 404 no sweep with id "no-such-sweep"');
  }, 90_000);
});
