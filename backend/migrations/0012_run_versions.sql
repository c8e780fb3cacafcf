-- Runs carry a version (issue 23), raised by every write: an operator's
-- decision on a paused run (resume, skip, roll back) is written only if
-- the run is still the version the decision was made on, so two decisions
-- made at once on two sessions or replicas cannot overwrite each other.

ALTER TABLE runs ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
