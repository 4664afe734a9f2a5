/**
 * The engine's weight in a browser: src/index.ts bundled as a page would (esbuild, browser, ESM,
 * minified; the wasm builds and the Web Worker entry points are separate files, so external), then
 * gzipped. A size budget, not a timing: it fails above BUDGET_BYTES and names what grew.
 * Prints one line for the closing note and the largest contributors.
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The budget for engine + schemas, gzip. */
const BUDGET_BYTES = 60_000;
/** Served beside the bundle, never inside it: the kernels, and the scripts `new Worker(url)` starts. */
const SEPARATE_FILES = ["*.wasm", "*/coordinator-worker.js", "*/pool-worker.js"];

interface Bundle {
  code: Uint8Array;
  gzipBytes: number;
  output: Metafile["outputs"][string];
}

let bundle: Bundle;
beforeAll(async () => {
  const result = await build({
    entryPoints: [`${ROOT}src/index.ts`],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outfile: "grokedge.js",
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    metafile: true,
    external: SEPARATE_FILES,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  bundle = { code: file.contents, gzipBytes: gzipSync(file.contents).length, output: result.metafile.outputs["grokedge.js"] };
}, 60_000);

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** The largest minified contributors, each as "owner bytes": `by` names the owner of an input file. */
function largest(output: Bundle["output"], by: (path: string) => string, top = 8): string {
  const bytes = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) bytes.set(by(path), (bytes.get(by(path)) ?? 0) + bytesInOutput);
  return [...bytes]
    .filter(([, size]) => size > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([owner, size]) => `  ${owner.padEnd(44)} ${kB(size).padStart(9)}`)
    .join("\n");
}

/** An npm package (`zod`) or a source folder (`src/engine`). */
const packageOrFolder = (path: string) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? path.match(/^src\/[^/]+(?=\/)/)?.[0] ?? path;

describe("the browser bundle of src/index.ts", () => {
  it(`stays within ${kB(BUDGET_BYTES)} gzip`, () => {
    const summary = `browser bundle (src/index.ts; esbuild, minified, no wasm): ${kB(bundle.code.length)} minified, ${kB(bundle.gzipBytes)} gzip (budget ${kB(BUDGET_BYTES)})`;
    const report = `${summary}\nlargest contributors, minified:\n${largest(bundle.output, packageOrFolder)}\nlargest files, minified:\n${largest(bundle.output, (path) => path.replace(/^node_modules\//, ""))}`;
    console.log(report);
    expect(bundle.output.exports, "the bundle is the engine").toEqual(expect.arrayContaining(["train", "parseRunConfig", "runConfigSchema", "runResultSchema"]));
    expect(bundle.gzipBytes, report).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("reports a bad field in English, as the engine does unbundled (zod/mini's locale survives tree shaking)", async () => {
    const engine = await import(`data:text/javascript;base64,${Buffer.from(bundle.code).toString("base64")}`);
    expect(() => engine.parseRunConfig({ version: 1 })).toThrow("task: Invalid input: expected object, received undefined");
  });
});
