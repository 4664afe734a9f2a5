/**
 * The volunteer page end to end: real `wrangler dev` serving web/dist (built by `npm run build`)
 * and the API; headless Chromium opens the page, which registers, leases the one unit of a tiny
 * sweep, trains it on the thread pool and reports it until the unit is validated (quorum 1).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/chromium.js";
import { smallMlpConfig } from "../support/configs.js";
import { createSweep, getSweep } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

describe("the volunteer page", () => {
  let api: WorkerServer;
  let browser: Browser;
  beforeAll(async () => {
    api = await startWorker();
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it("is cross-origin isolated, trains a leased unit to validation and counts it", async () => {
    const sweepId = await createSweep(api, { baseConfig: smallMlpConfig({ p: 13, steps: 10, evalInterval: 5 }), seeds: [0], quorum: 1 });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && pageErrors.push(message.text()));
    page.on("response", (response) => response.status() >= 400 && pageErrors.push(`${response.status()} ${response.url()}`));
    await page.goto(`${api.origin}/`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

    const deadline = Date.now() + 60_000;
    let sweep = await getSweep(api, sweepId);
    while (sweep.counts.validated < 1) {
      if (Date.now() > deadline) throw new Error(`the unit was not validated in 60 s: ${JSON.stringify(sweep.counts)}; page: ${await page.textContent("body")}; errors: ${pageErrors.join("; ")}`);
      await new Promise((r) => setTimeout(r, 250));
      sweep = await getSweep(api, sweepId);
    }
    expect(sweep.counts).toMatchObject({ validated: 1, failed: 0 });
    await page.waitForFunction(() => document.getElementById("units-done")?.textContent === "1", undefined, { timeout: 5_000 });
    expect(await page.textContent("#errors")).toBe("");
    expect(pageErrors).toEqual([]);
    // Isolated, the run used the thread pool (given more than one core).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.textContent("#threads")).toMatch(cores > 1 ? /^\d+ \(simd-threads\)$/ : /^1 \(simd\)$/);
  }, 90_000);
});
