/**
 * The values, keys and strings a hostile client puts where the API expects something sensible:
 * numbers at and past the edges of a double, -0, integers past 2^53, NaN-ish strings, lone
 * surrogates, very long strings, wrong types, nesting 10, 1000 and 100 000 deep.
 */
import fc from "fast-check";
import { RawJson, type JsonTree } from "./json-text.js";

/** The nesting depths tried: shallow, what a recursive validator survives, what no recursion survives. */
export const DEPTHS = [10, 1000, 100_000] as const;
export type NestingKind = "array" | "object" | "mixed";

const deepCache = new Map<string, RawJson>();

/** `depth` nested arrays, objects (`{"a":…}`) or both alternating, around a 0. Built once per shape (up to 600 KB of text). */
export function deep(depth: number, kind: NestingKind): RawJson {
  const id = `${kind}×${depth}`;
  let value = deepCache.get(id);
  if (!value) {
    const half = Math.floor(depth / 2);
    const open = kind === "array" ? "[".repeat(depth) : kind === "object" ? '{"a":'.repeat(depth) : '[{"a":'.repeat(half) + "[".repeat(depth % 2);
    const close = kind === "array" ? "]".repeat(depth) : kind === "object" ? "}".repeat(depth) : "]".repeat(depth % 2) + "}]".repeat(half);
    value = new RawJson(`${open}0${close}`, `deep ${id}`);
    deepCache.set(id, value);
  }
  return value;
}

export const deepValue: fc.Arbitrary<RawJson> = fc.tuple(fc.constantFrom(...DEPTHS), fc.constantFrom<NestingKind>("array", "object", "mixed")).map(([d, k]) => deep(d, k));

/** Number tokens as a client may write them: past a double's range, -0, more digits than a double holds, odd spellings. */
const NUMBER_TOKENS = [
  "1e308", "-1e308", "1e309", "-1e309", "-0", "-0.0", "9007199254740993", "-9007199254740993", "9007199254740992", "4294967296", "4294967295.5",
  "1e-400", "5e-324", "2.2250738585072014e-308", "123456789012345678901234567890", "0.30000000000000004", "1E2", "1e+2", "0e0", "1.0", "-1", "0.5",
] as const;
export const hostileNumber: fc.Arbitrary<RawJson> = fc.constantFrom(...NUMBER_TOKENS).map((t) => new RawJson(t, t));

/** Strings numbers' parsers and validators trip on, and strings that are not well-formed Unicode. */
const NASTY_STRINGS = [
  "NaN", "Infinity", "-Infinity", "1e309", "0x10", " 1", "1 ", "", " ", "null", "true", "[]", "{}", "undefined", "__proto__", "constructor",
  "\ud800", "\udfff", "a\ud800b", "\udc00\ud800", "\u0000", "a\u0000b", "\u202e", "\ufeff", "\uffff", "e\u0301", "🙂", "%00", "%ED%A0%80", "../..", "' OR 1=1 --", "\\", '"',
  "v1.x.1.00", "wasm-simd,", "tfjs-webgpu,tfjs-webgpu",
] as const;
/** Short ones: any UTF-16 code units (lone surrogates included) or the list above; for queries and paths too. */
export const shortNastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 3 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }), weight: 1 },
);
/** Those, and very long strings (for bodies: a URL that long is refused before the Worker sees it). */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: shortNastyString, weight: 8 },
  { arbitrary: fc.constantFrom(1_000, 100_000, 600_000).chain((n) => fc.constantFrom("x", "\ud800", "🙂").map((c) => c.repeat(n / c.length))), weight: 1 },
);

/** Whatever a valid field might be replaced with. */
export const hostileValue: fc.Arbitrary<JsonTree> = fc.oneof(
  { arbitrary: hostileNumber, weight: 5 },
  { arbitrary: nastyString, weight: 5 },
  { arbitrary: fc.constantFrom<JsonTree>(null, true, false, 0, -1, 1.5, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, [], {}, [null], { "": null }), weight: 4 },
  { arbitrary: deepValue, weight: 3 },
  { arbitrary: fc.constantFrom(10_000, 100_000).map((n) => new RawJson(`[${"0,".repeat(n - 1)}0]`, `array of ${n} zeros`)), weight: 1 },
  { arbitrary: fc.constantFrom(1_000, 20_000).map((n) => new RawJson(`{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`, `object of ${n} keys`)), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonTree>, weight: 2 },
);

/** Keys no schema here declares, some of them special to JavaScript objects. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "", " ", "\ud800", "id", "status", "clientId", "validatedHash"),
  fc.string({ maxLength: 12 }),
);
