-- Every run the console drives (issue 23): installs, migrate, rollback and
-- finish runs, wave runs. One row per run: who started it, on which
-- cluster(s), its state, the plan fixed when it started (what each step
-- does, JSON) and the run as published (its steps and each step's
-- outcome, JSON), rewritten on every change so a restarted console lists
-- it and resumes it from its last completed step. A running run is owned
-- by one console replica through its lease: `owner` renews `lease_until`
-- (Unix seconds) while it drives the run; once the lease has expired
-- another replica takes the run over. Wave runs move here from
-- `wave_runs` (their actor and clusters are in the body).

CREATE TABLE runs (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    actor TEXT NOT NULL,
    clusters TEXT NOT NULL,
    state TEXT NOT NULL,
    started BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    plan TEXT NOT NULL,
    body TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
);

CREATE INDEX runs_by_state ON runs (kind, state);

INSERT INTO runs (kind, id, actor, clusters, state, started, updated, plan, body)
    SELECT 'wave', id, '', '', phase, started, updated, 'null', body FROM wave_runs;

DROP TABLE wave_runs;
