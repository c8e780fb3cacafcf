-- Reviewed plans (issue 23): a plan reviewed through one console replica
-- must be runnable through any other, so it is kept here, not in the
-- memory of the replica that reviewed it. One row per plan: its kind
-- (`install`), id, when it was reviewed (Unix seconds; plans expire) and
-- the review with the plan it shows (JSON).

CREATE TABLE plans (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    created BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX plans_by_age ON plans (kind, created);
