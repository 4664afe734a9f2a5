/**
 * One fuzz run against a live server: reads its OpenAPI document, builds the fixtures, sends
 * `runs` generated requests to every operation (fast-check, one seed for all; request i of an
 * operation is replayed by that seed and path "i"), records each reply, and finally checks the
 * invariants over every table. A 5xx, or no reply at all, is a finding with everything needed to
 * reproduce it: the operation, seed and path, the request as sent, the reply and the server's log.
 */
import fc from "fast-check";
import { checkInvariants, type InvariantReport, type Sql } from "./invariants.js";
import { SchemaArbitraries } from "./json-schema-arbitrary.js";
import { materialize } from "./materialize.js";
import { fetchDocument, operationsOf, type OpenApiDocument, type Operation } from "./openapi-operations.js";
import { chunkedBodyPlan, planArbitrary } from "./plans.js";
import type { PlanKind, RequestPlan } from "./request-plan.js";
import { closeConnections } from "./send.js";
import { ServerLink, type Acknowledged, type Answer, type Server } from "./server-link.js";
import { SetupError, World } from "./world.js";

export interface FuzzOptions {
  /** Requests per operation. */
  runs: number;
  seed: number;
  /** Only the operations whose key ("POST /api/sweeps") is listed. */
  operations?: string[];
  /** Replay from this fast-check path (with runs = 1: exactly that request). */
  path?: string;
  progress?: (message: string) => void;
}

export interface OperationStats {
  operation: string;
  requests: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  /** Any other status (1xx, 3xx), or no reply. */
  other: number;
  /** Error codes (`error.code`) seen, with counts. */
  codes: Record<string, number>;
  /** Valid requests, and how many of them the API accepted (2xx): how deep the fuzzing reached. */
  valid: number;
  valid2xx: number;
  /** Requests not sent: a fixture they needed could not be made. */
  skipped: number;
  /** Replies off the document: a status it does not list for the operation, or an error without the documented error body. */
  offSpec: number;
  byKind: Partial<Record<PlanKind, number>>;
}

/** The path of a finding from the chunked GET sent at the end of every run (not a fast-check path). */
export const LAST_REQUEST = "last";
/** The path of a finding from a request that built the fixtures (every run makes them). */
export const FIXTURE_REQUEST = "fixtures";

export interface Finding {
  operation: string;
  seed: number;
  path: string;
  kind: PlanKind;
  note: string;
  status: number;
  request: string;
  reply: string;
  serverLog: string;
}

export interface OffSpecExample {
  operation: string;
  status: number;
  code: string | null;
  note: string;
  seed: number;
  path: string;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  operations: OperationStats[];
  findings: Finding[];
  offSpec: OffSpecExample[];
  invariants: InvariantReport;
  /** The rows the API acknowledged storing (what the invariant check compared the tables with). */
  acknowledged: Acknowledged;
  setupRequests: number;
  reloads: number;
  unansweredWrites: number;
  seconds: number;
}

/** The server as runFuzz drives it: requests while it serves, then stop() and the tables read through sql(). */
export type FuzzedServer = Server & { sql: Sql; stop(): Promise<void> };

