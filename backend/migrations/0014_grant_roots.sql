-- The mesh root an issuance grant allows issuing from (issue 21): the
-- officers agreed to that root, so a grant does not carry over to a root
-- created after the old one was retired. Grants recorded before this
-- column name no root and allow nothing: officers grant them again.

ALTER TABLE issuance_grants ADD COLUMN root_fingerprint TEXT NOT NULL DEFAULT '';
