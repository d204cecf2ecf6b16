-- PostgreSQL reads the caller's access facts through a function over its row-level security mirrors
-- (db/migration/postgresql/V70). SQLite has no row-level security and keeps its facts query on the tables. Kept so
-- both engines carry the same migration versions.
SELECT 1;
