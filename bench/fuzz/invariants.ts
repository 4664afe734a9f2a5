/**
 * After a fuzz run: what must hold over every table of the server's D1, whatever was sent.
 *
 * In SQL (sql-invariants.ts): every foreign key, and the rows each references; a result's lease is for
 * its unit and client, and completed; a completed lease has its result; unit states agree with their
 * results (a validated unit's hash is its validated result's, agreed by at least its quorum of valid
 * results; a pending unit has no verdicts yet; a failed one no valid result); no unit over-leased.
 *
 * Here, over the rows: every JSON column holds what its schema says (results' summary, curves and
 * meta the engine's run-result schemas, units' configs the run-config schema, progress a curve point,
 * capabilities the registration's fields); a result agrees with itself and its config; "never a
 * partial row": each sweep has exactly the units its grid implies (axes' cartesian product × seeds,
 * each unit's config carrying its cell and seed); and every row of sweeps, clients, leases and
 * results is one the API acknowledged with a 2xx naming it, and every one it acknowledged is there.
 */
import { isDeepStrictEqual } from "node:util";
import { runConfigSchema } from "../../src/config/run-config.js";
import { curvePointSchema, runMetaSchema, runSummarySchema } from "../../src/config/run-result.js";
import type { Acknowledged } from "./server-link.js";
import { SQL_INVARIANTS } from "./sql-invariants.js";

export interface Violation {
  invariant: string;
  /** Up to a few offending rows or ids, as JSON. */
  rows: unknown[];
}

export interface InvariantReport {
  violations: Violation[];
  /** Rows per table. */
  tables: Record<string, number>;
  /** Checks that ran (SQL and row checks). */
  checks: number;
  /** Tables that only the generic checks (foreign keys, integrity) covered. */
  genericOnly: string[];
  /** Rows stored without a reply, within what Worker reloads can explain (not violations). */
  unacknowledgedDuringReloads: number;
}

export type Sql = (statements: string) => Promise<Record<string, unknown>[][]>;

/** Tables the row checks below read. */
const KNOWN_TABLES = ["sweeps", "units", "clients", "leases", "results"];
const SAMPLE = 5;

export async function checkInvariants(sql: Sql, acknowledged: Acknowledged, unansweredWrites: number): Promise<InvariantReport> {
  // Every table's columns in one query (each wrangler d1 execute costs seconds).
  const [columnRows] = await sql(
    "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND m.name <> 'd1_migrations' ORDER BY m.name",
  );
  const columns = new Map<string, Set<string>>();
  for (const { tbl, col } of columnRows) columns.set(String(tbl), (columns.get(String(tbl)) ?? new Set()).add(String(col)));
  const tables = [...columns.keys()];
  const hasColumn = (table: string, column: string) => columns.get(table)?.has(column) ?? false;
  const has = (needs: Record<string, string[]>) => Object.entries(needs).every(([t, cols]) => cols.every((c) => hasColumn(t, c)));

  // Only the checks whose tables and columns exist (other parts may add or not yet have added some).
  const checks = SQL_INVARIANTS.filter((check) => has(check.needs));
  const counts = tables.map((t) => `SELECT count(*) AS n FROM "${t}"`);
  const queries = checks.map((c) => (typeof c.sql === "string" ? c.sql : c.sql(hasColumn)).trim());
  const results = await sql([...queries.map((q) => `${q} LIMIT ${SAMPLE}`), "PRAGMA foreign_key_check", "PRAGMA quick_check", ...counts, ...ROW_QUERIES].join(";\n"));
  const violations: Violation[] = [];
  checks.forEach((check, i) => results[i].length > 0 && violations.push({ invariant: check.name, rows: results[i] }));
  const foreignKeys = results[checks.length];
  if (foreignKeys.length > 0) violations.push({ invariant: "PRAGMA foreign_key_check: every foreign key refers to an existing row", rows: foreignKeys.slice(0, SAMPLE) });
  const integrity = results[checks.length + 1];
  if (integrity.length !== 1 || integrity[0].quick_check !== "ok") violations.push({ invariant: "PRAGMA quick_check is ok (D1 does not allow integrity_check)", rows: integrity.slice(0, SAMPLE) });
  const tableCounts = Object.fromEntries(tables.map((t, i) => [t, Number(results[checks.length + 2 + i][0].n)]));

  const [sweeps, units, clients, leases, resultRows] = results.slice(-ROW_QUERIES.length);
  const rows = { sweeps, units, clients, leases, results: resultRows } as unknown as Rows;
  const rowChecks = [...rowInvariants(rows)];
  for (const { invariant, bad } of rowChecks) if (bad.length > 0) violations.push({ invariant, rows: bad.slice(0, SAMPLE) });
  const { violations: ackViolations, explained } = acknowledgements(rows, acknowledged, unansweredWrites);
  violations.push(...ackViolations);
  return {
    violations,
    tables: tableCounts,
    checks: checks.length + 2 + rowChecks.length + 4,
    genericOnly: tables.filter((t) => !KNOWN_TABLES.includes(t) && !checks.some((c) => t in c.needs)),
    unacknowledgedDuringReloads: explained,
  };
}

