-- Mesh roots and what hangs on them (issue 21).
-- The mesh root an issuance grant allows issuing from: the officers agreed
-- to that root, so a grant does not carry over to a root created after the
-- old one was retired. Grants recorded before this column name no root and
-- allow nothing: officers grant them again.
ALTER TABLE issuance_grants ADD COLUMN root_fingerprint TEXT NOT NULL DEFAULT '';

-- A root an officer imported (its key generated in the HSM by the HSM's
-- own tooling) rather than created in the token through the console.
ALTER TABLE mesh_roots ADD COLUMN imported BIGINT NOT NULL DEFAULT 0;
