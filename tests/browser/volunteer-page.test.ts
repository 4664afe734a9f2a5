/**
 * The volunteer page end to end: real `wrangler dev` serving web/dist (built by `npm run build:web`)
 * and the API; headless Chromium. A volunteer opens the page, reads what the device can do, and
 * nothing trains until Start, pressed from the keyboard; the unit of a quorum-2 sweep is trained,
 * charted and stored as waiting for a second volunteer; a second browser context (another
 * volunteer, its own localStorage) trains the other replica; the unit is validated and the first
 * page shows the verdict. Screenshots go to test-artifacts/screenshots/volunteer-*.png.
 */
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { defaultThreads } from "../../web/volunteer/threads.js";
import { launchChromium } from "../support/chromium.js";
import { smallMlpConfig } from "../support/configs.js";
import { createSweep, getSweep, unitsOf } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

const SCREENSHOTS = "test-artifacts/screenshots";

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, context: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s; ${await context()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Opens the page, collecting every page error, console error and failed request. */
async function openPage(browser: Browser, origin: string): Promise<{ page: Page; errors: string[]; apiCalls: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const apiCalls: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("request", (request) => request.url().includes("/api/") && apiCalls.push(`${request.method()} ${new URL(request.url()).pathname}${new URL(request.url()).search}`));
  page.on("response", (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));
  await page.goto(`${origin}/`);
  return { page, errors, apiCalls };
}

/** Text elements whose colour contrasts less than 4.5:1 with the background they sit on (WCAG AA for body text). */
function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element: Element | null): number[] => {
      for (let e = element; e; e = e.parentElement) {
        const colour = rgb(getComputedStyle(e).backgroundColor);
        if (colour.length === 3 || colour[3] > 0) return colour.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const low: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const ownText = Array.from(element.childNodes).some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== "");
      if (!ownText || (element as HTMLElement).offsetParent === null) continue;
      const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) low.push(`${element.tagName.toLowerCase()}#${element.id} "${element.textContent!.trim().slice(0, 40)}": ${ratio.toFixed(2)}`);
    }
    return low;
  });
}

