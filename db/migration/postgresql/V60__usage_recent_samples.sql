-- PostgreSQL twin of db/migration/sqlite/V60: the same tables, keys and trigger-kept aggregates. The layout
-- reason (right-edge appends into one WITHOUT ROWID B-tree) is SQLite's; issue 13 measures PostgreSQL's
-- (partitions, BRIN). usage_day_totals is re-keyed (day, site_id) by the same rebuild as on SQLite.
CREATE TABLE usage_recent (
  ts bigint NOT NULL,                  -- UTC, whole seconds since 1970-01-01
  site_id bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  memory_mb_x100 bigint,
  cpu_percent_x100 bigint,
  disk_mb_x100 bigint,
  bandwidth_mb_x1000 bigint,
  active_requests bigint,
  response_time_ms_x100 bigint,
  PRIMARY KEY (ts, site_id),
  CHECK (ts >= 0),
  CHECK (memory_mb_x100 >= 0 AND cpu_percent_x100 >= 0 AND disk_mb_x100 >= 0 AND bandwidth_mb_x1000 >= 0
         AND active_requests >= 0 AND response_time_ms_x100 >= 0)
);

CREATE TABLE usage_ingest_state (
  id bigint PRIMARY KEY CHECK (id = 1),
  moved_before bigint NOT NULL,
  recent_rows bigint NOT NULL DEFAULT 0
);

INSERT INTO usage_ingest_state (id, moved_before, recent_rows)
SELECT 1, COALESCE(MAX(ts) + 1, 0), 0 FROM usage_latest;

DROP TRIGGER trg_usage_samples_latest ON usage_samples;
DROP TRIGGER trg_usage_samples_day_totals ON usage_samples;
DROP FUNCTION trg_usage_samples_latest();
DROP FUNCTION trg_usage_samples_day_totals();

CREATE TABLE usage_day_totals_v60 (
  day bigint NOT NULL,                 -- UTC day start, epoch seconds (ts - ts % 86400)
  site_id bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  bandwidth_mb_x1000 bigint NOT NULL DEFAULT 0,
  requests bigint NOT NULL DEFAULT 0,
  CONSTRAINT usage_day_totals_pkey_v60 PRIMARY KEY (day, site_id)
);
INSERT INTO usage_day_totals_v60 (day, site_id, bandwidth_mb_x1000, requests)
SELECT day, site_id, bandwidth_mb_x1000, requests FROM usage_day_totals;
DROP TABLE usage_day_totals;
ALTER TABLE usage_day_totals_v60 RENAME TO usage_day_totals;
-- Constraint names do not follow a table rename: give the key and foreign key the names a fresh table has.
ALTER TABLE usage_day_totals RENAME CONSTRAINT usage_day_totals_pkey_v60 TO usage_day_totals_pkey;
ALTER TABLE usage_day_totals RENAME CONSTRAINT usage_day_totals_v60_site_id_fkey TO usage_day_totals_site_id_fkey;
CREATE INDEX idx_usage_day_totals_site ON usage_day_totals(site_id);

CREATE FUNCTION trg_usage_recent_latest() RETURNS trigger LANGUAGE plpgsql AS $$
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
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_usage_recent_latest AFTER INSERT ON usage_recent
  FOR EACH ROW EXECUTE FUNCTION trg_usage_recent_latest();

CREATE FUNCTION trg_usage_recent_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)
  VALUES (NEW.ts - NEW.ts % 86400, NEW.site_id, COALESCE(NEW.bandwidth_mb_x1000, 0), COALESCE(NEW.active_requests, 0))
  ON CONFLICT (day, site_id) DO UPDATE SET
    bandwidth_mb_x1000 = usage_day_totals.bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,
    requests = usage_day_totals.requests + excluded.requests;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_usage_recent_day_totals AFTER INSERT ON usage_recent
  FOR EACH ROW EXECUTE FUNCTION trg_usage_recent_day_totals();

-- active_requests is cast to integer: the generated code reads this view column as an Integer (SQLite's view
-- column has no declared type, and codegen types it INTEGER); the drift test holds PostgreSQL to that.
DROP VIEW site_resource_usage;
CREATE VIEW site_resource_usage AS
SELECT site_id,
       to_timestamp(ts) AS "timestamp",
       memory_mb_x100::double precision / 100 AS memory_mb,
       cpu_percent_x100::double precision / 100 AS cpu_percent,
       disk_mb_x100::double precision / 100 AS disk_mb,
       bandwidth_mb_x1000::double precision / 1000 AS bandwidth_mb,
       active_requests::integer AS active_requests,
       response_time_ms_x100::double precision / 100 AS response_time_ms
  FROM usage_samples
UNION ALL
SELECT site_id,
       to_timestamp(ts) AS "timestamp",
       memory_mb_x100::double precision / 100 AS memory_mb,
       cpu_percent_x100::double precision / 100 AS cpu_percent,
       disk_mb_x100::double precision / 100 AS disk_mb,
       bandwidth_mb_x1000::double precision / 1000 AS bandwidth_mb,
       active_requests::integer AS active_requests,
       response_time_ms_x100::double precision / 100 AS response_time_ms
  FROM usage_recent;

INSERT INTO system_config (key, value, description) VALUES
  ('usage.max_clock_skew_seconds', '300', 'Seconds a usage sample may lie in the future (clock skew of the monitoring host); later ones are refused');
