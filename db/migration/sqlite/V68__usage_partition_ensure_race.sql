-- PostgreSQL fixes a race between two creators of the same day partition (db/migration/postgresql/V68). SQLite
-- has no partitions. Kept so both engines carry the same migration versions.
SELECT 1;
