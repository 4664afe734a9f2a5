/**
 * Valid requests with one part made hostile: the body (nesting 10 to 100 000 deep, around the size
 * limit, invalid UTF-8, a wrong encoding or content type, no body at all), the query (repeated keys,
 * huge numbers, bad percent-encoding, unknown keys), the headers (bad Authorization schemes, huge and
 * forged tokens, signed tokens with odd ids and expiries, odd network addresses and idempotency keys)
 * or the path (odd ids, trailing junk).
 */
import fc from "fast-check";
import { deep, deepValue, shortNastyString, type NestingKind } from "./hostile-values.js";
import { RawJson } from "./json-text.js";
import { pathParameterIndexes, tokenOf, type Operation } from "./openapi-operations.js";
import type { BodyPlan, PathPart, PlanContext, PlanKind, QueryPair, QueryValue, RequestPlan, Wire } from "./request-plan.js";

/** A string value a mutation puts in, whose bytes the wire then replaces with invalid UTF-8. */
export const INVALID_UTF8_MARKER = "@@invalid-utf8@@";

const INVALID_UTF8: number[][] = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]];

/** Methods whose requests carry a body by design. */
const BODY_METHODS = ["POST", "PUT", "PATCH"];

/** Bodies that are not a valid one at all. */
const WHOLE_BODIES = ["", " ", "null", "1e309", '"x"', "[]", "{}", "true", "{", '{"a":1,}', "{'a':1}", "/*c*/{}", "NaN", "{}{}", "\u0000", '{"__proto__":{"admin":true}}'];

/** Percent-encodes every byte of the UTF-8 form that is not unreserved (lone surrogates become U+FFFD, as TextEncoder writes them). */
export function percentEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

const withKind = (kind: PlanKind) => (plan: RequestPlan, note: string, changes: Partial<RequestPlan>): RequestPlan => ({ ...plan, ...changes, kind, note });

// ---- bodies ------------------------------------------------------------------------------------

export function hostileBody(operation: Operation, context: PlanContext, valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const make = withKind("hostile-body");
  const limit = context.bodyLimit;
  const sizes = [limit - 1, limit, limit + 1, 4 * limit];
  // A valid body to spoil, or for operations without one, a JSON value (a GET with a body).
  const base = (plan: RequestPlan): BodyPlan => plan.body ?? { base: { tree: {} }, wire: { kind: "utf8" } };
  const jsonHeaders = (plan: RequestPlan): [string, string][] => (plan.body ? plan.headers : [...plan.headers, ["content-type", "application/json"]]);
  const wired = (wire: Wire, note: string) => (plan: RequestPlan) => make(plan, note, { body: { ...base(plan), wire }, headers: jsonHeaders(plan) });
  const variants: fc.Arbitrary<(plan: RequestPlan) => RequestPlan>[] = [
    fc.constantFrom(...WHOLE_BODIES).map((text) => (plan: RequestPlan) => make(plan, `body ${JSON.stringify(text)}`, { body: { base: { tree: new RawJson(text, text) }, wire: { kind: "utf8" } }, headers: jsonHeaders(plan) })),
    deepValue.map((deep) => (plan: RequestPlan) => make(plan, `body: ${deep.label}`, { body: { base: { tree: deep }, wire: { kind: "utf8" } }, headers: jsonHeaders(plan) })),
    fc.tuple(deepValue, fc.nat()).map(([deep, at]) => (plan: RequestPlan) => make(plan, `a field ← ${deep.label}`, { body: { ...base(plan), mutation: { op: "replace", at, value: deep } }, headers: jsonHeaders(plan) })),
    // Right at the documented nesting limit: what passes it must still be handled (a run config as deep as allowed).
    ...(context.depthLimit === null
      ? []
      : [
          fc.tuple(fc.integer({ min: context.depthLimit - 3, max: context.depthLimit + 1 }), fc.constantFrom<NestingKind>("array", "object"), fc.nat()).map(([depth, kind, at]) => (plan: RequestPlan) => {
            const value = deep(depth, kind);
            return make(plan, `a field ← ${value.label} (the limit is ${context.depthLimit})`, { body: { ...base(plan), mutation: { op: "replace", at, value } }, headers: jsonHeaders(plan) });
          }),
        ]),
    fc.constantFrom(...sizes).map((size) => wired({ kind: "pad", size }, `padded to ${size} bytes`)),
    fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([bytes, at]) => (plan: RequestPlan) =>
      make(plan, `invalid UTF-8 ${bytes.map((b) => b.toString(16)).join(" ")} in a field`, { body: { ...base(plan), mutation: { op: "replace", at, value: INVALID_UTF8_MARKER }, wire: { kind: "invalid-utf8", bytes } }, headers: jsonHeaders(plan) }),
    ),
    fc.constant(wired({ kind: "bom" }, "UTF-8 byte order mark first")),
    fc.constant(wired({ kind: "utf16le" }, "encoded as UTF-16LE")),
    fc.double({ min: 0, max: 0.99, noNaN: true }).map((keep) => wired({ kind: "truncate", keep }, `cut after ${Math.round(keep * 100)}%`)),
    fc.constantFrom("x", "}", "\u0000", "{}", "\n\n\n").map((text) => wired({ kind: "append", text }, `followed by ${JSON.stringify(text)}`)),
    fc.constant((plan: RequestPlan) => make(plan, "no body, JSON content type", { body: null, headers: jsonHeaders(plan) })),
  ];
  // Chunked (no Content-Length) only where the method takes a body: after a chunked GET, wrangler dev's
  // local proxy hands the next request a wrong reply or none (its connection to workerd goes out of step),
  // which would blame later requests. run.ts sends one chunked GET on its own at the end instead.
  const chunked = BODY_METHODS.includes(operation.method) ? fc.boolean() : fc.constant(false);
  return fc.tuple(valid, fc.oneof(...variants), chunked).map(([plan, spoil, isChunked]) => {
    const spoiled = spoil(plan);
    return { ...spoiled, chunked: isChunked, note: isChunked ? `${spoiled.note}, chunked` : spoiled.note };
  });
}

