-- GPU runs beside the quorum, the backend each lease is for, and the coarse-to-fine leasing order.

-- GPU (tfjs-webgpu) results to collect per unit besides the quorum; 0: never leased to GPU clients.
ALTER TABLE sweeps ADD COLUMN gpu_replicas INTEGER NOT NULL DEFAULT 0 CHECK (gpu_replicas BETWEEN 0 AND 3);
-- The unit's rank in its sweep's coarse-to-fine order (worker/src/coarse-to-fine.ts), set at creation.
-- Units of sweeps created before this migration all have 0 and keep their creation order.
ALTER TABLE units ADD COLUMN lease_order INTEGER NOT NULL DEFAULT 0;
-- What the lease's client must train with: a quorum replica (wasm-simd) or a GPU run (tfjs-webgpu).
ALTER TABLE leases ADD COLUMN backend TEXT NOT NULL DEFAULT 'wasm-simd' CHECK (backend IN ('wasm-simd', 'tfjs-webgpu'));
-- A volunteer's results, newest first (GET /api/clients/me/results).
CREATE INDEX results_by_client_time ON results (client_id, created_at);