interface Rows {
  sweeps: { id: string; base_config: string; axes: string; seeds: string }[];
  units: { id: string; sweep_id: string; cell: string; seed: number; config: string }[];
  clients: { id: string; capabilities: string }[];
  leases: { id: string; unit_id: string; progress: string | null; progress_step: number | null }[];
  results: { id: string; unit_id: string; summary: string; curves: string; meta: string; timings: string }[];
}

/** The rows the row checks read, in the order of Rows' fields. */
const ROW_QUERIES = [
  "SELECT id, base_config, axes, seeds FROM sweeps",
  "SELECT id, sweep_id, cell, seed, config FROM units ORDER BY sweep_id, rowid",
  "SELECT id, capabilities FROM clients",
  "SELECT id, unit_id, progress, progress_step FROM leases",
  "SELECT id, unit_id, summary, curves, meta, timings FROM results",
];

function parse(text: string | null): unknown {
  try {
    return text === null ? null : JSON.parse(text);
  } catch {
    return Symbol.for("not JSON");
  }
}

const ok = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

function* rowInvariants(rows: Rows): Generator<{ invariant: string; bad: unknown[] }> {
  const configOf = new Map(rows.units.map((u) => [u.id, parse(u.config) as { steps?: number }]));

  yield {
    invariant: "results: summary, curves and meta are what the run-result schemas accept; timings an object with a finite wallSeconds ≥ 0",
    bad: rows.results.filter((r) => {
      const curves = parse(r.curves);
      const timings = parse(r.timings) as { wallSeconds?: unknown };
      const wall = timings?.wallSeconds;
      return !(ok(runSummarySchema, parse(r.summary)) && Array.isArray(curves) && curves.length > 0 && curves.every((p) => ok(curvePointSchema, p)) && ok(runMetaSchema, parse(r.meta)) && typeof wall === "number" && Number.isFinite(wall) && wall >= 0);
    }).map((r) => r.id),
  };
  yield {
    invariant: "results agree with themselves and their unit's config: curves from step 0 strictly up to summary.stepsRun ≤ config.steps, summary.final the last point",
    bad: rows.results.filter((r) => {
      const curves = parse(r.curves) as { step: number }[];
      const summary = parse(r.summary) as { stepsRun: number; final: unknown };
      if (!Array.isArray(curves) || curves.length === 0 || typeof summary !== "object" || summary === null) return true;
      const last = curves[curves.length - 1];
      const steps = configOf.get(r.unit_id)?.steps ?? Infinity;
      return curves[0].step !== 0 || curves.some((p, i) => i > 0 && !(p.step > curves[i - 1].step)) || last.step !== summary.stepsRun || summary.stepsRun > steps || !isDeepStrictEqual(summary.final, last);
    }).map((r) => r.id),
  };
  yield {
    invariant: "units: config is a run config in its parsed form (defaults filled), its seed the unit's seed; cell a JSON array",
    bad: rows.units.filter((u) => {
      const config = parse(u.config) as { seed?: unknown };
      const parsed = runConfigSchema.safeParse(config);
      return !parsed.success || !isDeepStrictEqual(parsed.data, config) || config.seed !== u.seed || !Array.isArray(parse(u.cell));
    }).map((u) => u.id),
  };
  yield { invariant: "never a partial row: each sweep has exactly the units its grid implies (axes' values × seeds), each unit's config set by its cell", bad: gridViolations(rows) };
  yield {
    invariant: "leases: progress is null or a curve point, progress_step null or within the unit's steps",
    bad: rows.leases.filter((l) => !(l.progress === null || ok(curvePointSchema, parse(l.progress))) || (l.progress_step !== null && !(l.progress_step >= 0 && l.progress_step <= (configOf.get(l.unit_id)?.steps ?? Infinity)))).map((l) => l.id),
  };
  yield {
    invariant: "clients: capabilities hold the registration's fields (simd, threads, webgpu booleans; cores an integer 1–1024; userAgent a string ≤ 500)",
    bad: rows.clients.filter((c) => {
      const k = parse(c.capabilities) as Record<string, unknown>;
      return !(typeof k === "object" && k !== null && typeof k.simd === "boolean" && typeof k.threads === "boolean" && typeof k.webgpu === "boolean" && Number.isInteger(k.cores) && (k.cores as number) >= 1 && (k.cores as number) <= 1024 && typeof k.userAgent === "string" && k.userAgent.length <= 500);
    }).map((c) => c.id),
  };
}

