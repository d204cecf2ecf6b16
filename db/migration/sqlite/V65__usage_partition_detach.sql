-- PostgreSQL's retention detaches a day partition, then drops it in a second transaction
-- (db/migration/postgresql/V65). SQLite has no partitions. Kept so both engines carry the same migration versions.
SELECT 1;
