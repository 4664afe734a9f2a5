-- Sweeps, their work units, volunteers, leases and reported results.
-- Times are Unix milliseconds. JSON columns hold documents validated by the API's zod schemas.

CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  base_config TEXT NOT NULL,          -- RunConfig JSON
  axes TEXT NOT NULL,                 -- [{ "path": "optimizer.weightDecay", "values": [...] }, ...]
  seeds TEXT NOT NULL,                -- [0, 1, 2]
  quorum INTEGER NOT NULL CHECK (quorum >= 1),
  phase_thresholds TEXT NOT NULL,     -- PhaseThresholds JSON
  created_at INTEGER NOT NULL
);

CREATE TABLE units (
  id TEXT PRIMARY KEY,
  sweep_id TEXT NOT NULL REFERENCES sweeps(id),
  cell TEXT NOT NULL,                 -- the axis values of this grid cell, JSON array in axis order
  seed INTEGER NOT NULL,
  config TEXT NOT NULL,               -- the full RunConfig JSON of this unit
  status TEXT NOT NULL CHECK (status IN ('pending', 'validated', 'failed')),
  replicas_needed INTEGER NOT NULL,   -- matching results still needed for quorum (grows by 1 per disagreement)
  validated_hash TEXT,
  validated_result_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX units_by_sweep ON units (sweep_id, status);

CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  capabilities TEXT NOT NULL,         -- JSON: simd, threads, cores, webgpu, userAgent
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);

CREATE TABLE leases (
  id TEXT PRIMARY KEY,
  unit_id TEXT NOT NULL REFERENCES units(id),
  client_id TEXT NOT NULL REFERENCES clients(id),
  status TEXT NOT NULL CHECK (status IN ('live', 'expired', 'completed')),
  deadline INTEGER NOT NULL,
  progress_step INTEGER,
  progress TEXT,                      -- latest metrics JSON
  created_at INTEGER NOT NULL
);
CREATE INDEX leases_by_unit ON leases (unit_id, status);
CREATE INDEX leases_live_deadline ON leases (status, deadline);

CREATE TABLE results (
  id TEXT PRIMARY KEY,
  unit_id TEXT NOT NULL REFERENCES units(id),
  lease_id TEXT NOT NULL REFERENCES leases(id),
  client_id TEXT NOT NULL REFERENCES clients(id),
  backend TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  params_hash TEXT NOT NULL,
  summary TEXT NOT NULL,              -- RunSummary JSON
  curves TEXT NOT NULL,               -- CurvePoint[] JSON
  meta TEXT NOT NULL,                 -- RunMeta JSON
  timings TEXT NOT NULL,              -- client-side timings JSON
  flops REAL NOT NULL,                -- training FLOPs the run did (for stats)
  status TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'invalid', 'approximate-accepted', 'approximate-rejected')),
  created_at INTEGER NOT NULL,
  UNIQUE (unit_id, client_id)         -- one result per client per unit: a re-post is the same result
);
CREATE INDEX results_by_unit ON results (unit_id, status);
CREATE INDEX results_by_client ON results (client_id, status);
