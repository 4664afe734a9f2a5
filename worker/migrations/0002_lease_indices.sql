-- Leasing scans the pending units of every sweep, oldest first (units_by_sweep leads with sweep_id).
CREATE INDEX units_by_status ON units (status, created_at);
