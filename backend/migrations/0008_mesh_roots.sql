-- Mesh roots a security officer created in the PKCS#11 token (issue 21):
-- who made each and when, and who retired it. The key and certificate live
-- in the token; this is the record of the officers' acts. Empty
-- `retired_by` and 0 `retired_at` mean not retired.

CREATE TABLE mesh_roots (
    fingerprint TEXT PRIMARY KEY,
    mesh TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    retired_by TEXT NOT NULL DEFAULT '',
    retired_at BIGINT NOT NULL DEFAULT 0
);
