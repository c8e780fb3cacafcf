-- How each entry's hash was made: `sha256` (entries written before the log
-- was keyed) or `hmac-sha256:<key id>` (HMAC-SHA256 under the audit key,
-- which lives outside the database). The scheme is itself covered by the
-- keyed hash, and a plain entry after a keyed one is a break.

ALTER TABLE audit ADD COLUMN mac TEXT NOT NULL DEFAULT 'sha256';
