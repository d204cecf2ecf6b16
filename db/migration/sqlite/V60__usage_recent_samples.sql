-- Usage ingest that does not grow with the number of sites' pages (issue 15; docs/schema.md,
-- "Resource usage storage", and docs/PERFORMANCE.md for the measurements behind it).
--
--   usage_recent        new samples land here: WITHOUT ROWID keyed (ts, site_id), so a 30-s round of
--                       every site appends to the right edge of one B-tree (a handful of pages per
--                       round instead of one leaf page per site in usage_samples).
--   usage_samples       the site-clustered history (V20), now written only by the library's move
--                       step, which copies the recent rows of a few sites at a time (all their rows
--                       below usage_ingest_state.moved_before) in one short transaction.
--   usage_ingest_state  one row: moved_before (every usage_samples row has ts < moved_before, so a
--                       late sample is checked against usage_samples only below it) and
--                       recent_rows (rows in usage_recent, kept by the library; decides when to move).
--
-- Every (site, second) is stored exactly once, in one of the two tables; every query reads both.
-- usage_latest and usage_day_totals are now kept by triggers on usage_recent (the move must not
-- count a sample twice, so usage_samples has no triggers any more). usage_day_totals is re-keyed
-- (day, site_id) so a round updates a few contiguous pages and retention deletes a key range.

CREATE TABLE usage_recent (
  ts INTEGER NOT NULL,                 -- UTC, whole seconds since 1970-01-01
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  memory_mb_x100 INTEGER,
  cpu_percent_x100 INTEGER,
  disk_mb_x100 INTEGER,
  bandwidth_mb_x1000 INTEGER,
  active_requests INTEGER,
  response_time_ms_x100 INTEGER,
  PRIMARY KEY (ts, site_id),
  CHECK (ts >= 0),
  CHECK (memory_mb_x100 >= 0 AND cpu_percent_x100 >= 0 AND disk_mb_x100 >= 0 AND bandwidth_mb_x1000 >= 0
         AND active_requests >= 0 AND response_time_ms_x100 >= 0)
) WITHOUT ROWID;

CREATE TABLE usage_ingest_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  moved_before INTEGER NOT NULL,
  recent_rows INTEGER NOT NULL DEFAULT 0
);

-- Everything stored so far is history: usage_latest holds each site's newest sample.
INSERT INTO usage_ingest_state (id, moved_before, recent_rows)
SELECT 1, COALESCE(MAX(ts) + 1, 0), 0 FROM usage_latest;

DROP TRIGGER trg_usage_samples_latest;
DROP TRIGGER trg_usage_samples_day_totals;

CREATE TABLE usage_day_totals_v60 (
  day INTEGER NOT NULL,                -- UTC day start, epoch seconds (ts - ts % 86400)
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  bandwidth_mb_x1000 INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, site_id)
) WITHOUT ROWID;
INSERT INTO usage_day_totals_v60 (day, site_id, bandwidth_mb_x1000, requests)
SELECT day, site_id, bandwidth_mb_x1000, requests FROM usage_day_totals;
DROP TABLE usage_day_totals;
ALTER TABLE usage_day_totals_v60 RENAME TO usage_day_totals;
-- Deleting a site cascades here: find its rows without scanning every day.
CREATE INDEX idx_usage_day_totals_site ON usage_day_totals(site_id);

CREATE TRIGGER trg_usage_recent_latest AFTER INSERT ON usage_recent
BEGIN
  INSERT INTO usage_latest (site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000,
                            active_requests, response_time_ms_x100)
  VALUES (NEW.site_id, NEW.ts, NEW.memory_mb_x100, NEW.cpu_percent_x100, NEW.disk_mb_x100, NEW.bandwidth_mb_x1000,
          NEW.active_requests, NEW.response_time_ms_x100)
  ON CONFLICT (site_id) DO UPDATE SET
    ts = excluded.ts, memory_mb_x100 = excluded.memory_mb_x100, cpu_percent_x100 = excluded.cpu_percent_x100,
    disk_mb_x100 = excluded.disk_mb_x100, bandwidth_mb_x1000 = excluded.bandwidth_mb_x1000,
    active_requests = excluded.active_requests, response_time_ms_x100 = excluded.response_time_ms_x100
  WHERE excluded.ts >= usage_latest.ts;
END;

CREATE TRIGGER trg_usage_recent_day_totals AFTER INSERT ON usage_recent
BEGIN
  INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)
  VALUES (NEW.ts - NEW.ts % 86400, NEW.site_id, COALESCE(NEW.bandwidth_mb_x1000, 0), COALESCE(NEW.active_requests, 0))
  ON CONFLICT (day, site_id) DO UPDATE SET
    bandwidth_mb_x1000 = bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,
    requests = requests + excluded.requests;
END;

DROP VIEW site_resource_usage;
CREATE VIEW site_resource_usage AS
SELECT site_id,
       strftime('%Y-%m-%d %H:%M:%f', ts, 'unixepoch') AS timestamp,
       CAST(memory_mb_x100 AS REAL) / 100 AS memory_mb,
       CAST(cpu_percent_x100 AS REAL) / 100 AS cpu_percent,
       CAST(disk_mb_x100 AS REAL) / 100 AS disk_mb,
       CAST(bandwidth_mb_x1000 AS REAL) / 1000 AS bandwidth_mb,
       active_requests,
       CAST(response_time_ms_x100 AS REAL) / 100 AS response_time_ms
  FROM usage_samples
UNION ALL
SELECT site_id,
       strftime('%Y-%m-%d %H:%M:%f', ts, 'unixepoch') AS timestamp,
       CAST(memory_mb_x100 AS REAL) / 100 AS memory_mb,
       CAST(cpu_percent_x100 AS REAL) / 100 AS cpu_percent,
       CAST(disk_mb_x100 AS REAL) / 100 AS disk_mb,
       CAST(bandwidth_mb_x1000 AS REAL) / 1000 AS bandwidth_mb,
       active_requests,
       CAST(response_time_ms_x100 AS REAL) / 100 AS response_time_ms
  FROM usage_recent;

INSERT INTO system_config (key, value, description) VALUES
  ('usage.max_clock_skew_seconds', '300', 'Seconds a usage sample may lie in the future (clock skew of the monitoring host); later ones are refused');
