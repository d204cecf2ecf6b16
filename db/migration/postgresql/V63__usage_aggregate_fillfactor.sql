-- Room for HOT updates in the two tables every ingest batch updates row by row (issue 13, docs/schema.md,
-- "Usage on PostgreSQL"): usage_latest (one row per site, rewritten by every sample of the site) and
-- usage_day_totals (one row per site and UTC day, added to by every sample of that day). On full pages an
-- update cannot stay on its page (HOT), so each one writes a new tuple elsewhere plus an entry in every
-- index; measured on the 1,000-site benchmark database, 1,000-sample rounds: the day-total upserts took
-- 8-10 ms per round at the default fillfactor (100) and 4.5-6.8 ms at 50, the latest-sample upserts
-- 5.5 ms and 4.5-5.2 ms at 30 (docs/PERFORMANCE.md). Both tables are small (a row per site, a row per
-- site and day): the reserved space costs little.
ALTER TABLE usage_latest SET (fillfactor = 30);
ALTER TABLE usage_day_totals SET (fillfactor = 50);
-- Rewrite both now, so existing pages get the free space too (a short exclusive lock on small tables).
CLUSTER usage_latest USING usage_latest_pkey;
CLUSTER usage_day_totals USING usage_day_totals_pkey;
