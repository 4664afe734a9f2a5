/**
 * The WebGPU test page in headless Chromium: webgpu-entry.ts bundled by esbuild (tfjs-core and
 * tfjs-backend-webgpu in it), served next to build/ from 127.0.0.1 (a secure context, which
 * navigator.gpu needs), in a Chromium launched with SwiftShader's WebGPU adapter or without any.
 */
import { SWIFTSHADER_WEBGPU_ARGS } from "../support/chromium.js";
import { openBundlePage, type TestPage } from "../support/test-page.js";
import type {} from "./webgpu-page-api.js";

export interface WebGpuPage extends TestPage {
  /** Uncaught errors on the page so far. */
  errors: string[];
}

/** The page in a Chromium with SwiftShader's WebGPU adapter (`webgpu: true`) or with none (`false`: Chromium's test defaults, GPU disabled). */
export async function openWebGpuPage({ webgpu }: { webgpu: boolean }): Promise<WebGpuPage> {
  const opened = await openBundlePage({ page: "tests/browser/webgpu-entry.ts" }, { chromiumArgs: webgpu ? [...SWIFTSHADER_WEBGPU_ARGS] : [] });
  const errors: string[] = [];
  opened.page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await opened.page.waitForFunction(() => typeof window.grokedgeWebGpu === "object", undefined, { timeout: 20_000 }).catch((error: unknown) => {
      throw new Error(`the WebGPU test page did not load its bundle: ${errors.join("; ") || String(error)}`);
    });
    return { ...opened, errors };
  } catch (error) {
    await opened.close();
    throw error;
  }
}
