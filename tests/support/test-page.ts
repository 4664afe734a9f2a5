/**
 * A test page in headless Chromium: the engine bundled by esbuild (the page, the training
 * coordinator worker and the pool worker), served with or without cross-origin isolation.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { startIsolatedServer, type IsolatedServer } from "./isolated-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>grokedge test page</title>
<script type="module" src="/page.js"></script></head><body></body></html>
`;

export interface TestPage {
  page: Page;
  browser: Browser;
  close(): Promise<void>;
}

/** A page of bundled entry points (name → source file) served next to build/, with or without cross-origin isolation, open in Chromium. */
export async function openBundlePage(
  entryPoints: Record<string, string>,
  { isolated = true, html = PAGE, chromiumArgs = [] }: { isolated?: boolean; html?: string; /** Extra Chromium flags (e.g. SWIFTSHADER_WEBGPU_ARGS). */ chromiumArgs?: string[] } = {},
): Promise<TestPage> {
  const dir = await mkdtemp(join(tmpdir(), "grokedge-browser-"));
  let server: IsolatedServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await build({
      entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, file]) => [name, join(ROOT, file)])),
      outdir: dir,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      sourcemap: "inline",
      logLevel: "silent",
    });
    await writeFile(join(dir, "index.html"), html);
    server = await startIsolatedServer([{ urlPrefix: "/", dir }, { urlPrefix: "/build/", dir: join(ROOT, "build") }], { isolated });
    browser = await launchChromium({ extraArgs: chromiumArgs });
    const page = await browser.newPage();
    await page.goto(server.url("/"));
    return { page, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The engine's test page: the page entry, the training coordinator and the pool worker. */
export async function openTestPage({ isolated = true }: { isolated?: boolean } = {}): Promise<TestPage> {
  const opened = await openBundlePage(
    { page: "tests/browser/page-entry.ts", coordinator: "src/hosts/browser/coordinator-worker.ts", "pool-worker": "src/hosts/browser/pool-worker.ts" },
    { isolated },
  );
  const errors: string[] = [];
  opened.page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await opened.page.waitForFunction(() => typeof window.grokedgeTrain === "function", undefined, { timeout: 10_000 }).catch((error: unknown) => {
      throw new Error(`the test page did not load its bundle: ${errors.join("; ") || String(error)}`);
    });
    return opened;
  } catch (error) {
    await opened.close();
    throw error;
  }
}
