/**
 * The checkpoint format on its own (no training): encoding round trips, and every kind of bad bytes
 * is refused with a CheckpointError naming what is wrong. tests/engine/train.test.ts resumes real runs.
 *
 * Layout: "GECKPT01", u32 LE header length, the JSON header, zero padding to 4 bytes, then
 * parameterCount f32 parameters, first moments and second moments.
 */
import { describe, expect, it } from "vitest";
import { CheckpointError as PublicCheckpointError } from "../../src/index.js";
import { CheckpointError, checkpointHeader, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointHeader } from "../../src/engine/checkpoint.js";
import { parseRunConfig } from "../../src/config/run-config.js";
import { ENGINE_VERSION } from "../../src/engine/version.js";
import { smallMlpConfig } from "../support/configs.js";

const MAGIC = "GECKPT01";

function header(overrides: Partial<CheckpointHeader> = {}): CheckpointHeader {
  return {
    engineVersion: ENGINE_VERSION,
    config: parseRunConfig(smallMlpConfig()),
    step: 7,
    rng: [1, 2, 3, 2 ** 32 - 1],
    order: [4, 0, 2, 1, 3],
    cursor: 2,
    curves: [{ step: 0, trainLoss: 3.1, trainAccuracy: 0.05, testLoss: 3.2, testAccuracy: 0.04, weightNorm: 12.5, embeddingNorm: 4, otherNorm: 11.8 }],
    trainSeconds: 0.25,
    wallSeconds: 0.5,
    parameterCount: 3,
    ...overrides,
  };
}

function checkpoint(n = 3): Checkpoint {
  const values = (base: number) => Float32Array.from({ length: n }, (_, i) => base + i / 8);
  return { header: header({ parameterCount: n }), params: values(1), moment1: values(-2), moment2: values(0.5) };
}

/** Bytes laid out by hand: magic, a declared header length, the header text as given, then `tail`. */
function frame(json: string, { declaredLength, magic = MAGIC, tail = new Uint8Array(0) }: { declaredLength?: number; magic?: string; tail?: Uint8Array } = {}): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(12 + text.length + tail.length);
  out.set(new TextEncoder().encode(magic));
  new DataView(out.buffer).setUint32(8, declaredLength ?? text.length, true);
  out.set(text, 12);
  out.set(tail, 12 + text.length);
  return out;
}

/** The CheckpointError `read` throws (failing the test if it throws anything else, or nothing). */
function errorOf(read: () => unknown): CheckpointError {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error("expected a CheckpointError, nothing was thrown");
}

describe("checkpoint encoding", () => {
  it("round trips the header and the three state arrays bit for bit", () => {
    const c = checkpoint();
    c.params[1] = -0; // bits, not values: -0 stays -0, and a NaN payload survives
    c.moment2[2] = new Float32Array(new Uint32Array([0x7fc0_1234]).buffer)[0];
    const bytes = encodeCheckpoint(c);
    const back = decodeCheckpoint(bytes);
    expect(back.header).toEqual(c.header);
    for (const key of ["params", "moment1", "moment2"] as const) {
      expect(new Uint32Array(back[key].buffer)).toEqual(new Uint32Array(c[key].buffer));
    }
    expect(checkpointHeader(bytes)).toEqual(c.header);
  });

  it("lays out magic, header length, header, padding to 4 bytes and the state little-endian", () => {
    const c = checkpoint(2);
    const bytes = encodeCheckpoint(c);
    const json = new TextEncoder().encode(JSON.stringify(c.header));
    const start = (12 + json.length + 3) & ~3;
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(MAGIC);
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(json.length);
    expect(bytes.subarray(12, 12 + json.length)).toEqual(json);
    expect([...bytes.subarray(12 + json.length, start)].every((b) => b === 0)).toBe(true);
    expect(bytes.length).toBe(start + 3 * 2 * 4);
    const view = new DataView(bytes.buffer);
    expect([0, 1, 2, 3, 4, 5].map((i) => view.getFloat32(start + 4 * i, true))).toEqual([...c.params, ...c.moment1, ...c.moment2]);
  });

  it("pads every header length to a multiple of 4, so the state is always f32-aligned", () => {
    const lengths = new Set<number>();
    for (let pad = 0; pad < 4; pad++) {
      const c = checkpoint(1);
      c.header.config = { ...c.header.config, seed: 10 ** pad }; // a header 0..3 characters longer
      const json = JSON.stringify(c.header).length;
      lengths.add(json % 4);
      const bytes = encodeCheckpoint(c);
      expect(bytes.length).toBe((((12 + json + 3) >> 2) << 2) + 12);
      expect(decodeCheckpoint(bytes).params).toEqual(c.params);
    }
    expect(lengths.size).toBe(4);
  });

  it("encodes state arrays that are views into a larger buffer, and decodes bytes that are a view too", () => {
    const c = checkpoint(2);
    const big = new Float32Array(8).map((_, i) => 100 + i);
    c.moment1 = big.subarray(3, 5);
    const bytes = encodeCheckpoint(c);
    expect(decodeCheckpoint(bytes).moment1).toEqual(Float32Array.of(103, 104));
    const inside = new Uint8Array(bytes.length + 5);
    inside.set(bytes, 5);
    const back = decodeCheckpoint(inside.subarray(5));
    expect(back.header).toEqual(c.header);
    expect(back.moment1).toEqual(Float32Array.of(103, 104));
    // The decoded arrays own their memory: changing the bytes afterwards changes nothing.
    inside.fill(0);
    expect(back.moment1).toEqual(Float32Array.of(103, 104));
  });

  it("encodes and decodes a model without parameters", () => {
    const c = checkpoint(0);
    const back = decodeCheckpoint(encodeCheckpoint(c));
    expect(back.params.length + back.moment1.length + back.moment2.length).toBe(0);
  });
});

