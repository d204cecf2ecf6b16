-- Test-only migration that succeeds: a pending migration for the busy-writer test.
CREATE TABLE pending_good (id INTEGER PRIMARY KEY);