export async function runFuzz(server: FuzzedServer, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const say = options.progress ?? (() => {});
  const link = new ServerLink(server);
  try {
    const document = await fetchDocument(server.origin);
    const operations = operationsOf(document).filter((op) => !options.operations || options.operations.includes(op.key));
    if (options.operations && operations.length !== options.operations.length) {
      throw new Error(`unknown operation in ${JSON.stringify(options.operations)}; the document has ${operationsOf(document).map((op) => op.key).join(", ")}`);
    }
    say("fixtures: volunteers, a validated unit (a real engine result), a pending grid …");
    const world = await World.create(link);
    const context = { schemas: new SchemaArbitraries(document.components.schemas), components: document.components.schemas, ...documentedLimits(document) };
    const stats: OperationStats[] = [];
    const findings: Finding[] = world.setupFailures.map(({ request, answer }) => finding(request, options, FIXTURE_REQUEST, "valid", "a fixture request", answer.status, request, answer));
    const offSpec: OffSpecExample[] = [];
    const recorder = (operation: Operation, plan: RequestPlan, path: string): Recorder => ({
      say,
      finding: (status, request, answer) => findings.push(finding(operation.key, options, path, plan.kind, plan.note, status, request, answer)),
      offSpec: (example) => offSpec.push({ ...example, seed: options.seed, path }),
    });
    for (const operation of operations) {
      say(`${operation.key}: ${options.runs} requests …`);
      const operationStart = Date.now();
      const stat = emptyStats(operation.key);
      stats.push(stat);
      const firstRun = options.path === undefined ? 0 : Number(options.path.split(":")[0]);
      let run = 0;
      const property = fc.asyncProperty(planArbitrary(operation, context), async (plan) => {
        await exercise(operation, plan, world, stat, recorder(operation, plan, String(firstRun + run++)));
        return true;
      });
      const details = await fc.check(property, { seed: operationSeed(options.seed, operation.key), numRuns: options.runs, path: options.path, endOnFailure: true });
      // The property never fails on the server's account: a failure here is the fuzzer's own error.
      if (details.failed) throw new Error(`fuzzing ${operation.key} broke: ${details.errorInstance ?? "unknown error"} (seed ${options.seed}, path ${details.counterexamplePath})`);
      say(`  ${stat.requests} sent in ${((Date.now() - operationStart) / 1000).toFixed(1)} s`);
    }
    // Last, since the local proxy may answer the request after it wrongly (hostile-requests.ts).
    const get = operations.find((op) => op.method === "GET");
    if (get && options.path === undefined) {
      say(`${get.key}: one request with a chunked body …`);
      const [plan] = fc.sample(chunkedBodyPlan(get, context), { seed: operationSeed(options.seed, get.key), numRuns: 1 });
      await exercise(get, plan, world, stats.find((st) => st.operation === get.key)!, recorder(get, plan, LAST_REQUEST));
    }
    say("invariants over every table (the server stopped) …");
    await server.stop();
    const invariants = await checkInvariants(server.sql, link.acknowledged, link.unansweredWrites);
    return {
      seed: options.seed,
      runs: options.runs,
      operations: stats,
      findings,
      offSpec,
      invariants,
      acknowledged: link.acknowledged,
      setupRequests: world.setupRequests,
      reloads: link.reloads,
      unansweredWrites: link.unansweredWrites,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    closeConnections();
  }
}

/** Where a request's outcome goes: progress lines, findings, replies off the document. */
interface Recorder {
  say(message: string): void;
  finding(status: number, request: string, answer: Answer): void;
  offSpec(example: Omit<OffSpecExample, "seed" | "path">): void;
}

/** A request slower than this is mentioned in the progress log (a hung connection shows up there). */
const SLOW_SECONDS = 5;

async function exercise(operation: Operation, plan: RequestPlan, world: World, stat: OperationStats, record: Recorder) {
  stat.byKind[plan.kind] = (stat.byKind[plan.kind] ?? 0) + 1;
  let materialized;
  try {
    materialized = await materialize(operation, plan, world);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    stat.skipped++;
    return;
  }
  const sent = Date.now();
  const answer = await world.link.send(materialized.request);
  const seconds = (Date.now() - sent) / 1000;
  if (seconds > SLOW_SECONDS) record.say(`  slow: ${seconds.toFixed(1)} s for ${plan.kind} ${plan.note} → ${answer.status}`);
  const { status } = answer;
  stat.requests++;
  if (status >= 200 && status < 300) stat.status2xx++;
  else if (status >= 400 && status < 500) stat.status4xx++;
  else if (status >= 500) stat.status5xx++;
  else stat.other++;
  if (plan.kind === "valid") {
    stat.valid++;
    if (status >= 200 && status < 300) stat.valid2xx++;
  }
  const code: string | null = typeof answer.json?.error?.code === "string" ? answer.json.error.code : null;
  if (code !== null) stat.codes[code] = (stat.codes[code] ?? 0) + 1;
  if (status >= 500 || status === 0) record.finding(status, materialized.text, answer);
  if (isOffSpec(operation, plan, answer, code)) {
    stat.offSpec++;
    record.offSpec({ operation: operation.key, status, code, note: plan.note || plan.kind });
  }
}

/**
 * A reply the document does not describe: a status not listed for the operation (a request whose path
 * was made hostile may land on another route or none: its 404 not_found is expected), or an error
 * status without the documented `{ error: { code, message } }` body.
 */
function isOffSpec(operation: Operation, plan: RequestPlan, answer: Answer, code: string | null): boolean {
  if (answer.status === 0 || answer.status >= 500) return false; // findings already
  // Headers too large: the HTTP front end answers (wrangler's proxy here, Cloudflare's edge deployed) before the Worker runs.
  if (answer.status === 431) return false;
  if (answer.status >= 400 && (code === null || typeof answer.json?.error?.message !== "string")) return true;
  if (plan.kind === "hostile-path") return false;
  return !operation.statuses.includes(answer.status) && !(answer.status === 404 && code === "not_found");
}

function finding(operation: string, options: FuzzOptions, path: string, kind: PlanKind, note: string, status: number, request: string, answer: Answer): Finding {
  const log = answer.serverLog
    .replace(/\x1b\[[0-9;]*m/g, "") // wrangler's colours
    .split("\n")
    .filter((line) => line.trim() !== "" && !/^\[wrangler:info\]/.test(line))
    .slice(0, 40)
    .join("\n");
  const reply = status === 0 ? `no reply: ${answer.transportError}` : `${status} ${answer.text.slice(0, 500)}`;
  return { operation, seed: options.seed, path, kind, note, status, request, reply, serverLog: log };
}

export interface FindingGroup {
  /** The status and the server's first error line (or the reply), shared by its findings. */
  signature: string;
  count: number;
  operations: string[];
  /** The first of them, to reproduce. */
  example: Finding;
}

/** Findings with the same status and server error together: one cause usually shows on many requests. */
export function groupFindings(findings: Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const signature = signatureOf(f);
    const group = groups.get(signature) ?? { signature, count: 0, operations: [], example: f };
    group.count++;
    if (!group.operations.includes(f.operation)) group.operations.push(f.operation);
    groups.set(signature, group);
  }
  return [...groups.values()];
}

function signatureOf(f: Finding): string {
  const error = f.serverLog.split("\n").find((line) => /ERROR|Error:|Exception/.test(line));
  const cause = error ? error.replace(/^.*?\[ERROR\]\s*/, "").trim() : f.reply.slice(0, 160);
  return `${f.status === 0 ? "no reply" : f.status}: ${cause}`;
}

function emptyStats(operation: string): OperationStats {
  return { operation, requests: 0, status2xx: 0, status4xx: 0, status5xx: 0, other: 0, codes: {}, valid: 0, valid2xx: 0, skipped: 0, offSpec: 0, byKind: {} };
}

/**
 * Each operation's own seed from the run's, so operations do not all draw the same sequence of
 * request kinds; from the operation's key, so a run limited to one operation draws what the full run did.
 */
export function operationSeed(seed: number, key: string): number {
  let hash = seed >>> 0;
  for (const char of key) hash = (Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0);
  return hash | 0;
}

/** The limits the document states in its errors' descriptions: "request body over N bytes" (else 1 MiB), "nested more than N levels". */
function documentedLimits(document: OpenApiDocument): { bodyLimit: number; depthLimit: number | null } {
  const text = JSON.stringify(document.paths);
  const size = /body over (\d+) bytes/.exec(text);
  const depth = /nested more than (\d+) levels/.exec(text);
  return { bodyLimit: size ? Number(size[1]) : 1 << 20, depthLimit: depth ? Number(depth[1]) : null };
}