// ---- queries -----------------------------------------------------------------------------------

const RAW_QUERY_VALUES = ["1e308", "99999999999999999999999", "-1", "-0", "0x10", "1e3", "%205", "5.0", "Infinity", "NaN", "", "%", "%zz", "%00", "%ED%A0%80", "%C0%AF", "%F0%9F%99%82", "%2C", "wasm-simd%2Cwasm-simd", "csv%00", "a".repeat(9000)];
const RAW_QUERY_KEYS = ["unknown", "LIMIT", "limit[]", "limit[a]", "", "%ED%A0%80", "__proto__", "constructor", "%26", "a%3Db", "format", "limit", "offset", "sweep", "backends", "include"];

const queryValue: fc.Arbitrary<QueryValue> = fc.oneof(fc.constantFrom(...RAW_QUERY_VALUES).map((raw) => ({ raw })), shortNastyString.map((text) => ({ text })));

export function hostileQuery(operation: Operation, valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const make = withKind("hostile-query");
  const known = operation.query.map((p) => p.name);
  const keys = known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.constantFrom(...RAW_QUERY_KEYS)) : fc.constantFrom(...RAW_QUERY_KEYS);
  const edit: fc.Arbitrary<{ note: string; apply: (query: QueryPair[]) => QueryPair[] }> = fc.oneof(
    fc.tuple(keys, queryValue).map(([key, value]) => ({ note: `?${key}= added`, apply: (q: QueryPair[]) => [...q, { key, value }] })),
    fc.tuple(keys, queryValue).map(([key, value]) => ({ note: `?${key}= replaced`, apply: (q: QueryPair[]) => [...q.filter((p) => p.key !== key), { key, value }] })),
    fc.tuple(keys, queryValue).map(([key, value]) => ({ note: `?${key} twice`, apply: (q: QueryPair[]) => [...q, { key, value }, ...q.filter((p) => p.key === key), { key, value: { text: "1" } }] })),
    keys.map((key) => ({ note: `?${key} without a value`, apply: (q: QueryPair[]) => [...q, { key, value: null }] })),
    fc.constantFrom(2000, 6000).map((n) => ({ note: `${n} query pairs`, apply: (q: QueryPair[]) => [...q, ...Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { raw: "1" } }))] })),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([plan, edits]) =>
    make(plan, edits.map((e) => e.note).join("; "), { query: edits.reduce((query, e) => e.apply(query), plan.query) }),
  );
}

