-- The result digest the API computes for each result it stores: SHA-256 of the result's paramsHash and
-- its curves in canonical form (src/config/result-digest.ts). Quorums agree on it, not on paramsHash
-- alone, so agreeing results agree on every curve they publish. Results stored before this migration
-- keep NULL and agree by paramsHash among themselves (worker/src/validation.ts).
ALTER TABLE results ADD COLUMN result_digest TEXT CHECK (result_digest IS NULL OR length(result_digest) = 64);
