// A bounded `npm run fuzz` (bench/fuzz/) inside the suite: a fixed seed, a dozen generated requests per
// operation of the live OpenAPI document against wrangler dev on a fresh local D1, then the invariants.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants } from "../../bench/fuzz/invariants.js";
import { PLAN_KINDS } from "../../bench/fuzz/request-plan.js";
import { groupFindings, runFuzz, type FuzzReport } from "../../bench/fuzz/run.js";
import { startLocalWorker, type LocalWorker } from "../../bench/support/local-worker.js";

const RUNS = 12;
const SEED = 20261203;

let server: LocalWorker;
let report: FuzzReport;
beforeAll(async () => {
  server = await startLocalWorker();
  report = await runFuzz(server, { runs: RUNS, seed: SEED });
}, 180_000);
afterAll(() => server?.close());

describe("fuzz: generated requests to every operation of the OpenAPI document", () => {
  it("reaches every operation with valid and hostile requests, and the valid ones get through", () => {
    const operations = report.operations.map((o) => o.operation);
    for (const needed of ["POST /api/sweeps", "POST /api/clients", "POST /api/leases", "POST /api/leases/{id}/progress", "POST /api/leases/{id}/result", "GET /api/openapi.json"]) expect(operations).toContain(needed);
    for (const o of report.operations) expect(o.requests + o.skipped, o.operation).toBeGreaterThanOrEqual(RUNS);
    const kinds = new Set(report.operations.flatMap((o) => Object.keys(o.byKind)));
    expect([...kinds].sort()).toEqual([...PLAN_KINDS].sort());
    const valid = report.operations.reduce((n, o) => n + o.valid, 0);
    const accepted = report.operations.reduce((n, o) => n + o.valid2xx, 0);
    expect(accepted, `${accepted} of ${valid} valid requests accepted`).toBeGreaterThan(valid / 2);
  });

  it("never answers with a 5xx, nor not at all", () => {
    const described = groupFindings(report.findings).map(({ signature, count, operations, example }) => `${signature}\n  ×${count} on ${operations.join(", ")}; e.g. path ${example.path}:\n${example.request}\n  → ${example.reply}`);
    expect(described).toEqual([]);
  });

  it("leaves every table consistent: no orphan, no partial sweep, no row the API did not acknowledge", () => {
    expect(report.invariants.violations).toEqual([]);
    expect(report.invariants.tables.results).toBeGreaterThan(0);
  });

  it("would notice a partial sweep: one whose grid implies two units, stored with one", async () => {
    const [[unit]] = await server.sql("SELECT sweep_id, config FROM units LIMIT 1");
    const sweep = "fuzz-partial-sweep";
    await server.sql(
      `INSERT INTO sweeps (id, name, base_config, axes, seeds, quorum, phase_thresholds, created_at) SELECT '${sweep}', 'partial', base_config, '[]', '[0,1]', 2, phase_thresholds, 0 FROM sweeps WHERE id = '${unit.sweep_id}';` +
        `INSERT INTO units (id, sweep_id, cell, seed, config, status, replicas_needed, created_at) VALUES ('fuzz-partial-unit', '${sweep}', '[]', 0, json_set('${String(unit.config).replace(/'/g, "''")}', '$.seed', 0), 'pending', 2, 0)`,
    );
    const { violations } = await checkInvariants(server.sql, report.acknowledged, report.unansweredWrites);
    expect(violations.map((v) => [v.invariant.split(":")[0], JSON.stringify(v.rows)])).toEqual([
      ["never a partial row", expect.stringContaining(sweep)],
      ["sweeps", JSON.stringify([sweep])],
    ]);
  });
});
