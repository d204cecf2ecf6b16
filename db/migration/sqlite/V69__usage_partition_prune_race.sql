-- PostgreSQL makes two concurrent prunes safe (db/migration/postgresql/V69). SQLite has no partitions. Kept so
-- both engines carry the same migration versions.
SELECT 1;
