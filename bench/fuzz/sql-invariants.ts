/**
 * The invariants checkable in one SQL query each: the query returns the rows that break it (none
 * when it holds). `needs` names the tables and columns it reads, so a check runs only on a schema
 * that has them (migrations of other parts may add columns and tables, or not yet).
 */
export interface SqlInvariant {
  name: string;
  needs: Record<string, string[]>;
  /** The query, or a function of which optional columns exist. */
  sql: string | ((has: (table: string, column: string) => boolean) => string);
}

/** Now in Unix milliseconds, in SQLite. */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** Backends whose results count toward a quorum (validated by equal hashes); the others are approximate. */
const DETERMINISTIC = "('wasm-simd')";

export const SQL_INVARIANTS: SqlInvariant[] = [
  {
    name: "no unit without its sweep",
    needs: { units: ["sweep_id"] },
    sql: "SELECT u.id FROM units u LEFT JOIN sweeps s ON s.id = u.sweep_id WHERE s.id IS NULL",
  },
  {
    name: "no lease without its unit and its client",
    needs: { leases: ["unit_id", "client_id"] },
    sql: "SELECT l.id FROM leases l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN clients c ON c.id = l.client_id WHERE u.id IS NULL OR c.id IS NULL",
  },
  {
    name: "no result without its unit, its lease and its client",
    needs: { results: ["unit_id", "lease_id", "client_id"] },
    sql: "SELECT r.id FROM results r LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN leases l ON l.id = r.lease_id LEFT JOIN clients c ON c.id = r.client_id WHERE u.id IS NULL OR l.id IS NULL OR c.id IS NULL",
  },
  {
    name: "a result's lease is for the result's unit and client and backend, and is completed",
    needs: { results: ["unit_id", "lease_id", "client_id", "backend"], leases: ["backend", "status"] },
    sql: "SELECT r.id, l.id AS lease, l.status FROM results r JOIN leases l ON l.id = r.lease_id WHERE l.unit_id <> r.unit_id OR l.client_id <> r.client_id OR l.backend <> r.backend OR l.status <> 'completed'",
  },
  {
    name: "a completed lease has its result",
    needs: { leases: ["status"], results: ["lease_id"] },
    sql: "SELECT l.id FROM leases l WHERE l.status = 'completed' AND NOT EXISTS (SELECT 1 FROM results r WHERE r.lease_id = l.id)",
  },
  {
    name: "validated unit: its validated result is a valid result of this unit whose hash (paramsHash or result digest) is the unit's, agreed by every valid result and by at least the sweep's quorum of them",
    needs: { units: ["validated_hash", "validated_result_id"], results: ["params_hash", "status"], sweeps: ["quorum"] },
    // Since 0006 a quorum agrees on the result digest (paramsHash and curves); before it, on paramsHash alone.
    sql: (has) => {
      const digest = (alias: string) => (has("results", "result_digest") ? `${alias}.result_digest` : "NULL");
      return `
      SELECT u.id, u.validated_hash, u.validated_result_id FROM units u JOIN sweeps s ON s.id = u.sweep_id LEFT JOIN results v ON v.id = u.validated_result_id
      WHERE u.status = 'validated' AND (
        v.id IS NULL OR v.unit_id <> u.id OR v.status <> 'valid' OR u.validated_hash IS NULL
        OR u.validated_hash NOT IN (v.params_hash, COALESCE(${digest("v")}, v.params_hash))
        OR EXISTS (SELECT 1 FROM results r WHERE r.unit_id = u.id AND r.status = 'valid' AND (r.params_hash <> v.params_hash OR COALESCE(${digest("r")}, '') <> COALESCE(${digest("v")}, '')))
        OR (SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.status = 'valid' AND r.backend IN ${DETERMINISTIC}) < s.quorum)`;
    },
  },
  {
    name: "pending unit: no validated hash or result, and no verdict on any of its results yet",
    needs: { units: ["validated_hash", "validated_result_id"], results: ["status"] },
    sql: "SELECT u.id FROM units u WHERE u.status = 'pending' AND (u.validated_hash IS NOT NULL OR u.validated_result_id IS NOT NULL OR EXISTS (SELECT 1 FROM results r WHERE r.unit_id = u.id AND r.status <> 'pending'))",
  },
  {
    name: "failed unit: no validated hash, no valid result, its quorum results all invalid",
    needs: { units: ["validated_hash"], results: ["status", "backend"] },
    sql: `SELECT u.id FROM units u WHERE u.status = 'failed' AND (u.validated_hash IS NOT NULL OR EXISTS (SELECT 1 FROM results r WHERE r.unit_id = u.id AND (r.status = 'valid' OR (r.backend IN ${DETERMINISTIC} AND r.status <> 'invalid'))))`,
  },
  {
    name: "results' verdicts fit their backend: valid/invalid only for quorum backends, approximate-* only for the others, and only once the unit is validated",
    needs: { results: ["status", "backend"] },
    sql: `
      SELECT r.id, r.backend, r.status, u.status AS unit_status FROM results r JOIN units u ON u.id = r.unit_id
      WHERE (r.status IN ('valid', 'invalid') AND r.backend NOT IN ${DETERMINISTIC})
         OR (r.status IN ('approximate-accepted', 'approximate-rejected') AND (r.backend IN ${DETERMINISTIC} OR u.status <> 'validated'))`,
  },
  {
    name: "replicas needed is at least the quorum",
    needs: { units: ["replicas_needed"], sweeps: ["quorum"] },
    sql: "SELECT u.id, u.replicas_needed, s.quorum FROM units u JOIN sweeps s ON s.id = u.sweep_id WHERE u.replicas_needed < s.quorum",
  },
  {
    name: "no pending unit over-leased: live quorum leases (before their deadline) plus results counting toward the quorum are at most the replicas needed",
    needs: { units: ["replicas_needed"], leases: ["status", "deadline", "backend"], results: ["status", "backend"] },
    sql: `
      SELECT u.id, u.replicas_needed FROM units u WHERE u.status = 'pending' AND u.replicas_needed <
        (SELECT count(*) FROM leases l WHERE l.unit_id = u.id AND l.status = 'live' AND l.deadline > ${NOW_MS} AND l.backend IN ${DETERMINISTIC})
        + (SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.status IN ('pending', 'valid') AND r.backend IN ${DETERMINISTIC})`,
  },
  {
    name: "one result per client per unit",
    needs: { results: ["unit_id", "client_id"] },
    sql: "SELECT unit_id, client_id, count(*) AS n FROM results GROUP BY unit_id, client_id HAVING n > 1",
  },
  {
    name: "rate-limit windows end after they start and count at least one request",
    needs: { rate_limit_windows: ["window_start", "window_end", "hits"] },
    sql: "SELECT key FROM rate_limit_windows WHERE window_end <= window_start OR hits < 1",
  },
];
