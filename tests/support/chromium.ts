/**
 * Launches the system's headless Chromium (Debian's package) through playwright-core, which never
 * downloads a browser. A missing binary is an error with the install command, not a skip.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.GROKEDGE_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
] as const;

/**
 * WebGPU on the CPU, for correctness tests where no GPU is (SwiftShader's Vulkan, behind Chromium's
 * "unsafe" WebGPU switch). Secure contexts only: pages on http://127.0.0.1 qualify.
 */
export const SWIFTSHADER_WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"] as const;

export interface LaunchOptions {
  /** Flags added to CHROMIUM_ARGS, e.g. SWIFTSHADER_WEBGPU_ARGS. */
  extraArgs?: readonly string[];
}

export async function launchChromium({ extraArgs = [] }: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need a system Chromium; install it with\n` +
        `  apt-get update && apt-get install -y chromium\n` +
        `(Debian/Ubuntu; npm test does this itself when run as root), or point GROKEDGE_CHROMIUM at a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
