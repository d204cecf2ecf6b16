-- Test-only migration: creates a table, then fails. Everything must roll back.
CREATE TABLE boom_should_not_exist (id INTEGER PRIMARY KEY);
INSERT INTO this_table_does_not_exist VALUES (1);
