-- Wave runs of canary migrations across the fleet: the whole run as JSON,
-- rewritten after every step so a restarted console resumes it where it
-- was.

CREATE TABLE wave_runs (
    id TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    started BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    body TEXT NOT NULL
);
