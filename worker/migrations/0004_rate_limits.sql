-- Rate limits and the daily lease quota (worker/src/rate-limit.ts).

-- One fixed window per key ("<limit name>:client:<id>" or "<limit name>:network:<a.b.c.0/24 or x:y:z::/48>"):
-- the requests counted since window_start; a request in a later window starts the count again.
CREATE TABLE rate_limit_windows (
  key TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,      -- Unix ms
  window_end INTEGER NOT NULL,        -- Unix ms; Retry-After counts down to it
  hits INTEGER NOT NULL CHECK (hits >= 1)
);
-- A client's leases of the last 24 hours, for its daily lease quota.
CREATE INDEX leases_by_client_created ON leases (client_id, created_at);
