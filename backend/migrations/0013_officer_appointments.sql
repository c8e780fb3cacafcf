-- Who made each security officer one through the console (issue 21): an
-- officer with the admin capability could otherwise create a second
-- officer account it controls and approve a mesh root with both. NULL:
-- not an officer, or made one by `meshdeck account` on the server or at
-- bootstrap.

ALTER TABLE accounts ADD COLUMN appointed_by TEXT;
