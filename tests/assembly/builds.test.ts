/**
 * The server verifies volunteers by comparing hashes of trained parameters, so every build must give
 * the same bits: simd and simd-threads (both -O3), and the same source size-optimised (-Oz) and
 * unoptimised (-O0), compiled here — our math must not depend on what the optimiser does.
 */
import asc from "assemblyscript/asc";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKernels, type KernelInstance } from "../../src/wasm/loader.js";
import { KERNEL_CASES } from "../support/kernel-cases.js";
import { kernelsFor } from "../support/kernels.js";

const variants = new Map<string, KernelInstance>();
let dir: string;

async function compileVariant(name: string, flags: string[]): Promise<KernelInstance> {
  const outFile = join(dir, `${name}.wasm`);
  const { error, stderr } = await asc.main(["assembly/index.ts", "--config", "asconfig.json", "--target", "simd", ...flags, "--outFile", outFile]);
  if (error) throw new Error(`asc ${flags.join(" ")} failed: ${error.message}\n${stderr.toString()}`);
  return loadKernels(await readFile(outFile));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "grokedge-builds-"));
  variants.set("simd -O3", await kernelsFor("simd"));
  variants.set("simd-threads -O3", await kernelsFor("simd-threads"));
  variants.set("simd -Oz", await compileVariant("oz", ["-Oz"]));
  variants.set("simd -O0", await compileVariant("o0", ["--optimizeLevel", "0", "--shrinkLevel", "0"]));
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("every build gives the same bits", () => {
  it.each(KERNEL_CASES.map((c) => [c.name, c] as const))("%s", (_, kernelCase) => {
    const [reference, ...others] = [...variants.entries()].map(([name, k]) => ({ name, bytes: kernelCase.run(k) }));
    for (const other of others) {
      expect(Buffer.from(other.bytes).equals(Buffer.from(reference.bytes)), `${other.name} differs from ${reference.name}`).toBe(true);
    }
  });
});
