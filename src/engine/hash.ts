/**
 * paramsHash: SHA-256 (hex) of the final parameters' bytes, little-endian f32 in layout order. A
 * diverged run's parameters hold NaNs whose bits are not reproducible — WebAssembly leaves a NaN
 * result's sign and payload to the CPU (x86 and ARM differ) — so every NaN is hashed as the quiet
 * NaN 0x7fc00000: a diverged run hashes the same on every CPU. ±Infinity has one bit pattern each.
 */
import { sha256Hex } from "../config/result-digest.js";

const CANONICAL_NAN_BITS = 0x7fc00000;

export function paramsHash(params: Float32Array): Promise<string> {
  let canonical: Uint32Array | undefined;
  for (let i = 0; i < params.length; i++) {
    if (params[i] === params[i]) continue; // not NaN
    canonical ??= new Uint32Array(params.slice().buffer);
    canonical[i] = CANONICAL_NAN_BITS;
  }
  return sha256Hex(canonical ? new Uint8Array(canonical.buffer) : new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
}