type Axis = { path: string; values: unknown[] };

function gridViolations(rows: Rows): unknown[] {
  const unitsOf = new Map<string, Rows["units"]>();
  for (const unit of rows.units) unitsOf.set(unit.sweep_id, [...(unitsOf.get(unit.sweep_id) ?? []), unit]);
  const bad: unknown[] = [];
  for (const sweep of rows.sweeps) {
    const axes = parse(sweep.axes) as Axis[];
    const seeds = parse(sweep.seeds) as number[];
    const units = unitsOf.get(sweep.id) ?? [];
    if (!Array.isArray(axes) || !Array.isArray(seeds) || typeof parse(sweep.base_config) !== "object") {
      bad.push({ sweep: sweep.id, problem: "axes, seeds or base_config is not the JSON it should be" });
      continue;
    }
    const expected = cartesian(axes.map((a) => a.values)).flatMap((cell) => seeds.map((seed) => key(cell, seed)));
    const actual = units.map((u) => key(parse(u.cell) as unknown[], u.seed));
    if (!sameMultiset(expected, actual)) {
      bad.push({ sweep: sweep.id, problem: `${units.length} units for a grid of ${expected.length}` });
      continue;
    }
    const misplaced = units.find((u) => {
      const config = parse(u.config);
      const cell = parse(u.cell) as unknown[];
      return axes.some((axis, i) => !isDeepStrictEqual(valueAt(config, axis.path), cell[i]));
    });
    if (misplaced) bad.push({ sweep: sweep.id, unit: misplaced.id, problem: "a config field set by an axis differs from the unit's cell" });
  }
  return bad;
}

const key = (cell: unknown[], seed: number) => JSON.stringify([cell, seed]);

function sameMultiset(a: string[], b: string[]): boolean {
  return a.length === b.length && isDeepStrictEqual([...a].sort(), [...b].sort());
}

function valueAt(tree: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, k) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[k] : undefined), tree);
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((cells, values) => cells.flatMap((cell) => values.map((v) => [...cell, v])), [[]]);
}

/** Stored rows against acknowledged ones, both ways; unacknowledged rows up to the replies reloads swallowed are only counted. */
function acknowledgements(rows: Rows, acknowledged: Acknowledged, unansweredWrites: number): { violations: Violation[]; explained: number } {
  const violations: Violation[] = [];
  let unexplained = 0;
  const unacknowledged: Record<string, string[]> = {};
  for (const table of ["sweeps", "clients", "leases", "results"] as const) {
    const stored = new Set(rows[table].map((r) => r.id));
    const missing = [...acknowledged[table]].filter((id) => !stored.has(id));
    if (missing.length > 0) violations.push({ invariant: `${table}: every row the API acknowledged (2xx naming its id) is stored`, rows: missing.slice(0, SAMPLE) });
    unacknowledged[table] = [...stored].filter((id) => !acknowledged[table].has(id));
    unexplained += unacknowledged[table].length;
  }
  if (unexplained > unansweredWrites) {
    for (const [table, ids] of Object.entries(unacknowledged)) {
      if (ids.length > 0) violations.push({ invariant: `${table}: every stored row was acknowledged to its client (no row from a request that failed)`, rows: ids.slice(0, SAMPLE) });
    }
    return { violations, explained: 0 };
  }
  return { violations, explained: unexplained };
}
