/**
 * Sweeps: POST /api/sweeps (admin) expands a grid into work units, ranked in coarse-to-fine leasing
 * order (coarse-to-fine.ts); GET /api/sweeps, /api/sweeps/:id and /api/sweeps/:id/units (no token:
 * researchers read them) report progress.
 *
 * Anyone can read a unit's results, so the params hashes of a unit still awaiting its quorum are
 * withheld (null): a volunteer who could read another's pending hash could post it without computing
 * and be counted valid. They are shown once the unit is validated or failed.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { requireAdmin } from "../auth.js";
import { coarseToFineRanks } from "../coarse-to-fine.js";
import type { AppEnv } from "../env.js";
import { ApiError, validationHook } from "../errors.js";
import { createSweepSchema, unitsQuerySchema } from "../schema.js";
import { expandGrid } from "../sweep-grid.js";
import { countedResultsSql, DETERMINISTIC_SQL, RESULT_STATUSES, type ResultStatus } from "../validation.js";

/** Largest units JSON one INSERT carries (D1 allows 2 MB per bound string). */
const UNIT_CHUNK_BYTES = 500_000;

/**
 * Per-sweep unit counts; every unit is in exactly one of the five states. `leased`: pending with a
 * live quorum lease; `awaitingQuorum`: pending, no live quorum lease, ≥1 quorum result still pending
 * validation; `pending`: neither. GPU leases and results, extras beside the quorum, do not move a
 * unit between these states (the sweep's `results` counts every result by status). Over the per-unit
 * subquery of sweepQuery.
 */
const COUNTS = `
  count(u.id) AS units,
  coalesce(sum(u.status = 'validated'), 0) AS validated,
  coalesce(sum(u.status = 'failed'), 0) AS failed,
  coalesce(sum(u.status = 'pending' AND u.live > 0), 0) AS leased,
  coalesce(sum(u.status = 'pending' AND u.live = 0 AND u.waiting > 0), 0) AS awaitingQuorum,
  coalesce(sum(u.status = 'pending' AND u.live = 0 AND u.waiting = 0), 0) AS pending`;

interface SweepRow {
  id: string;
  name: string;
  base_config: string;
  axes: string;
  seeds: string;
  quorum: number;
  gpu_replicas: number;
  phase_thresholds: string;
  created_at: number;
  units: number;
  validated: number;
  failed: number;
  leased: number;
  awaitingQuorum: number;
  pending: number;
}

/**
 * Sweeps with their unit counts; binds ?1 = now (a live lease past its deadline no longer counts).
 * `+l.deadline`: the unary plus keeps SQLite from looking live leases up by leases_live_deadline
 * (every live lease of every sweep, once per unit: 5 s for 10 000 units and 2000 live leases)
 * instead of by unit (leases_by_unit: 11 ms).
 */
function sweepQuery(where: string): string {
  return `
    SELECT s.*, ${COUNTS}
    FROM sweeps s
    LEFT JOIN (
      SELECT u.id, u.sweep_id, u.status,
        (SELECT count(*) FROM leases l WHERE l.unit_id = u.id AND l.status = 'live' AND +l.deadline > ?1 AND l.backend IN ${DETERMINISTIC_SQL}) AS live,
        (SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.status = 'pending' AND r.backend IN ${DETERMINISTIC_SQL}) AS waiting
      FROM units u
    ) u ON u.sweep_id = s.id
    ${where}
    GROUP BY s.id
    ORDER BY s.created_at DESC, s.id`;
}

function sweepSummary(row: SweepRow) {
  return {
    id: row.id,
    name: row.name,
    quorum: row.quorum,
    gpuReplicas: row.gpu_replicas,
    createdAt: row.created_at,
    units: row.units,
    counts: { pending: row.pending, leased: row.leased, awaitingQuorum: row.awaitingQuorum, validated: row.validated, failed: row.failed },
  };
}

