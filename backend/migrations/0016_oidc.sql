-- Sign-in through an OpenID provider (issue 28).
--
-- A sign-in under way: the state sent to the provider (stored as its
-- SHA-256), the browser that started it (the SHA-256 of a cookie only that
-- browser holds), and the nonce and PKCE verifier the callback needs. A row
-- is taken exactly once, so a state cannot be replayed.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Sessions of people the provider vouched for. They have no local account
-- (their role comes from their groups at sign-in), so they live beside
-- `sessions`, whose rows belong to accounts.
CREATE TABLE oidc_sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    admin BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    id_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
