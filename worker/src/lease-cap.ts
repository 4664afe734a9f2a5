/**
 * A client's cap of live leases (the rule: lease-cap-rule.ts) from what D1 knows of it, and its live
 * leases counted against it.
 */
import type { Env } from "./env.js";
import { capOverride, liveLeaseCap, type LeaseCap } from "./lease-cap-rule.js";

/**
 * A client's trust, in SQL (?1 its id): its count of consecutive valid results, newest first, until
 * an invalid one. Results still pending and GPU runs' approximate verdicts neither count nor break
 * the run. The trust round (adaptive replication) replaces this one expression.
 */
export const TRUST_SQL = `(SELECT count(*) FROM results r WHERE r.client_id = ?1 AND r.status = 'valid'
  AND r.created_at > coalesce((SELECT max(i.created_at) FROM results i WHERE i.client_id = ?1 AND i.status = 'invalid'), -1))`;

/** The calling client's cap: MAX_LIVE_LEASES if set, else the rule applied to its capabilities and trust. */
export async function leaseCapOf(db: D1Database, env: Env, clientId: string): Promise<LeaseCap> {
  const override = capOverride(env.MAX_LIVE_LEASES);
  if (override) return override;
  // The client exists: requireClient found it.
  const row = (await db
    .prepare(`SELECT json_extract(capabilities, '$.cores') AS cores, json_extract(capabilities, '$.webgpu') AS webgpu, ${TRUST_SQL} AS trust FROM clients WHERE id = ?1`)
    .bind(clientId)
    .first<{ cores: number; webgpu: number; trust: number }>())!;
  return liveLeaseCap({ cores: row.cores, webgpu: row.webgpu === 1, trust: row.trust });
}

/** The client's live leases: how many, and the earliest deadline among them (null: none). */
export async function liveLeasesOf(db: D1Database, clientId: string): Promise<{ live: number; earliestDeadline: number | null }> {
  return (await db.prepare("SELECT count(*) AS live, min(deadline) AS earliestDeadline FROM leases WHERE client_id = ? AND status = 'live'").bind(clientId).first<{ live: number; earliestDeadline: number | null }>())!;
}