export const sweeps = new Hono<AppEnv>()
  .post("/", requireAdmin, zValidator("json", createSweepSchema, validationHook), async (c) => {
    const body = c.req.valid("json");
    const units = expandGrid(body);
    const db = c.env.DB;
    const id = crypto.randomUUID();
    const now = Date.now();
    const statements = [
      db
        .prepare("INSERT INTO sweeps (id, name, base_config, axes, seeds, quorum, gpu_replicas, phase_thresholds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(id, body.name, JSON.stringify(body.baseConfig), JSON.stringify(body.axes), JSON.stringify(body.seeds), body.quorum, body.gpuReplicas, JSON.stringify(body.phase), now),
    ];
    // Units go in as JSON arrays (few statements, whatever the grid size), in grid order, each with its leasing rank.
    const ranks = coarseToFineRanks(body.axes.map((a) => a.values.length), body.seeds.length);
    const insertUnits =
      "INSERT INTO units (id, sweep_id, cell, seed, config, status, replicas_needed, lease_order, created_at) " +
      "SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.cell'), json_extract(value, '$.seed'), json_extract(value, '$.config'), 'pending', ?2, json_extract(value, '$.rank'), ?3 FROM json_each(?4) ORDER BY key";
    let chunk: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (chunk.length > 0) statements.push(db.prepare(insertUnits).bind(id, body.quorum, now, `[${chunk.join(",")}]`));
      chunk = [];
      bytes = 0;
    };
    for (const [index, unit] of units.entries()) {
      const json = JSON.stringify({ id: crypto.randomUUID(), cell: JSON.stringify(unit.cell), seed: unit.seed, rank: ranks[index], config: JSON.stringify(unit.config) });
      if (bytes + json.length > UNIT_CHUNK_BYTES) flush();
      chunk.push(json);
      bytes += json.length + 1;
    }
    flush();
    await db.batch(statements); // one transaction: the sweep and all its units, or nothing
    return c.json({ sweep: { id, name: body.name, units: units.length } }, 201);
  })
  .get("/", async (c) => {
    const { results } = await c.env.DB.prepare(sweepQuery("")).bind(Date.now()).all<SweepRow>();
    return c.json({ sweeps: results.map(sweepSummary) });
  })
  .get("/:id", async (c) => {
    const db = c.env.DB;
    const id = c.req.param("id");
    const [sweepRows, resultRows] = await db.batch([
      db.prepare(sweepQuery("WHERE s.id = ?2")).bind(Date.now(), id),
      db.prepare("SELECT r.status, count(*) AS n FROM results r JOIN units u ON u.id = r.unit_id WHERE u.sweep_id = ? GROUP BY r.status").bind(id),
    ]);
    const row = (sweepRows.results as unknown as SweepRow[])[0];
    if (!row) throw new ApiError(404, "sweep_not_found", `no sweep with id "${id}"`);
    const results = Object.fromEntries(RESULT_STATUSES.map((status) => [status, 0])) as Record<ResultStatus, number>;
    for (const r of resultRows.results as { status: ResultStatus; n: number }[]) results[r.status] = r.n;
    return c.json({
      sweep: {
        ...sweepSummary(row),
        baseConfig: JSON.parse(row.base_config),
        axes: JSON.parse(row.axes),
        seeds: JSON.parse(row.seeds),
        phase: JSON.parse(row.phase_thresholds),
        results,
      },
    });
  })
  .get("/:id/units", zValidator("query", unitsQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const id = c.req.param("id");
    const { limit, offset } = c.req.valid("query");
    const page = "SELECT id FROM units WHERE sweep_id = ?1 ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3";
    const [sweep, units, leases, results] = await db.batch([
      db.prepare("SELECT id FROM sweeps WHERE id = ?").bind(id),
      db
        .prepare(
          `SELECT id, cell, seed, config, status, replicas_needed, validated_hash, validated_result_id, ${countedResultsSql("units.id")} AS counted_results
           FROM units WHERE id IN (${page}) ORDER BY created_at, rowid`,
        )
        .bind(id, limit, offset),
      db.prepare(`SELECT id, unit_id, client_id, backend, status, deadline, progress_step, progress, created_at FROM leases WHERE unit_id IN (${page}) ORDER BY created_at, id`).bind(id, limit, offset),
      db.prepare(`SELECT id, unit_id, client_id, lease_id, backend, engine_version, params_hash, status, flops, created_at FROM results WHERE unit_id IN (${page}) ORDER BY created_at, id`).bind(id, limit, offset),
    ]);
    if (sweep.results.length === 0) throw new ApiError(404, "sweep_not_found", `no sweep with id "${id}"`);
    const byUnit = <T extends { unit_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) map.set(row.unit_id, [...(map.get(row.unit_id) ?? []), row]);
      return map;
    };
    const leasesOf = byUnit(leases.results as any[]);
    const resultsOf = byUnit(results.results as any[]);
    return c.json({
      units: (units.results as any[]).map((u) => ({
        id: u.id,
        cell: JSON.parse(u.cell),
        seed: u.seed,
        config: JSON.parse(u.config),
        status: u.status,
        replicasNeeded: u.replicas_needed,
        countedResults: u.counted_results,
        validatedHash: u.validated_hash,
        validatedResultId: u.validated_result_id,
        leases: (leasesOf.get(u.id) ?? []).map((l) => ({
          id: l.id,
          clientId: l.client_id,
          backend: l.backend,
          status: l.status,
          deadline: l.deadline,
          progressStep: l.progress_step,
          progress: l.progress === null ? null : JSON.parse(l.progress),
          createdAt: l.created_at,
        })),
        results: (resultsOf.get(u.id) ?? []).map((r) => ({
          id: r.id,
          clientId: r.client_id,
          leaseId: r.lease_id,
          backend: r.backend,
          engineVersion: r.engine_version,
          paramsHash: u.status === "pending" ? null : r.params_hash,
          status: r.status,
          flops: r.flops,
          createdAt: r.created_at,
        })),
      })),
    });
  });
