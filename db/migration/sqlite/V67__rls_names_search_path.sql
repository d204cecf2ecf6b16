-- PostgreSQL pins the search_path of a row-level security function (db/migration/postgresql/V67). SQLite has no
-- row-level security. Kept so both engines carry the same migration versions.
SELECT 1;
