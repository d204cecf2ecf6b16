-- PostgreSQL's history key carries the sample values (INCLUDE) for index-only reads (db/migration/postgresql/V66).
-- SQLite's history is clustered by (site_id, ts) already. Kept so both engines carry the same migration versions.
SELECT 1;
