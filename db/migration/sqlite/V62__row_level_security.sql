-- Row-level security exists on PostgreSQL only (db/migration/postgresql/V62); SQLite has none.
-- Kept so both engines carry the same migration versions.
SELECT 1;