// ---- headers -----------------------------------------------------------------------------------

/** Expiry fields for tokens signed with the server's own key (so only the server's reading of them is tested). */
const EXPIRIES = ["${NEXT_DAY}", "${PAST_DAY}", "${PAST_60_DAYS}", "0", "1", "-1", "99999999999999999999", "1e309", "NaN", "", "9007199254740993", "0x10", "${NEXT_DAY}.5", "0${NEXT_DAY}"];
const CLIENT_IDS = ["${CLIENT_ID}", "${UUID}", "", "a.b", "x".repeat(65), "../x", "\xe9", "${CLIENT_ID}${CLIENT_ID}", "${CLIENT_ID}\t"];

const signed = (id: string, expiry: string, version = "v1") => `${version}.${id}.${expiry}.\${SIGN:${version}.${id}.${expiry}}`;

const forgedToken: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...CLIENT_IDS), fc.constantFrom(...EXPIRIES)).map(([id, expiry]) => signed(id, expiry)),
  fc.constantFrom("0".repeat(64), "g".repeat(64), "0".repeat(63), "", "${SIGN_UPPER:v1.${CLIENT_ID}.${NEXT_DAY}}").map((signature) => `v1.\${CLIENT_ID}.\${NEXT_DAY}.${signature}`),
  fc.constant("${CLIENT_ID}.${SIGN:${CLIENT_ID}}"),
  fc.constant(signed("${CLIENT_ID}", "${NEXT_DAY}", "v2")),
  fc.constant(signed("${OTHER_ID}", "${NEXT_DAY}")),
);

function authorizationValues(operation: Operation): fc.Arbitrary<string> {
  const token = tokenOf(operation) ?? "${CLIENT}";
  return fc.oneof(
    fc.constantFrom(
      "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "", `bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer\t${token}`, `Bearer ${token} ${token}`, `Bearer ${token}x`,
      token, `Token ${token}`, `Bearer "${token}"`, `Bearer ${token},Bearer ${token}`, "Bearer ${ADMIN}", "Bearer ${CLIENT}", "Bearer ${OTHER}", "Bearer ${ADMIN_TWEAKED}",
      "Bearer ${ADMIN_SHORT}", "Bearer ${ADMIN}0", "Bearer \xe9\xff", "Bearer change-me-too",
    ),
    fc.constantFrom(1_000, 16_000, 60_000).map((n) => `Bearer ${"a".repeat(n)}`),
    forgedToken.map((t) => `Bearer ${t}`),
  );
}

const CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json;charset=latin1", "", "application/jsonx", "APPLICATION/JSON", "application/json, text/plain", "application/merge-patch+json", "\xe9"];
const ADDRESSES = ["", "::::", "999.1.1.1", "1.2.3", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3.4, 5.6.7.8", "x".repeat(1000), "2001:db8::1", "0.0.0.0", "255.255.255.255", "::", "::1", "1.2.3.04", "[::1]", "\xe9", "1:2:3:4:5:6:7:8:9"];
const IDEMPOTENCY_KEYS = ["", " ", "a".repeat(100), "a".repeat(101), "k/../", "\xe9", "fuzz-key", "fuzz-key", "${CLIENT_ID}"];

type HeaderEdit = { note: string; apply: (headers: [string, string][]) => [string, string][] };
const without = (name: string) => (headers: [string, string][]) => headers.filter(([n]) => n !== name);
const replacing = (name: string, value: string) => (headers: [string, string][]) => [...without(name)(headers), [name, value] as [string, string]];

export function hostileHeaders(operation: Operation, valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const make = withKind("hostile-headers");
  const edit: fc.Arbitrary<HeaderEdit> = fc.oneof(
    { weight: 6, arbitrary: authorizationValues(operation).map((value) => ({ note: `authorization: ${value.slice(0, 80)}`, apply: replacing("authorization", value) })) },
    { weight: 1, arbitrary: fc.constant({ note: "no authorization", apply: without("authorization") }) },
    { weight: 1, arbitrary: authorizationValues(operation).map((value) => ({ note: `a second authorization: ${value.slice(0, 80)}`, apply: (h: [string, string][]) => [...h, ["authorization", value] as [string, string]] })) },
    { weight: 2, arbitrary: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: null }).map((type) => ({ note: type === null ? "no content-type" : `content-type: ${type}`, apply: type === null ? without("content-type") : replacing("content-type", type) })) },
    { weight: 1, arbitrary: fc.constantFrom("gzip", "br", "deflate", "identity", "gzip, gzip", "x-unknown").map((coding) => ({ note: `content-encoding: ${coding}`, apply: replacing("content-encoding", coding) })) },
    { weight: 2, arbitrary: fc.constantFrom(...ADDRESSES).map((address) => ({ note: `cf-connecting-ip: ${address.slice(0, 40)}`, apply: replacing("cf-connecting-ip", address) })) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(...IDEMPOTENCY_KEYS), { minLength: 1, maxLength: 2 }).map((keys) => ({ note: `idempotency-key: ${keys.map((k) => k.slice(0, 20)).join(" + ")}`, apply: (h: [string, string][]) => [...without("idempotency-key")(h), ...keys.map((k): [string, string] => ["idempotency-key", k])] })) },
    // Not a second Host header: workerd itself fails on it before the Worker runs ("invalid hostname when
    // stringifying URL", a 500 no code of ours can answer), and Cloudflare's edge never forwards one.
    {
      weight: 2,
      arbitrary: fc.constantFrom<[string, string][]>(
        [["origin", "https://evil.example"]], [["origin", "null"]], [["x-forwarded-for", "1.2.3.4"]], [["accept", "text/csv"]],
        [["x-filler", "a".repeat(60_000)]], Array.from({ length: 120 }, (_, i) => [`x-h${i}`, "1"] as [string, string]), [["access-control-request-method", "DELETE"]],
      ).map((extra) => ({ note: `extra headers: ${extra.map(([n]) => n).slice(0, 3).join(", ")}${extra.length > 3 ? ` and ${extra.length - 3} more` : ""}`, apply: (h: [string, string][]) => [...h, ...extra] })),
    },
  );
  return fc.tuple(valid, edit).map(([plan, e]) => make(plan, e.note, { headers: e.apply(plan.headers) }));
}

// ---- paths -------------------------------------------------------------------------------------

const RAW_IDS = ["", "%ED%A0%80", "%", "%zz", "..", "%2e%2e", "%2F", "a%2Fb", "x".repeat(5000), "%00", "'%20OR%201=1--", "%F0%9F%99%82", "null", "undefined", "__proto__", "constructor", "%20", "*", "%25", "1e309", "-0"];
const SUFFIXES = ["/", "//", "/x", "/..", "/.", "%20", ";x", "/%2e%2e/stats", "?", "#frag", ".json", "/index.html"];

export function hostilePath(operation: Operation, valid: fc.Arbitrary<RequestPlan>): fc.Arbitrary<RequestPlan> {
  const make = withKind("hostile-path");
  const parameters = pathParameterIndexes(operation).length;
  const id: fc.Arbitrary<PathPart> = fc.oneof(
    fc.constantFrom(...RAW_IDS).map((raw) => ({ raw })),
    fc.uuid().map((raw) => ({ raw })),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 16 }).map((s) => ({ raw: percentEncode(s) })),
    fc.constantFrom("sweep:validated", "unit:validated", "lease:other-live").map((ref) => ({ ref })),
  );
  const suffix = fc.constantFrom(...SUFFIXES).map((text) => (plan: RequestPlan) => make(plan, `path + ${JSON.stringify(text)}`, { suffix: text }));
  const replaced = fc.tuple(fc.nat(), id).map(([at, part]) => (plan: RequestPlan) => {
    const path = [...plan.path];
    path[at % parameters] = part;
    return make(plan, `path parameter ← ${"ref" in part ? part.ref : JSON.stringify(part.raw.slice(0, 40))}`, { path });
  });
  return fc.tuple(valid, parameters === 0 ? suffix : fc.oneof(replaced, replaced, suffix)).map(([plan, spoil]) => spoil(plan));
}

