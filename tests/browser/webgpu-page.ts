/**
 * The WebGPU test page in headless Chromium: webgpu-entry.ts bundled by esbuild (tfjs-core and
 * tfjs-backend-webgpu in it), served next to build/ from 127.0.0.1 (a secure context, which
 * navigator.gpu needs), in a Chromium launched with SwiftShader's WebGPU adapter or without any.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { launchChromium, SWIFTSHADER_WEBGPU_ARGS } from "../support/chromium.js";
import { startIsolatedServer, type IsolatedServer } from "../support/isolated-server.js";
import type {} from "./webgpu-page-api.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>grokedge WebGPU test page</title>
<script type="module" src="/page.js"></script></head><body></body></html>
`;

export interface WebGpuPage {
  page: Page;
  /** Uncaught errors on the page so far. */
  errors: string[];
  close(): Promise<void>;
}

/** The page in a Chromium with SwiftShader's WebGPU adapter (`webgpu: true`) or with none (`false`: Chromium's test defaults, GPU disabled). */
export async function openWebGpuPage({ webgpu }: { webgpu: boolean }): Promise<WebGpuPage> {
  const dir = await mkdtemp(join(tmpdir(), "grokedge-webgpu-"));
  let server: IsolatedServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await build({ entryPoints: { page: join(ROOT, "tests/browser/webgpu-entry.ts") }, outdir: dir, bundle: true, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" });
    await writeFile(join(dir, "index.html"), HTML);
    server = await startIsolatedServer([{ urlPrefix: "/", dir }, { urlPrefix: "/build/", dir: join(ROOT, "build") }]);
    browser = await launchChromium({ extraArgs: webgpu ? SWIFTSHADER_WEBGPU_ARGS : [] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(server.url("/"));
    await page.waitForFunction(() => typeof window.grokedgeWebGpu === "object", undefined, { timeout: 20_000 }).catch((error: unknown) => {
      throw new Error(`the WebGPU test page did not load its bundle: ${errors.join("; ") || String(error)}`);
    });
    return { page, errors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
