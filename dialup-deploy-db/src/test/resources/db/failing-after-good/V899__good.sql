-- Test-only migration that succeeds on its own; it runs in the same group as V900 and must roll back with it.
CREATE TABLE good_but_rolled_back (id INTEGER PRIMARY KEY);
UPDATE system_config SET value = '31' WHERE key = 'usage.raw_retention_days';
