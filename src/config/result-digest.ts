/**
 * The result digest: one SHA-256 over what a run publishes — its final parameters (through
 * paramsHash) and its curves — so that results agreeing on it agree on every published number. The
 * engine computes it for its own results and the API recomputes it from what a volunteer reports
 * (the API has no parameters, only their hash: hence paramsHash as the first input rather than the
 * parameters' bytes). Pure, no Node built-ins: the engine, the page and the Worker share this file.
 *
 * Input bytes, in order:
 *   the ASCII tag "grokedge/result-digest/v1";
 *   the 32 bytes paramsHash encodes (its hex decoded);
 *   per curve point, in curve order, 64 bytes: step as an unsigned 64-bit integer, then trainLoss,
 *   trainAccuracy, testLoss, testAccuracy, weightNorm, embeddingNorm, otherNorm as float64, all
 *   little-endian.
 * A value that is null or not finite (NaN, ±Infinity: a diverged run) is written as the quiet NaN
 * 0x7ff8000000000000, whatever NaN a CPU produced; −0 as +0. JSON carries neither NaN nor −0
 * (JSON.stringify writes null and 0), so the API, reading the JSON, hashes the bytes the engine did.
 * Every other double survives JSON exactly (it prints the shortest text that parses back to it).
 */
import type { CurvePoint } from "./run-result.js";

const TAG = new TextEncoder().encode("grokedge/result-digest/v1");
const HASH_BYTES = 32;
const POINT_BYTES = 8 * 8;
/** The curve point's numbers after its step, in the order they are written. */
const FIELDS = ["trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "weightNorm", "embeddingNorm", "otherNorm"] as const satisfies readonly (keyof CurvePoint)[];
const CANONICAL_NAN = 0x7ff8000000000000n;

/** The bytes the result digest is the SHA-256 of (see above). Throws if paramsHash is not 64 lowercase hex digits. */
export function resultDigestInput(paramsHash: string, curves: readonly CurvePoint[]): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(paramsHash)) throw new TypeError(`paramsHash: expected 64 lowercase hex digits, got ${JSON.stringify(paramsHash.slice(0, 80))}`);
  const bytes = new Uint8Array(TAG.length + HASH_BYTES + curves.length * POINT_BYTES);
  bytes.set(TAG);
  for (let i = 0; i < HASH_BYTES; i++) bytes[TAG.length + i] = parseInt(paramsHash.slice(2 * i, 2 * i + 2), 16);
  const view = new DataView(bytes.buffer);
  let at = TAG.length + HASH_BYTES;
  for (const point of curves) {
    view.setBigUint64(at, BigInt(point.step), true);
    at += 8;
    for (const field of FIELDS) {
      const value = point[field];
      if (value === null || !Number.isFinite(value)) view.setBigUint64(at, CANONICAL_NAN, true);
      else view.setFloat64(at, value === 0 ? 0 : value, true);
      at += 8;
    }
  }
  return bytes;
}

/** The result digest (64 lowercase hex digits) of a run whose final parameters hash to `paramsHash` and whose curves are `curves`. */
export function resultDigest(paramsHash: string, curves: readonly CurvePoint[]): Promise<string> {
  return sha256Hex(resultDigestInput(paramsHash, curves));
}

/** SHA-256 in hex via WebCrypto (Node 20+, browsers, Workers alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
