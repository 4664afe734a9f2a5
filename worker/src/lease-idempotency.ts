/**
 * Idempotent lease requests: POST /api/leases may carry `Idempotency-Key: <1–100 of A-Z a-z 0-9 _ ->`,
 * chosen by the client per lease attempt and sent again on that attempt's retries. The key names one
 * lease of its client for good (a unique index, migration 0005): while that lease is live the same
 * request answers it again (200), and never leases a second unit, so a reply lost in a crash or a
 * network failure leaves no ghost lease holding a replica slot; once the lease has expired or been
 * completed, the key is spent (409). The request's query is not compared: the key alone names the
 * attempt.
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { ApiError } from "./errors.js";
import type { Lease } from "./schema.js";
import type { LeaseBackend } from "./validation.js";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** The request's key, or null when it sent none; 400 `invalid_header` for a malformed one. */
export function idempotencyKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (KEY_PATTERN.test(header)) return header;
  const message = `expected 1 to 100 characters of A-Z, a-z, 0-9, _ and -, got ${JSON.stringify(header.slice(0, 120))}${header.length > 120 ? "…" : ""}`;
  throw new ApiError(400, "invalid_header", `invalid header: ${IDEMPOTENCY_HEADER}: ${message}`, [{ path: IDEMPOTENCY_HEADER, message }]);
}

interface KeyedLeaseRow {
  id: string;
  unitId: string;
  backend: LeaseBackend;
  deadline: number;
  status: "live" | "expired" | "completed";
  config: string;
}

/**
 * The lease this client created with this key, as the lease request answers it again; null if the
 * key is new. 409 `idempotency_key_spent` if that lease is over. Callers expire leases first
 * (expireLeases), so a live one is within its deadline.
 */
export async function leaseOfKey(db: D1Database, clientId: string, key: string): Promise<Lease | null> {
  const row = await db
    .prepare("SELECT l.id, l.unit_id AS unitId, l.backend, l.deadline, l.status, u.config FROM leases l JOIN units u ON u.id = l.unit_id WHERE l.client_id = ? AND l.idempotency_key = ?")
    .bind(clientId, key)
    .first<KeyedLeaseRow>();
  if (!row) return null;
  if (row.status !== "live") {
    throw new ApiError(409, "idempotency_key_spent", `${IDEMPOTENCY_HEADER} "${key}" named lease "${row.id}", now ${row.status}: send a fresh key to ask for another unit`);
  }
  return { id: row.id, unitId: row.unitId, deadline: row.deadline, config: JSON.parse(row.config) as RunConfig, backend: row.backend };
}

/** Whether a failed insert lost the race for this client's key to a concurrent request with the same key. */
export function isKeyConflict(error: unknown): boolean {
  return /UNIQUE constraint failed: leases\.client_id, leases\.idempotency_key/i.test(String(error));
}
