-- Issuance grants (issue 21): a security officer's standing permission
-- for installs to issue the intermediate CA of the named clusters from the
-- mesh root. `approvals` is a JSON list of officers, the proposer first;
-- empty `revoked_by` and 0 `revoked_at` mean not revoked.

CREATE TABLE issuance_grants (
    id TEXT PRIMARY KEY,
    mesh TEXT NOT NULL,
    clusters TEXT NOT NULL,
    trust_domain TEXT NOT NULL,
    validity_days BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    approvals TEXT NOT NULL,
    required BIGINT NOT NULL,
    revoked_by TEXT NOT NULL DEFAULT '',
    revoked_at BIGINT NOT NULL DEFAULT 0
);
