-- Approvals of certificate signing requests, one row per officer and
-- request, so the two-person rule holds across console restarts. A request
-- is its cluster and uid: a request re-created under the same name starts
-- with no approvals.

CREATE TABLE csr_approvals (
    cluster TEXT NOT NULL,
    uid TEXT NOT NULL,
    name TEXT NOT NULL,
    officer TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (cluster, uid, officer)
);
