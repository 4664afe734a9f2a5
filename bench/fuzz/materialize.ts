/**
 * A request plan made concrete: fixture references resolved to ids (a live lease made on the spot),
 * token placeholders to tokens (some signed here with the server's key, to test how the server reads
 * what it signed), the body serialised, edited and put on the wire as planned.
 */
import { randomUUID } from "node:crypto";
import { INVALID_UTF8_MARKER, percentEncode } from "./hostile-requests.js";
import { describe, mutate, serialize, setAt, type JsonTree } from "./json-text.js";
import type { Operation } from "./openapi-operations.js";
import type { BodyPlan, QueryValue, RequestPlan, Wire } from "./request-plan.js";
import type { RawRequest } from "./send.js";
import type { World } from "./world.js";

export interface Materialized {
  request: RawRequest;
  /** The request as a person reads it: method, target, headers and body, long parts cut. */
  text: string;
}

const DAY_MS = 24 * 3600 * 1000;

export async function materialize(operation: Operation, plan: RequestPlan, world: World): Promise<Materialized> {
  // The sender, then references (a fresh live lease may hand the acting role to another volunteer), then the headers that carry its token.
  if (plan.actor === "fresh") await world.freshActor();
  let index = 0;
  const segments: string[] = [];
  for (const segment of operation.segments) {
    if (!segment.startsWith("{")) segments.push(segment);
    else {
      const part = plan.path[index++];
      segments.push("ref" in part ? percentEncode(await world.resolve(part.ref)) : part.raw);
    }
  }
  const pairs: string[] = [];
  for (const { key, value } of plan.query) pairs.push(value === null ? key : `${key}=${await queryText(value, world)}`);
  const target = `/${segments.join("/")}${plan.suffix}${pairs.length > 0 ? `?${pairs.join("&")}` : ""}`;
  const headers = plan.headers.map(([name, value]): [string, string] => [name, fillPlaceholders(value, world)]);
  const body = plan.body ? bodyOf(plan.body, world) : undefined;
  const request: RawRequest = { method: operation.method, target, headers, body: body?.bytes, chunked: plan.chunked };
  const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text);
  const lines = [`${operation.method} ${cut(target, 300)}`, ...headers.map(([n, v]) => `${n}: ${cut(v, 120)}`)];
  if (body) lines.push(`body (${body.bytes.length} bytes${plan.chunked ? ", chunked" : ""}${body.wire}): ${body.summary}`);
  return { request, text: lines.join("\n") };
}

async function queryText(value: QueryValue, world: World): Promise<string> {
  if ("ref" in value) return percentEncode(await world.resolve(value.ref));
  return "text" in value ? percentEncode(value.text) : value.raw;
}

/** Fills the header placeholders (request-plan.ts lists them). */
export function fillPlaceholders(template: string, world: World): string {
  const now = Date.now();
  const { adminToken } = world.link.server;
  const acting = world.actingVolunteer;
  const other = world.otherVolunteer;
  const simple: Record<string, () => string> = {
    ADMIN: () => adminToken,
    ADMIN_TWEAKED: () => adminToken.slice(0, -1) + (adminToken.endsWith("0") ? "1" : "0"),
    ADMIN_SHORT: () => adminToken.slice(0, -1),
    CLIENT: () => acting.token,
    CLIENT_ID: () => acting.clientId,
    ADDRESS: () => acting.address,
    OTHER: () => other.token,
    OTHER_ID: () => other.clientId,
    UUID: () => randomUUID(),
    NEXT_DAY: () => String(now + DAY_MS),
    PAST_DAY: () => String(now - DAY_MS),
    PAST_60_DAYS: () => String(now - 60 * DAY_MS),
  };
  const filled = template.replace(/\$\{([A-Z_0-9]+)\}/g, (whole, name: string) => simple[name]?.() ?? whole);
  return filled.replace(/\$\{(SIGN|SIGN_UPPER|NET):([^}]*)\}/g, (_, kind: string, argument: string) => {
    if (kind === "NET") return `10.250.${Number(argument) & 255}.9`;
    const signature = world.sign(argument);
    return kind === "SIGN" ? signature : signature.toUpperCase();
  });
}

function bodyOf(plan: BodyPlan, world: World): { bytes: Uint8Array; summary: string; wire: string } {
  // The real submission as plain JSON (what a client would have serialised).
  let tree: JsonTree = "submission" in plan.base ? (JSON.parse(JSON.stringify(world.validSubmission())) as JsonTree) : plan.base.tree;
  const notes: string[] = [];
  if (plan.overlay) {
    tree = setAt(tree, plan.overlay.path, plan.overlay.tree);
    notes.push(`${plan.overlay.path.join(".")} drawn from its schema`);
  }
  if (plan.mutation) {
    const { tree: mutated, where } = mutate(tree, plan.mutation);
    tree = mutated;
    notes.push(`${plan.mutation.op} at ${where}`);
  }
  const text = serialize(tree);
  const bytes = onTheWire(text, plan.wire);
  return { bytes, summary: `${notes.length > 0 ? `[${notes.join("; ")}] ` : ""}${describe(tree)}`, wire: plan.wire.kind === "utf8" ? "" : `, ${plan.wire.kind}` };
}

function onTheWire(text: string, wire: Wire): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  switch (wire.kind) {
    case "utf8":
      return utf8;
    case "pad": {
      if (utf8.length >= wire.size) return utf8;
      const padded = new Uint8Array(wire.size).fill(0x20);
      padded.set(utf8);
      return padded;
    }
    case "invalid-utf8": {
      const marker = Buffer.from(INVALID_UTF8_MARKER);
      const at = Buffer.from(utf8).indexOf(marker);
      if (at < 0) return Buffer.concat([utf8, Buffer.from(wire.bytes)]);
      return Buffer.concat([utf8.subarray(0, at), Buffer.from(wire.bytes), utf8.subarray(at + marker.length)]);
    }
    case "bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    case "utf16le":
      return Buffer.from(text, "utf16le");
    case "truncate":
      return utf8.subarray(0, Math.floor(utf8.length * wire.keep));
    case "append":
      return new TextEncoder().encode(text + wire.text);
  }
}
