-- The console's own durable data. Portable SQL: runs unchanged on SQLite and
-- PostgreSQL (times are Unix seconds, flags 0/1, lists JSON text).

CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    admin BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_account ON sessions (account);

-- Append-only, hash-chained: `hash` covers every other column and the
-- previous entry's hash, so editing or deleting a row breaks the chain.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT,
    action TEXT NOT NULL,
    clusters TEXT NOT NULL,
    targets TEXT NOT NULL,
    params TEXT NOT NULL,
    outcome TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor);
