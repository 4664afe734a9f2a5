/**
 * Checkpoints: a run's whole state as bytes, to resume bit-exactly (same paramsHash as a run that
 * never stopped). Layout: magic "GECKPT01", u32 length of a UTF-8 JSON header, the header, zero
 * padding to 4 bytes, then f32 parameters, first moments and second moments (little-endian).
 */
import type { RunConfig } from "../config/run-config.js";
import type { CurvePoint } from "../config/run-result.js";
import type { RngState } from "./random.js";

const MAGIC = "GECKPT01";

export interface CheckpointHeader {
  config: RunConfig;
  /** Optimizer steps done. */
  step: number;
  rng: RngState;
  /** Mini-batch order of the current epoch and the position in it (empty for full batch). */
  order: number[];
  cursor: number;
  curves: CurvePoint[];
  trainSeconds: number;
  wallSeconds: number;
  parameterCount: number;
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  moment1: Float32Array;
  moment2: Float32Array;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(c.header));
  const headerEnd = align4(MAGIC.length + 4 + json.length);
  const n = c.header.parameterCount;
  const out = new Uint8Array(headerEnd + 3 * n * 4);
  out.set(new TextEncoder().encode(MAGIC));
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  [c.params, c.moment1, c.moment2].forEach((values, i) => out.set(new Uint8Array(values.buffer, values.byteOffset, n * 4), headerEnd + i * n * 4));
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const fail = (why: string): never => {
    throw new Error(`not a grokedge checkpoint: ${why}`);
  };
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) fail(`expected magic "${MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + jsonLength > bytes.length) fail("header runs past the end");
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)));
  } catch {
    return fail("header is not JSON");
  }
  const n = header.parameterCount;
  const start = align4(MAGIC.length + 4 + jsonLength);
  if (!Number.isInteger(n) || bytes.length !== start + 3 * n * 4) fail(`expected ${3 * n * 4} bytes of state after the header, got ${bytes.length - start}`);
  const floats = (i: number) => new Float32Array(bytes.slice(start + i * n * 4, start + (i + 1) * n * 4).buffer);
  return { header, params: floats(0), moment1: floats(1), moment2: floats(2) };
}

function align4(x: number): number {
  return (x + 3) & ~3;
}
