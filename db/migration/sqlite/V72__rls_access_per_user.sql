-- PostgreSQL keeps each user's organization access ready in its row-level security mirror
-- (db/migration/postgresql/V72). SQLite has no row-level security. Kept so both engines carry the same migration
-- versions.
SELECT 1;
