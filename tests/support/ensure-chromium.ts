/**
 * Run by `npm test` before anything else: the browser tests need a Chromium (playwright-core never
 * downloads one). If none is at CHROMIUM_PATH and this process may install Debian's package (root,
 * apt-get present), it installs it and says so; otherwise it fails with what to do. Never a silent skip.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { CHROMIUM_PATH } from "./chromium.js";

function canInstall(): boolean {
  return process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && !process.env.GROKEDGE_CHROMIUM;
}

if (existsSync(CHROMIUM_PATH)) process.exit(0);
if (!canInstall()) {
  console.error(
    `Chromium not found at ${CHROMIUM_PATH}, and this process cannot install it (it needs root and apt-get).\n` +
      `Install it with: sudo apt-get update && sudo apt-get install -y chromium\n` +
      `or point GROKEDGE_CHROMIUM at a Chromium binary.`,
  );
  process.exit(1);
}
console.log(`Chromium not found at ${CHROMIUM_PATH}: installing Debian's chromium package for the browser tests (apt-get) …`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-q"], { stdio: ["ignore", "ignore", "inherit"], env });
execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], { stdio: ["ignore", "ignore", "inherit"], env });
if (!existsSync(CHROMIUM_PATH)) {
  console.error(`apt-get installed chromium, but ${CHROMIUM_PATH} still does not exist`);
  process.exit(1);
}
console.log(`installed ${CHROMIUM_PATH}`);
