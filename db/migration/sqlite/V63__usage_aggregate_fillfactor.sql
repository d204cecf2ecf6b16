-- Fillfactor for HOT updates exists on PostgreSQL only (db/migration/postgresql/V63); SQLite has no such setting.
-- Kept so both engines carry the same migration versions.
SELECT 1;
