-- PostgreSQL twin of db/migration/sqlite/V20. SQLite's WITHOUT ROWID clustering has no direct counterpart;
-- the primary keys are the same (a B-tree index beside a heap). Epoch seconds and fixed-point values stay
-- bigint (Long in the generated code; the queries do arithmetic on them). Partitioning and BRIN are issue 13.
DROP TABLE site_resource_usage;

CREATE TABLE usage_samples (
  site_id bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  ts bigint NOT NULL,                  -- UTC, whole seconds since 1970-01-01
  memory_mb_x100 bigint,
  cpu_percent_x100 bigint,
  disk_mb_x100 bigint,
  bandwidth_mb_x1000 bigint,
  active_requests bigint,
  response_time_ms_x100 bigint,
  PRIMARY KEY (site_id, ts),
  CHECK (ts >= 0),
  CHECK (memory_mb_x100 >= 0 AND cpu_percent_x100 >= 0 AND disk_mb_x100 >= 0 AND bandwidth_mb_x1000 >= 0
         AND active_requests >= 0 AND response_time_ms_x100 >= 0)
);

CREATE TABLE usage_latest (
  site_id bigint PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  ts bigint NOT NULL,
  memory_mb_x100 bigint,
  cpu_percent_x100 bigint,
  disk_mb_x100 bigint,
  bandwidth_mb_x1000 bigint,
  active_requests bigint,
  response_time_ms_x100 bigint
);

-- Only a newer (or equal-time) sample replaces the latest one. (Dropped again in V60, as on SQLite.)
CREATE FUNCTION trg_usage_samples_latest() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_usage_samples_latest AFTER INSERT ON usage_samples
  FOR EACH ROW EXECUTE FUNCTION trg_usage_samples_latest();

CREATE TABLE usage_day_totals (
  site_id bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  day bigint NOT NULL,                 -- UTC day start, epoch seconds (ts - ts % 86400)
  bandwidth_mb_x1000 bigint NOT NULL DEFAULT 0,
  requests bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day)
);

CREATE FUNCTION trg_usage_samples_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_day_totals (site_id, day, bandwidth_mb_x1000, requests)
  VALUES (NEW.site_id, NEW.ts - NEW.ts % 86400, COALESCE(NEW.bandwidth_mb_x1000, 0), COALESCE(NEW.active_requests, 0))
  ON CONFLICT (site_id, day) DO UPDATE SET
    bandwidth_mb_x1000 = usage_day_totals.bandwidth_mb_x1000 + excluded.bandwidth_mb_x1000,
    requests = usage_day_totals.requests + excluded.requests;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_usage_samples_day_totals AFTER INSERT ON usage_samples
  FOR EACH ROW EXECUTE FUNCTION trg_usage_samples_day_totals();

-- The plan's columns for ad-hoc SQL; "timestamp" is a timestamptz here (UTC text on SQLite; an Instant in Java).
CREATE VIEW site_resource_usage AS
SELECT site_id,
       to_timestamp(ts) AS "timestamp",
       memory_mb_x100::double precision / 100 AS memory_mb,
       cpu_percent_x100::double precision / 100 AS cpu_percent,
       disk_mb_x100::double precision / 100 AS disk_mb,
       bandwidth_mb_x1000::double precision / 1000 AS bandwidth_mb,
       active_requests::integer AS active_requests,
       response_time_ms_x100::double precision / 100 AS response_time_ms
  FROM usage_samples;
