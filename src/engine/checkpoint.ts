/**
 * Checkpoints: a run's whole state as bytes, to resume bit-exactly (same paramsHash as a run that
 * never stopped). Layout: magic "GECKPT01", u32 length of a UTF-8 JSON header, the header, zero
 * padding to 4 bytes, then f32 parameters, first moments and second moments (little-endian).
 * Only the engine version that wrote a checkpoint resumes it: another one would not reproduce its bits.
 */
import { formatPath, runConfigSchema } from "../config/run-config.js";
import { curvePointSchema } from "../config/run-result.js";
import * as z from "../config/zod.js";
import { ENGINE_VERSION } from "./version.js";

const MAGIC = "GECKPT01";

const count = z.number().check(z.int(), z.nonnegative());
const u32 = count.check(z.lte(2 ** 32 - 1));

const checkpointHeaderSchema = z.strictObject({
  engineVersion: z.string(),
  config: runConfigSchema,
  /** Optimizer steps done. */
  step: count,
  rng: z.tuple([u32, u32, u32, u32]),
  /** Mini-batch order of the current epoch and the position in it (empty for full batch). */
  order: z.array(count),
  cursor: count,
  curves: z.array(curvePointSchema),
  trainSeconds: z.number().check(z.nonnegative()),
  wallSeconds: z.number().check(z.nonnegative()),
  parameterCount: count,
});

export type CheckpointHeader = z.output<typeof checkpointHeaderSchema>;

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

/**
 * Checkpoint bytes that cannot be resumed: not a checkpoint, damaged, written by another engine
 * version, or not matching the run it is resumed into. Bad input, like a RunConfigError; the message
 * names what was wrong.
 */
export class CheckpointError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CheckpointError";
  }
}

const fail = (why: string, options?: ErrorOptions): never => {
  throw new CheckpointError(`not a grokedge checkpoint: ${why}`, options);
};

/** The checkpoint's validated header and where its state starts, without copying the state. */
function readHeader(bytes: Uint8Array): { header: CheckpointHeader; stateStart: number } {
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) fail(`expected magic "${MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + jsonLength > bytes.length) fail("header runs past the end");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)));
  } catch (e) {
    return fail("header is not JSON", { cause: e });
  }
  const parsed = checkpointHeaderSchema.safeParse(json);
  if (!parsed.success) return fail(`header ${parsed.error.issues.map((i) => `${formatPath(i.path) || "(root)"}: ${i.message}`).join("; ")}`);
  const header = parsed.data;
  if (header.engineVersion !== ENGINE_VERSION) fail(`written by engine ${header.engineVersion}, this is ${ENGINE_VERSION}: resuming would not reproduce the run's bits`);
  if (header.cursor > header.order.length) fail(`header cursor: ${header.cursor} is past the epoch's ${header.order.length} rows`);
  return { header, stateStart: align4(MAGIC.length + 4 + jsonLength) };
}

/** Only the header (e.g. to see which data a resumed run needs before loading it). */
export function checkpointHeader(bytes: Uint8Array): CheckpointHeader {
  return readHeader(bytes).header;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { header, stateStart: start } = readHeader(bytes);
  const n = header.parameterCount;
  // n is a non-negative integer: the header schema checked it.
  if (bytes.length !== start + 3 * n * 4) fail(`expected ${3 * n * 4} bytes of state after the header, got ${bytes.length - start}`);
  const floats = (i: number) => new Float32Array(bytes.slice(start + i * n * 4, start + (i + 1) * n * 4).buffer);
  return { header, params: floats(0), moment1: floats(1), moment2: floats(2) };
}

function align4(x: number): number {
  return (x + 3) & ~3;
}
