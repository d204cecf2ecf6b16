-- Resource usage: physical layout chosen by measurement (docs/schema.md, "Resource usage storage").
-- V2 created the plan's row-per-sample table with a rowid, TEXT time and a (site_id, timestamp)
-- index; no database has rows in it yet. It is replaced by:
--   usage_samples  clustered on (site_id, ts) WITHOUT ROWID: the key IS the table, no second
--                  index; ts is UTC epoch seconds; values are fixed-point integers (varints on
--                  disk: 1-4 bytes instead of 8 for a REAL).
--   usage_latest   the newest sample of each site, kept by a trigger on insert.
--   usage_day_totals  per site and UTC day, MB transferred and requests served, kept by the same
--                  trigger, so the daily bandwidth allowance is checked without scanning a day.
--   site_resource_usage  a view with the plan's columns and types, for ad-hoc SQL.
-- The Java API (dev.dialup.deploy.db.usage) still speaks the plan's columns.
DROP TABLE site_resource_usage;

CREATE TABLE usage_samples (
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,                 -- UTC, whole seconds since 1970-01-01
  memory_mb_x100 INTEGER,              -- memory_mb * 100
  cpu_percent_x100 INTEGER,            -- cpu_percent * 100
  disk_mb_x100 INTEGER,                -- disk_mb * 100
  bandwidth_mb_x1000 INTEGER,          -- bandwidth_mb * 1000 (MB transferred during the interval)
  active_requests INTEGER,             -- requests served during the interval
  response_time_ms_x100 INTEGER,       -- response_time_ms * 100
  PRIMARY KEY (site_id, ts),
  CHECK (ts >= 0),
  CHECK (memory_mb_x100 >= 0 AND cpu_percent_x100 >= 0 AND disk_mb_x100 >= 0 AND bandwidth_mb_x1000 >= 0
         AND active_requests >= 0 AND response_time_ms_x100 >= 0)
) WITHOUT ROWID;

CREATE TABLE usage_latest (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  memory_mb_x100 INTEGER,
  cpu_percent_x100 INTEGER,
  disk_mb_x100 INTEGER,
  bandwidth_mb_x1000 INTEGER,
  active_requests INTEGER,
  response_time_ms_x100 INTEGER
);

-- Only a newer (or equal-time) sample replaces the latest one, so late or re-sent samples never move it back.
CREATE TRIGGER trg_usage_samples_latest AFTER INSERT ON usage_samples
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

CREATE TABLE usage_day_totals (
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  day INTEGER NOT NULL,                -- UTC day start, epoch seconds (ts - ts % 86400)
  bandwidth_mb_x1000 INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day)
) WITHOUT ROWID;

CREATE TRIGGER trg_usage_samples_day_totals AFTER INSERT ON usage_samples
BEGIN
  INSERT INTO usage_day_totals (site_id, day, bandwidth_mb_x1000, requests)
  VALUES (NEW.site_id, NEW.ts - NEW.ts % 86400, COALESCE(NEW.bandwidth_mb_x1000, 0), COALESCE(NEW.active_requests, 0))
  ON CONFLICT (site_id, day) DO UPDATE SET
    bandwidth_mb_x1000 = bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,
    requests = requests + excluded.requests;
END;

CREATE VIEW site_resource_usage AS
SELECT site_id,
       strftime('%Y-%m-%d %H:%M:%f', ts, 'unixepoch') AS timestamp,
       CAST(memory_mb_x100 AS REAL) / 100 AS memory_mb,
       CAST(cpu_percent_x100 AS REAL) / 100 AS cpu_percent,
       CAST(disk_mb_x100 AS REAL) / 100 AS disk_mb,
       CAST(bandwidth_mb_x1000 AS REAL) / 1000 AS bandwidth_mb,
       active_requests,
       CAST(response_time_ms_x100 AS REAL) / 100 AS response_time_ms
  FROM usage_samples;
