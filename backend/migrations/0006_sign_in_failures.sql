-- Failed sign-ins, counted in the database so the limits hold across
-- restarts and between replicas. One row per subject (an address, an address
-- and account pair, or an account): the failures since `window_start`.
-- An attempt reserves its failure before the password is checked and
-- gives it back when the password was right.

CREATE TABLE sign_in_failures (
    subject TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL
);

CREATE INDEX sign_in_failures_window ON sign_in_failures (window_start);