describe("the volunteer page", () => {
  let api: WorkerServer;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startWorker(), launchChromium(), mkdir(SCREENSHOTS, { recursive: true })]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it("explains the device and trains nothing before Start; Start trains a unit a second volunteer validates, and the page shows the verdict", async () => {
    const sweepId = await createSweep(api, { name: "page test", baseConfig: smallMlpConfig({ p: 13, steps: 300, evalInterval: 10 }), seeds: [0], quorum: 2 });
    const first = await openPage(browser, api.origin);
    const { page } = first;
    const context = async () => `sweep ${JSON.stringify((await getSweep(api, sweepId)).counts)}; status "${await page.textContent("#status")}"; errors: ${first.errors.join("; ")}`;
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

    // What the device can do, in words, once the GPU probe has answered (headless Chromium runs with --disable-gpu).
    await page.waitForFunction(() => !document.getElementById("device")!.textContent!.includes("checking…"));
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const device = await page.textContent("#device");
    expect(device).toContain("supported: the training engine can run here");
    expect(device).toContain("available: a unit can train on several cores at once");
    expect(device).toContain(`${cores} logical core${cores === 1 ? "" : "s"}, as the browser reports`);
    expect(device).toContain("none available to this page");
    expect(await page.textContent("#plan")).toMatch(/When you press Start, .*Nothing runs until you press Start\./s);

    // Labelled controls: Start, the thread count (every core but one by default), the GPU (unavailable here, off).
    const threads = defaultThreads(cores, true);
    expect(await page.getByLabel("Threads").inputValue()).toBe(String(threads));
    const allowGpu = page.getByLabel("Allow the graphics card (WebGPU)");
    expect(await allowGpu.isChecked()).toBe(false);
    expect(await allowGpu.isDisabled()).toBe(true);
    expect(await lowContrastText(page)).toEqual([]);

    // Nothing trains, or even registers, before Start.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(first.apiCalls.filter((call) => !call.startsWith("GET /api/stats"))).toEqual([]);
    expect((await getSweep(api, sweepId)).counts).toMatchObject({ leased: 0, pending: 1 });

    // Start, from the keyboard.
    for (let presses = 0; (await page.evaluate(() => document.activeElement?.id)) !== "start-pause"; presses++) {
      if (presses === 10) throw new Error("Start is not reachable with Tab");
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(1);

    await until("the first volunteer's result", async () => ((await unitsOf(api, sweepId))[0].results.length === 1 ? true : undefined), 60_000, context);
    expect(first.apiCalls).toContain("POST /api/leases?backends=wasm-simd");
    await page.waitForFunction(() => document.getElementById("verdicts")?.textContent?.includes("waiting for a second volunteer"), undefined, { timeout: 10_000 });
    expect(await page.textContent("#verdict-summary")).toBe("1 unit contributed from this browser: 1 waiting for a second volunteer.");
    expect(await page.textContent("#verdicts tbody")).toContain("page test");
    expect(await page.textContent("#unit")).toMatch(/^Unit \w{8}: A network with 1 hidden layer learning to compute a \+ b modulo 13 from 50% of all pairs/);
    expect(await page.textContent("#pace-step")).toBe("300 of 300");
    expect(await page.textContent("#pace-gflops")).toMatch(/^\d+\.\d\d GFLOP\/s/);
    expect(await page.textContent("#ran-on")).toBe(`${threads} thread${threads === 1 ? "" : "s"} (${threads === 1 ? "simd" : "simd-threads"})`);
    // Three uPlot charts with the unit's 30 evaluations after step 0.
    expect(await page.evaluate(() => Array.from(document.querySelectorAll(".uplot")).map((chart) => chart.closest("figure > div")?.id))).toEqual(["chart-accuracy", "chart-loss", "chart-norm"]);
    expect(await page.locator("#chart-accuracy .u-title").textContent()).toBe("Accuracy");
    await page.screenshot({ path: `${SCREENSHOTS}/volunteer-pending.png`, fullPage: true });

    // The second volunteer, in its own browser context, trains the other replica.
    const second = await openPage(browser, api.origin);
    await second.page.getByRole("button", { name: "Start" }).click();
    await until("validation", async () => ((await getSweep(api, sweepId)).counts.validated === 1 ? true : undefined), 60_000, context);
    const results = (await unitsOf(api, sweepId))[0].results as { clientId: string; status: string }[];
    expect(new Set(results.map((r) => r.clientId)).size).toBe(2);
    expect(results.map((r) => r.status)).toEqual(["valid", "valid"]);

    // The first page learns the verdict by itself (it polls while a result waits).
    await page.waitForFunction(() => document.getElementById("verdict-summary")?.textContent === "1 unit contributed from this browser: 1 validated.", undefined, { timeout: 20_000 });
    expect(await page.textContent("#verdicts tbody td.verdict-validated")).toMatch(/^validated/);
    await page.screenshot({ path: `${SCREENSHOTS}/volunteer-validated.png`, fullPage: true });
    await second.page.waitForFunction(() => document.getElementById("verdict-summary")?.textContent === "1 unit contributed from this browser: 1 validated.", undefined, { timeout: 20_000 });

    // Pause stops; the button says Start again.
    await page.getByRole("button", { name: "Pause" }).click();
    expect(await page.textContent("#status")).toMatch(/^Paused\./);
    expect(await page.getByRole("button", { name: "Start" }).count()).toBe(1);
    expect(await lowContrastText(page)).toEqual([]);
    expect(await page.textContent("#errors")).toBe("");
    expect([...first.errors, ...second.errors]).toEqual([]);
    await second.page.context().close();
    await page.context().close();
  }, 150_000);

  it("remembers the thread count and never starts by itself on a later visit", async () => {
    const { page, errors, apiCalls } = await openPage(browser, api.origin);
    const choices = await page.locator("#threads option").count();
    await page.getByLabel("Threads").selectOption("1");
    await page.reload();
    expect(await page.getByLabel("Threads").inputValue()).toBe("1");
    expect(choices).toBe(Math.min(16, await page.evaluate(() => navigator.hardwareConcurrency)));
    // A volunteer with a registration but no results yet: nothing to show, nothing started.
    await page.evaluate(() => localStorage.setItem("grokedge.client", JSON.stringify({ clientId: "nobody", token: "not-a-token" })));
    await page.reload();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The unknown token is looked up (401, ignored: it is renewed at the next Start); no lease is asked for.
    expect(apiCalls.filter((call) => call.startsWith("POST"))).toEqual([]);
    expect(apiCalls).toContain("GET /api/clients/me/results");
    expect(await page.textContent("#status")).toBe("Not started: press Start to contribute.");
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    expect(await page.textContent("#errors")).toBe("");
    await page.context().close();
  }, 60_000);
});
