-- Leases that cannot be hoarded (issue 14): idempotent lease requests and the per-client live-lease cap.

-- The client-chosen Idempotency-Key of the request that created the lease (NULL: none sent). A client
-- retrying a lease request whose reply it never heard gets the same lease back, never a second one:
-- one key names one lease of its client, for good (routes/leases.ts).
ALTER TABLE leases ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX leases_by_client_key ON leases (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Counting a client's live leases against its cap at every lease request (lease-cap.ts).
CREATE INDEX leases_by_client_status ON leases (client_id, status);
