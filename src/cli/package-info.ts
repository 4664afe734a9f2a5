/**
 * This package's version, from its package.json: the nearest one named "grokedge" above this file,
 * which is two folders up from src/cli/ and three from the build's dist/src/cli/.
 */
import { readFileSync } from "node:fs";

function packageVersion(): string {
  for (let up = "../../"; up.length <= 12; up += "../") {
    try {
      const manifest = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (manifest.name === "grokedge" && manifest.version) return manifest.version;
    } catch {
      // no package.json at this level: look further up
    }
  }
  throw new Error("grokedge's package.json was not found above src/cli/");
}

export const PACKAGE_VERSION = packageVersion();
