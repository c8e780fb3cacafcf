-- A security officer appointed through the console holds the role only
-- once a second, independent officer confirms the appointment (issue 21):
-- an officer with the admin capability could otherwise create officer
-- accounts it controls and approve a mesh root with them. Until then the
-- account acts as a manager. NULL: not confirmed (or not needed: made an
-- officer by the server, `appointed_by` NULL).

ALTER TABLE accounts ADD COLUMN confirmed_by TEXT;
