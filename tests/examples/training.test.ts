/**
 * The training examples, each installed from the packed package into a fresh temp directory
 * (tests/support/packed-tarball.ts): examples/node trains with grokedge/node on 2 worker threads;
 * examples/browser-esbuild and examples/browser-vite bundle a page whose trainInBackground runs on 2
 * Web Worker threads with every URL left to its default, served cross-origin isolated and opened in
 * Chromium. All three train the same config and must agree on its paramsHash, bit for bit.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.js";
import { startIsolatedServer } from "../support/isolated-server.js";
import { installExample, packTarball, removeTarball, ROOT, type ExampleProject } from "../support/packed-tarball.js";

const EXAMPLES = ["node", "browser-esbuild", "browser-vite"] as const;
const projects = new Map<string, ExampleProject>();
let browser: Browser | undefined;
let version: string;

beforeAll(async () => {
  version = (await packTarball()).manifest.version;
  for (const example of EXAMPLES) projects.set(example, await installExample(example));
}, 180_000);
afterAll(async () => {
  await browser?.close();
  for (const project of projects.values()) await project.remove();
  await removeTarball();
});

const hashes = new Map<string, string>();

it("the examples train the same config", async () => {
  const configs = await Promise.all(EXAMPLES.map(async (example) => JSON.parse(await readFile(join(ROOT, "examples", example, "config.json"), "utf8"))));
  for (const config of configs.slice(1)) expect(config).toEqual(configs[0]);
});

describe("examples/node", () => {
  it("trains on 2 worker threads from the package and prints the paramsHash", async () => {
    const { stdout } = await projects.get("node")!.npmRun("start");
    expect(stdout).toContain(`engine ${version}, 2 threads, simd-threads build`);
    const hash = /^paramsHash ([0-9a-f]{64})$/m.exec(stdout)?.[1];
    expect(hash, stdout).toBeDefined();
    hashes.set("node", hash!);
    console.log(`node: paramsHash ${hash}`);
  }, 60_000);
});

describe.each(["browser-esbuild", "browser-vite"])("examples/%s", (example) => {
  it("bundles a page that trains on 2 threads in Chromium with the default URLs, to Node's paramsHash", async () => {
    const project = projects.get(example)!;
    await project.npmRun("build");
    const dist = join(project.dir, "dist");
    // The bundler emitted the workers and both wasm builds itself; the 7.8 MB MNIST asset stayed out.
    const emitted = await readdir(dist, { recursive: true });
    expect(emitted.filter((f) => /(coordinator-worker|pool-worker)[^/]*\.js$|simd(-threads)?[^/]*\.wasm$/.test(f))).toHaveLength(4);
    expect(emitted.filter((f) => /mnist/.test(f))).toEqual([]);

    const server = await startIsolatedServer([{ urlPrefix: "/", dir: dist }]);
    try {
      browser ??= await launchChromium();
      const page = await browser.newPage();
      const failures: string[] = [];
      page.on("pageerror", (error) => failures.push(String(error)));
      page.on("response", (response) => response.status() >= 400 && !response.url().endsWith("/favicon.ico") && failures.push(`${response.status()} ${response.url()}`));
      await page.goto(server.url("/"));
      await page.waitForFunction(() => document.body.dataset.result ?? document.body.dataset.error, undefined, { timeout: 90_000 });
      const { result, error } = await page.evaluate(() => ({ result: document.body.dataset.result, error: document.body.dataset.error }));
      expect(error, failures.join("\n")).toBeUndefined();
      expect(failures).toEqual([]);
      const { summary, meta } = JSON.parse(result!) as { summary: { paramsHash: string }; meta: { threads: number; build: string; note?: string; engineVersion: string } };
      expect(meta).toEqual({ engineVersion: version, backend: "wasm-simd", build: "simd-threads", threads: 2 });
      console.log(`${example}: paramsHash ${summary.paramsHash}`);
      expect(summary.paramsHash).toBe(hashes.get("node"));
      await page.close();
    } finally {
      await server.close();
    }
  }, 150_000);
});
