/**
 * The npm package as `npm pack` makes it: only the files users need (an allow-list, no stale build
 * outputs), every export and every file the code reaches by a relative import or by
 * `new URL(path, import.meta.url)` inside it, publint and @arethetypeswrong/cli clean, one version
 * number. Prints the tarball's size.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_VERSION } from "../../src/engine/version.js";
import { packTarball, removeTarball, ROOT, type PackedTarball } from "../support/packed-tarball.js";

/** Every file the package may carry. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^bin\/grokedge\.js$/,
  // Compiled sources and their declarations (tsconfig.build.json), no source maps.
  /^dist\/(src|worker\/src)\/.+\.(js|d\.ts)$/,
  // The kernel builds and the MNIST digits (scripts/copy-package-assets.ts).
  /^dist\/build\/(simd|simd-threads)\.wasm$/,
  /^dist\/build\/mnist\.bin$/,
  // The API's D1 schema, for apps that mount grokedge/worker.
  /^worker\/migrations\/\d{4}_\w+\.sql$/,
];
/**
 * Allowed by the patterns above, but not for users: the repository's own Worker entry. (The tfjs
 * backend, dist/src/tfjs/ and the models' tfjs.js, ships: grokedge/webgpu trains on it.)
 */
const EXCLUDED = [/^dist\/worker\/src\/index\.(js|d\.ts)$/];
/** TensorFlow.js, an optional peer dependency: only grokedge/webgpu loads it, and only when it trains. */
const TFJS_IMPORT = /^(?!\s*(?:\/\/|\*)).*?(?:from|import)\s*(\(?)\s*["'](@tensorflow\/[^"']+)["']/gm;

type Exports = Record<string, string | Record<string, string>>;

let tarball: PackedTarball;
let files: Set<string>;
let manifest: { version: string; exports: Exports; main: string; types: string; bin: Record<string, string>; peerDependenciesMeta?: Record<string, { optional: boolean }> };

beforeAll(async () => {
  tarball = await packTarball();
  files = new Set(tarball.files.map((f) => f.path));
  manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
}, 120_000);
afterAll(removeTarball);

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
/** A packed file's text: the tarball was packed from the repository, so it is the repository's file. */
const packedText = (path: string) => readFile(join(ROOT, path), "utf8");

describe("the tarball", () => {
  it("carries only allowed files, and says how big it is", () => {
    console.log(`${posix.basename(tarball.path)}: ${megabytes(tarball.size)} packed, ${megabytes(tarball.unpackedSize)} unpacked, ${files.size} files`);
    const largest = [...tarball.files].sort((a, b) => b.size - a.size).slice(0, 3);
    console.log(`largest: ${largest.map((f) => `${f.path} ${megabytes(f.size)}`).join(", ")}`);
    expect([...files].filter((f) => !ALLOWED.some((pattern) => pattern.test(f)))).toEqual([]);
    expect([...files].filter((f) => EXCLUDED.some((pattern) => pattern.test(f)))).toEqual([]);
  });

  it("has no stale build outputs: every compiled file has its source", () => {
    const stale = [...files].filter((f) => f.startsWith("dist/") && !f.startsWith("dist/build/")).filter((f) => !existsSync(join(ROOT, f.slice("dist/".length).replace(/(\.d)?\.ts$|\.js$/, ".ts"))));
    expect(stale, "compiled files whose source is gone: rm -rf dist && npm run build").toEqual([]);
  });

  it("has every file package.json points at", () => {
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin), ...Object.values(manifest.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)))];
    expect(targets.map((t) => posix.normalize(t)).filter((t) => !files.has(t))).toEqual([]);
    expect([...files].some((f) => f.startsWith("worker/migrations/"))).toBe(true);
  });

  it("has every file its code imports by a relative path", async () => {
    const missing: string[] = [];
    for (const file of [...files].filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = await packedText(file);
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = posix.join(posix.dirname(file), specifier);
        // A declaration's "./x.js" is the declaration x.d.ts.
        const expected = file.endsWith(".d.ts") ? target.replace(/\.js$/, ".d.ts") : target;
        if (!files.has(expected)) missing.push(`${file} → ${specifier}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("has every file its code finds by new URL(path, import.meta.url), which bundlers follow", async () => {
    const references: string[] = [];
    const missing: string[] = [];
    for (const file of [...files].filter((f) => f.endsWith(".js"))) {
      for (const [, path] of (await packedText(file)).matchAll(/^(?!\s*(?:\/\/|\*)).*?new URL\(["']([^"']+)["'],\s*import\.meta\.url\)/gm)) {
        const target = posix.join(posix.dirname(file), path);
        references.push(target);
        if (!files.has(target)) missing.push(`${file} → ${path}`);
      }
    }
    expect(missing).toEqual([]);
    // The defaults of trainInBackground and grokedge/mnist are among them.
    expect(references).toEqual(expect.arrayContaining(["dist/build/simd.wasm", "dist/build/simd-threads.wasm", "dist/build/mnist.bin", "dist/src/hosts/browser/coordinator-worker.js", "dist/src/hosts/browser/pool-worker.js"]));
  });

  it("loads TensorFlow.js (an optional peer) only by dynamic import from grokedge/webgpu, whose types never name it", async () => {
    const loads: string[] = [];
    for (const file of [...files].filter((f) => f.endsWith(".js"))) {
      for (const [, dynamic, specifier] of (await packedText(file)).matchAll(TFJS_IMPORT)) loads.push(`${file} ${dynamic ? "import()" : "static"} ${specifier}`);
    }
    expect(loads).toEqual([
      "dist/src/webgpu.js import() @tensorflow/tfjs-core",
      "dist/src/webgpu.js import() @tensorflow/tfjs-core/dist/register_all_gradients.js",
      "dist/src/webgpu.js import() @tensorflow/tfjs-backend-webgpu",
    ]);
    expect(await packedText("dist/src/webgpu.d.ts")).not.toContain("@tensorflow");
    expect(manifest.peerDependenciesMeta).toEqual({ "@tensorflow/tfjs-core": { optional: true }, "@tensorflow/tfjs-backend-webgpu": { optional: true } });
  });

  it("passes publint, suggestions included", async () => {
    const bytes = await readFile(tarball.path);
    const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, level: "suggestion", strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`)).toEqual([]);
  });

  it("passes @arethetypeswrong/cli as an ESM-only package", async () => {
    // The wasm builds are not modules TypeScript can type: what importing one gives depends on the
    // bundler (wrangler: a WebAssembly.Module; Vite with ?url: a URL string).
    const args = [tarball.path, "--profile", "esm-only", "--exclude-entrypoints", "./simd.wasm", "./simd-threads.wasm", "--format", "table-flipped"];
    const attw = await promisify(execFile)(join(ROOT, "node_modules/.bin/attw"), args, { env: { ...process.env, NO_COLOR: "1" } }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`attw found problems:\n${error.stdout}\n${error.stderr}`);
    });
    expect(attw.stdout).toContain('"grokedge/client"');
    expect(attw.stdout).toContain('"grokedge/webgpu"');
  }, 60_000);
});

describe("one version number", () => {
  it("the engine reports the package's version", () => {
    expect(ENGINE_VERSION).toBe(manifest.version);
  });
});
