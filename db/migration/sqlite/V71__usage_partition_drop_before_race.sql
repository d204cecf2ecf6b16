-- PostgreSQL fixes a race in its partition-dropping function (db/migration/postgresql/V71). SQLite has no
-- partitions. Kept so both engines carry the same migration versions.
SELECT 1;
