-- The newest entry's place and hash, written in the same transaction as
-- each append: deleting entries from the end of the log (which leaves the
-- chain itself consistent) no longer goes unnoticed.

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
SELECT 1, seq, hash FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);
