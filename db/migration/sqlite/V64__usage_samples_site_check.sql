-- PostgreSQL drops usage_samples' foreign key to sites for ingest speed and keeps its guarantees by other means
-- (db/migration/postgresql/V64). SQLite keeps the key. Kept so both engines carry the same migration versions.
SELECT 1;
