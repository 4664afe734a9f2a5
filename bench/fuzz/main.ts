/**
 * npm run fuzz [-- --runs N --seed S --operation "POST /api/sweeps" --path P] — hostile requests to
 * every operation of the API's own OpenAPI document, against `wrangler dev` on a fresh local D1:
 * never a 5xx, never a partial row, every table's invariants intact afterwards (bench/fuzz/run.ts).
 *
 * Prints a table per operation (requests, 2xx, 4xx, 5xx, distinct error codes, how many valid
 * requests were accepted, replies off the document), every finding with its reproduction, the
 * invariant check, and as its last line one JSON object. Exits 1 on any finding or violation.
 *
 * It lives in bench/ because it is a measured run of the real server like bench:worker (a table and a
 * JSON line), and because it drives wrangler dev through bench/support/ (scripts/ may not import bench/).
 * Reproduce a finding: npm run fuzz -- --seed S --operation "<operation>" --path P --runs 1.
 */
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { startLocalWorker } from "../support/local-worker.js";
import { printTable } from "../support/timing.js";
import { FIXTURE_REQUEST, groupFindings, LAST_REQUEST, runFuzz, type FuzzReport } from "./run.js";

const USAGE = 'usage: npm run fuzz -- [--runs N] [--seed S] [--operation "POST /api/sweeps" …] [--path P]';

function options() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "100" }, seed: { type: "string" }, operation: { type: "string", multiple: true }, path: { type: "string" } }, strict: true });
  const runs = Number(values.runs);
  const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}\n${USAGE}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}\n${USAGE}`);
  if (values.path !== undefined && !/^\d+(:\d+)*$/.test(values.path)) throw new Error(`--path must be a fast-check path such as 17, got ${values.path}\n${USAGE}`);
  return { runs, seed, operations: values.operation, path: values.path };
}

let parsed;
try {
  parsed = options();
} catch (error) {
  console.error(`npm run fuzz: ${(error as Error).message}`);
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`${message}\n`);
log(`fuzz: seed ${parsed.seed}, ${parsed.runs} requests per operation; starting wrangler dev on a fresh local D1 …`);
const server = await startLocalWorker();
let report: FuzzReport;
try {
  report = await runFuzz(server, { ...parsed, progress: log });
} finally {
  await server.close();
}
printReport(report);
process.exit(report.findings.length > 0 || report.invariants.violations.length > 0 ? 1 : 0);

function printReport(r: FuzzReport) {
  console.log();
  printTable(
    ["operation", "requests", "2xx", "4xx", "5xx", "other", "error codes", "valid → 2xx", "off-spec", "skipped"],
    r.operations.map((o) => [o.operation, String(o.requests), String(o.status2xx), String(o.status4xx), String(o.status5xx), String(o.other), String(Object.keys(o.codes).length), `${o.valid2xx}/${o.valid}`, String(o.offSpec), String(o.skipped)]),
  );
  const total = (key: "requests" | "status2xx" | "status4xx" | "status5xx" | "other") => r.operations.reduce((n, o) => n + o[key], 0);
  console.log(`(${total("requests")} fuzzed requests and ${r.setupRequests} fixture requests in ${r.seconds.toFixed(1)} s; seed ${r.seed}; ${r.reloads} Worker reloads by edits in the tree, retried)`);
  const groups = groupFindings(r.findings);
  for (const { signature, count, operations, example: f } of groups) {
    console.log(`\nFINDING ${signature}\n  ${count} request${count > 1 ? "s" : ""} on ${operations.join(", ")}; the first (${f.kind}: ${f.note || "as generated"}):`);
    if (f.path === FIXTURE_REQUEST) console.log("  reproduce: any run (a request that builds the fixtures)");
    else console.log(`  reproduce: npm run fuzz -- --seed ${f.seed} --operation "${f.operation}" ${f.path === LAST_REQUEST ? "--runs 1 (every run ends with this request)" : `--path ${f.path} --runs 1`}`);
    console.log(indent(`request:\n${f.request}`));
    console.log(indent(`reply: ${f.reply}`));
    if (f.serverLog) console.log(indent(`server log:\n${f.serverLog.split("\n").slice(0, 14).join("\n")}`));
  }
  const offSpecKinds = new Map<string, number>();
  for (const o of r.offSpec) offSpecKinds.set(`${o.operation} → ${o.status} ${o.code ?? "(no error body)"}`, (offSpecKinds.get(`${o.operation} → ${o.status} ${o.code ?? "(no error body)"}`) ?? 0) + 1);
  if (offSpecKinds.size > 0) console.log(`\nreplies off the OpenAPI document (status not listed for the operation, or an error without { error: { code, message } }):\n${[...offSpecKinds].map(([k, n]) => `  ${k} ×${n}`).join("\n")}`);
  const inv = r.invariants;
  console.log(`\ninvariants: ${inv.checks} checks over ${Object.entries(inv.tables).map(([t, n]) => `${t} (${n})`).join(", ")}: ${inv.violations.length === 0 ? "all hold" : `${inv.violations.length} violated`}`);
  if (inv.genericOnly.length > 0) console.log(`  (only foreign keys and integrity checked for: ${inv.genericOnly.join(", ")})`);
  if (inv.unacknowledgedDuringReloads > 0) console.log(`  (${inv.unacknowledgedDuringReloads} stored rows had no reply: requests cut by a Worker reload)`);
  for (const v of inv.violations) console.log(`  VIOLATED: ${v.invariant}\n    ${JSON.stringify(v.rows).slice(0, 600)}`);
  console.log(
    JSON.stringify({
      seed: r.seed,
      runs_per_operation: r.runs,
      seconds: Math.round(r.seconds * 10) / 10,
      requests: total("requests"),
      fixture_requests: r.setupRequests,
      status_2xx: total("status2xx"),
      status_4xx: total("status4xx"),
      status_5xx: total("status5xx"),
      other: total("other"),
      worker_reloads: r.reloads,
      operations: r.operations.map((o) => ({ operation: o.operation, requests: o.requests, "2xx": o.status2xx, "4xx": o.status4xx, "5xx": o.status5xx, other: o.other, error_codes: o.codes, valid: o.valid, valid_2xx: o.valid2xx, off_spec: o.offSpec, skipped: o.skipped, by_kind: o.byKind })),
      findings: groups.map((g) => ({ signature: g.signature, count: g.count, operations: g.operations, example: { operation: g.example.operation, kind: g.example.kind, note: g.example.note, seed: g.example.seed, path: g.example.path } })),
      off_spec: Object.fromEntries(offSpecKinds),
      invariant_checks: inv.checks,
      invariant_violations: inv.violations.map((v) => v.invariant),
      tables: inv.tables,
    }),
  );
}

function indent(text: string): string {
  return text.replace(/^/gm, "    ");
}
