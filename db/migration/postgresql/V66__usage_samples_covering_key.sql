-- The history's primary key carries the six values (INCLUDE), so reading a site's samples is an index-only scan
-- (issue 13, docs/schema.md "Usage on PostgreSQL"). Ingest appends round by round, so a site's 2,880 samples of a
-- day lie on ~2,880 heap pages; through the key alone a 24-hour series touched every one of them. Measured A/B in
-- one JVM on the 1,000-site benchmark database, buffers warm, row-level security on (docs/PERFORMANCE.md,
-- session 8): 24-hour series 7.55 -> 4.10 ms, 7 days in 500 buckets 40.4 -> 16.7 ms. The over-limit query keeps
-- its BRIN plan by turning index-only scans off for its one statement (UsagePartitions.withWindowScan).
-- Rebuilding the key locks usage_samples while it runs: about 37 s per 20 M samples on the benchmark machine.
-- SQLite's twin is a no-op (its history is clustered by site already).
ALTER TABLE usage_samples
  DROP CONSTRAINT usage_samples_pkey,
  ADD PRIMARY KEY (site_id, ts)
    INCLUDE (memory_mb_x100, cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000, active_requests, response_time_ms_x100);
