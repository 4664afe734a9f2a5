/**
 * The ops conformance cases (tests/ops/conformance/op-cases.ts) in headless Chromium: in a module
 * Web Worker on a cross-origin isolated page, on the single-thread simd build and on pools of 2 and
 * 3 Web Workers over simd-threads; every output's SHA-256 must be that of Node's serial host.
 * (Node's own hosts, and the float64 references, are tests/ops/conformance/conformance.test.ts.)
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBundlePage, type TestPage } from "../support/test-page.js";
import { digestOutputs, type Digests } from "../ops/conformance/digest.js";
import { SERIAL_HOST } from "../ops/conformance/hosts.js";
import { CASES } from "../ops/conformance/op-cases.js";
import type { BrowserHost, ConformanceReply, ConformanceRequest } from "./ops-conformance-entry.js";

const PAGE = `<!doctype html>\n<html><head><meta charset="utf-8"><title>grokedge ops conformance</title></head><body></body></html>\n`;

const BROWSER_HOSTS: readonly { name: string; host: BrowserHost; build: string }[] = [
  { name: "single thread (simd build)", host: { kind: "serial" }, build: "simd" },
  { name: "pool of 2 Web Workers (simd-threads build)", host: { kind: "pool", threads: 2 }, build: "simd-threads" },
  { name: "pool of 3 Web Workers (simd-threads build)", host: { kind: "pool", threads: 3 }, build: "simd-threads" },
];

describe("ops conformance in headless Chromium", () => {
  let opened: TestPage | undefined;
  let page: Page;
  const inNode: Record<string, Digests | { error: string }> = {};

  beforeAll(async () => {
    opened = await openBundlePage({ "ops-conformance": "tests/browser/ops-conformance-entry.ts", "pool-worker": "src/hosts/browser/pool-worker.ts" }, { html: PAGE });
    page = opened.page;
    // Node's serial outputs, digested the same way.
    const serial = await SERIAL_HOST.open();
    try {
      for (const c of CASES) {
        try {
          inNode[c.name] = await digestOutputs(c.run(serial.kernels, serial.ops).outputs);
        } catch (error) {
          inNode[c.name] = { error: error instanceof Error ? error.message : String(error) };
        }
      }
    } finally {
      await serial.close();
    }
  }, 90_000);

  afterAll(() => opened?.close());

  it.each(BROWSER_HOSTS)("$name: every case's outputs bitwise those of Node's serial host", async ({ host, build: expectedBuild }) => {
    const url = (path: string) => new URL(path, page.url()).href;
    const request: ConformanceRequest = {
      host,
      simdUrl: url("/build/simd.wasm"),
      threadsUrl: url("/build/simd-threads.wasm"),
      poolWorkerUrl: url("/pool-worker.js"),
    };
    const reply = await page.evaluate(
      ({ request, script }) =>
        new Promise<ConformanceReply>((resolve) => {
          const worker = new Worker(script, { type: "module" });
          const done = (r: ConformanceReply) => {
            worker.terminate();
            resolve(r);
          };
          worker.onmessage = (event: MessageEvent<ConformanceReply>) => done(event.data);
          worker.onerror = (event) => done({ ok: false, error: `the conformance worker failed: ${event.message || "it did not load"}` });
          worker.postMessage(request);
        }),
      { request, script: url("/ops-conformance.js") },
    );
    if (!reply.ok) throw new Error(reply.error);
    expect(reply.crossOriginIsolated).toBe(true);
    expect(reply.build).toBe(expectedBuild);
    // A case that failed on either side (its error is under the key "error") differs too.
    const differing = CASES.flatMap((c) => {
      const got: Record<string, string> = reply.digests[c.name] ?? { error: "no reply for this case" }, want: Record<string, string> = inNode[c.name];
      return [...new Set([...Object.keys(got), ...Object.keys(want)])]
        .filter((k) => k === "error" || got[k] !== want[k])
        .map((k) => (k === "error" ? `${c.name}: failed (browser: ${got.error ?? "ok"}; Node: ${want.error ?? "ok"})` : `${c.name}: ${k}`));
    });
    expect(Object.keys(inNode)).toHaveLength(CASES.length);
    expect(differing).toEqual([]);
  }, 120_000);
});