describe("bad checkpoint bytes are a CheckpointError naming what is wrong", () => {
  it("is exported from the package and is an Error named CheckpointError", () => {
    expect(PublicCheckpointError).toBe(CheckpointError);
    const e = errorOf(() => decodeCheckpoint(new Uint8Array([1, 2, 3])));
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("CheckpointError");
    expect(e.message).toBe(`not a grokedge checkpoint: expected magic "${MAGIC}"`);
  });

  it.each([
    ["three bytes", new Uint8Array([1, 2, 3])],
    ["the magic alone", new TextEncoder().encode(MAGIC)],
    ["the magic and 3 of the length's 4 bytes", new TextEncoder().encode(MAGIC + "\0\0\0")],
    ["20 zero bytes", new Uint8Array(20)],
    ["another magic", frame("{}", { magic: "GECKPT02" })],
  ])("refuses %s: expected magic", (_, bytes) => {
    expect(errorOf(() => checkpointHeader(bytes)).message).toBe(`not a grokedge checkpoint: expected magic "${MAGIC}"`);
  });

  it("refuses a header length running past the end, by any number of bytes", () => {
    const json = JSON.stringify(header());
    for (const missing of [1, 2, 1000, 2 ** 32 - 1 - json.length]) {
      expect(errorOf(() => checkpointHeader(frame(json, { declaredLength: json.length + missing }))).message).toBe("not a grokedge checkpoint: header runs past the end");
    }
  });

  it("reads a header that ends exactly where the bytes end", () => {
    const json = JSON.stringify(header());
    expect(checkpointHeader(frame(json))).toEqual(header());
  });

  it("refuses a header that is not JSON, with the parse error as the cause", () => {
    for (const bytes of [frame(""), frame("{ not json"), frame(JSON.stringify(header()).slice(0, -1))]) {
      const e = errorOf(() => checkpointHeader(bytes));
      expect(e.message).toBe("not a grokedge checkpoint: header is not JSON");
      expect(e.cause).toBeInstanceOf(SyntaxError);
    }
  });

  it("names every invalid header field, or (root) when the header is not an object", () => {
    expect(errorOf(() => checkpointHeader(frame("42"))).message).toMatch(/^not a grokedge checkpoint: header \(root\): /);
    const bad = { ...header(), step: -3, rng: [1, 2, 3] };
    expect(errorOf(() => checkpointHeader(frame(JSON.stringify(bad)))).message).toMatch(/^not a grokedge checkpoint: header step: Too small.*; rng: /);
    const extra = { ...header(), extra: true };
    expect(errorOf(() => checkpointHeader(frame(JSON.stringify(extra)))).message).toMatch(/header \(root\): Unrecognized key: "extra"/);
    expect(errorOf(() => checkpointHeader(frame(JSON.stringify({ ...header(), config: { ...header().config, steps: 0 } })))).message).toMatch(/header config\.steps: Too small/);
    expect(errorOf(() => checkpointHeader(frame(JSON.stringify({ ...header(), parameterCount: 1.5 })))).message).toMatch(/header parameterCount: /);
  });

  it("takes RNG words up to 2^32 - 1, not past it", () => {
    expect(checkpointHeader(frame(JSON.stringify(header({ rng: [0, 0, 0, 2 ** 32 - 1] })))).rng).toEqual([0, 0, 0, 2 ** 32 - 1]);
    const tooBig = { ...header(), rng: [0, 2 ** 32, 0, 0] };
    expect(errorOf(() => checkpointHeader(frame(JSON.stringify(tooBig)))).message).toMatch(/header rng\[1\]: Too big/);
  });

  it("refuses another engine version's checkpoint: it would not reproduce the run's bits", () => {
    const e = errorOf(() => decodeCheckpoint(encodeCheckpoint({ ...checkpoint(), header: header({ engineVersion: "0.0.1" }) })));
    expect(e.message).toBe(`not a grokedge checkpoint: written by engine 0.0.1, this is ${ENGINE_VERSION}: resuming would not reproduce the run's bits`);
  });

  it("refuses a cursor past the epoch's order, and takes one at its end", () => {
    const past = errorOf(() => checkpointHeader(frame(JSON.stringify(header({ order: [1, 0], cursor: 3 })))));
    expect(past.message).toBe("not a grokedge checkpoint: header cursor: 3 is past the epoch's 2 rows");
    expect(checkpointHeader(frame(JSON.stringify(header({ order: [1, 0], cursor: 2 })))).cursor).toBe(2);
    expect(checkpointHeader(frame(JSON.stringify(header({ order: [], cursor: 0 })))).cursor).toBe(0); // full batch
  });

  it("refuses state of the wrong length, saying how long it should be", () => {
    const bytes = encodeCheckpoint(checkpoint(3)); // 36 bytes of state
    const start = bytes.length - 36;
    const withState = (length: number) => {
      const out = new Uint8Array(start + length);
      out.set(bytes.subarray(0, Math.min(bytes.length, out.length)));
      return out;
    };
    expect(errorOf(() => decodeCheckpoint(withState(35))).message).toBe("not a grokedge checkpoint: expected 36 bytes of state after the header, got 35");
    expect(errorOf(() => decodeCheckpoint(withState(40))).message).toBe("not a grokedge checkpoint: expected 36 bytes of state after the header, got 40");
    expect(errorOf(() => decodeCheckpoint(withState(0))).message).toBe("not a grokedge checkpoint: expected 36 bytes of state after the header, got 0");
    // Reading only the header does not look at the state.
    expect(checkpointHeader(withState(0)).parameterCount).toBe(3);
  });
});
