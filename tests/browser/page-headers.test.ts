/**
 * The pages' headers (web/_headers) in headless Chromium on a real `wrangler dev` serving web/dist
 * (`npm run build:web`): the Content-Security-Policy, nosniff, no framing, no Referer, and the
 * cross-origin isolation the thread pool needs. The volunteer page trains a unit (module workers,
 * WebAssembly compiled in them, the API) and the dashboard draws it (uPlot) under the CSP, with no
 * violation: a `securitypolicyviolation` listener records any, and an inline script injected at the
 * end must be refused, proving the listener hears them.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ROOT } from "../../bench/support/wrangler-dev.js";
import { launchChromium } from "../support/chromium.js";
import { smallMlpConfig } from "../support/configs.js";
import { createSweep, getSweep } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

/** The headers web/_headers gives every page and asset, by lower-case name. */
function declaredHeaders(): Record<string, string> {
  const text = readFileSync(join(ROOT, "web/_headers"), "utf8");
  return Object.fromEntries([...text.matchAll(/^ {2}([\w-]+): (.+)$/gm)].map(([, name, value]) => [name.toLowerCase(), value]));
}

interface Watched {
  page: Page;
  /** Console errors, page errors and failed requests. */
  errors: string[];
  /** The CSP violations the page reported: `directive blocked-uri`. */
  violations(): Promise<string[]>;
}

/** Opens `path` in a fresh context, recording every CSP violation from the first script on. */
async function open(browser: Browser, origin: string, path: string): Promise<Watched & { context: BrowserContext }> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const seen: string[] = ((window as any).__cspViolations = []);
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("response", (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));
  await page.goto(origin + path);
  return { context, page, errors, violations: () => page.evaluate(() => (window as any).__cspViolations as string[]) };
}

describe("the pages' headers", () => {
  let api: WorkerServer;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startWorker(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it("serves every page and asset with the CSP, nosniff, no framing and no Referer", async () => {
    const declared = declaredHeaders();
    expect(Object.keys(declared)).toEqual(["cross-origin-opener-policy", "cross-origin-embedder-policy", "content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"]);
    expect(declared["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(declared).toMatchObject({ "x-content-type-options": "nosniff", "x-frame-options": "DENY" });
    for (const path of ["/", "/dashboard", "/volunteer.js", "/pool-worker.js", "/build/simd.wasm", "/dashboard.css"]) {
      const response = await fetch(api.origin + path);
      expect(response.status, path).toBe(200);
      for (const [name, value] of Object.entries(declared)) expect(response.headers.get(name), `${path} ${name}`).toBe(value);
    }
  });

  it("lets the volunteer page train a unit and the dashboard draw it, with no CSP violation", async () => {
    const sweepId = await createSweep(api, { name: "csp", baseConfig: smallMlpConfig({ p: 13, steps: 100, evalInterval: 10 }), seeds: [0], quorum: 1 });
    const volunteer = await open(browser, api.origin, "/");
    const { page } = volunteer;
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await page.getByRole("button", { name: "Start" }).click();
    for (const deadline = Date.now() + 60_000; (await getSweep(api, sweepId)).counts.validated !== 1; await new Promise((r) => setTimeout(r, 250))) {
      if (Date.now() > deadline) throw new Error(`the unit was not validated within 60 s; status "${await page.textContent("#status")}"; errors: ${volunteer.errors.join("; ")}`);
    }
    await page.waitForFunction(() => document.querySelectorAll(".uplot").length === 3);
    await page.getByRole("button", { name: "Pause" }).click();

    const dashboard = await open(browser, api.origin, `/dashboard#sweep=${sweepId}`);
    await dashboard.page.waitForSelector(`#sweep-view[data-state="ready"][data-sweep-id="${sweepId}"]`, { timeout: 15_000 });
    await dashboard.page.click("#phase-diagram button.cell");
    await dashboard.page.waitForSelector("#overlay-chart .uplot");

    for (const watched of [volunteer, dashboard]) {
      expect(await watched.violations()).toEqual([]);
      expect(watched.errors).toEqual([]);
    }
    // The listener hears a violation: an injected inline script is refused and reported.
    const ran = await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__injectedRan = true";
      document.head.append(script);
      return (window as any).__injectedRan === true;
    });
    expect(ran).toBe(false);
    await page.waitForFunction(() => (window as any).__cspViolations.length > 0);
    expect(await volunteer.violations()).toEqual(["script-src-elem inline"]);
    await Promise.all([volunteer.context.close(), dashboard.context.close()]);
  }, 120_000);

  it("cannot be framed by another page", async () => {
    // A page of another origin (another loopback port, served here) that frames the volunteer page.
    const framing = createServer((_, response) => response.writeHead(200, { "content-type": "text/html" }).end(`<iframe src="${api.origin}/"></iframe>`));
    await new Promise<void>((resolve) => framing.listen(0, "127.0.0.1", resolve));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(framing.address() as AddressInfo).port}/`);
      const frame = await (await page.waitForSelector("iframe")).contentFrame();
      await page.waitForLoadState("load");
      // Chromium replaces a refused frame with its error page: none of the volunteer page is there.
      expect(frame!.url()).toBe("chrome-error://chromewebdata/");
      expect(await frame!.evaluate(() => document.getElementById("start-pause"))).toBeNull();
    } finally {
      await context.close();
      framing.close();
    }
  });
});
