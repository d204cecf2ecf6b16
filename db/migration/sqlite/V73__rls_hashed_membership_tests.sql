-- PostgreSQL rewrites the organization tests of its row-level security policies as hashed look-ups
-- (db/migration/postgresql/V73). SQLite has no row-level security. Kept so both engines carry the same migration
-- versions.
SELECT 1;
