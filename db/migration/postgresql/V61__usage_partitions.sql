-- Raw usage samples partitioned by UTC day (issue 13; docs/schema.md, "Usage on PostgreSQL").
--
--   usage_samples  becomes a declarative RANGE-partitioned table on ts (epoch seconds), one partition per
--                  UTC day, named usage_samples_pYYYYMMDD. Same columns, types, keys and checks as in V20
--                  (the generated jOOQ code sees no difference); the primary key (site_id, ts) includes the
--                  partition key, as PostgreSQL requires. No DEFAULT partition: a sample of a day without a
--                  partition makes the library create it (dialup_usage_partition_ensure) and retry.
--   dialup_usage_partition_ensure(day)        creates one day's partition (RLS enabled and forced on it);
--   dialup_usage_partition_drop_before(cut)   drops the oldest partition lying wholly before cut (one per call).
--                  SECURITY DEFINER: the runtime role owns nothing and cannot run DDL; these two run as the
--                  owner that ran this migration, take only integers and build their DDL with format(%I/%L)
--                  from values they compute themselves.
-- The SQLite twin of this version is a no-op (SQLite has no partitioning; its retention deletes rows).

-- A fresh table's names for the new one: the old key's index name must be free first.
ALTER TABLE usage_samples RENAME TO usage_samples_v60;
ALTER TABLE usage_samples_v60 RENAME CONSTRAINT usage_samples_pkey TO usage_samples_v60_pkey;
DROP VIEW site_resource_usage;

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
) PARTITION BY RANGE (ts);
-- The over-limit query reads the last minutes of every site: a BRIN index on ts (rows arrive in time order)
-- reads those pages only, where the (site_id, ts) key would be read whole (measured, docs/schema.md).
-- PostgreSQL-only: SQLite's time-keyed usage_recent serves that query there (SchemaDriftTest allows it).
CREATE INDEX idx_usage_samples_ts_brin ON usage_samples USING brin (ts);

CREATE FUNCTION dialup_usage_partition_ensure(p_day bigint) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_schema text;
  v_name text;
BEGIN
  IF p_day IS NULL OR p_day < 0 OR p_day % 86400 <> 0 OR p_day > 253402214400 THEN
    RAISE EXCEPTION 'dialup_usage_partition_ensure: not a UTC day start between 1970-01-01 and 9999-12-31: %',
      p_day USING ERRCODE = '22023';
  END IF;
  -- Every name is qualified with the parent's schema (pg_catalog comes first in the search path).
  SELECT n.nspname INTO v_schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = 'usage_samples'::regclass;
  v_name := 'usage_samples_p' || to_char(to_timestamp(p_day) AT TIME ZONE 'UTC', 'YYYYMMDD');
  IF to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
    RETURN false;
  END IF;
  -- Concurrent creators of the same day: the second waits here, then finds the partition.
  PERFORM pg_advisory_xact_lock(hashtext('dialup_usage_partitions'));
  IF to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.usage_samples FOR VALUES FROM (%L) TO (%L)',
                 v_schema, v_name, v_schema, p_day, p_day + 86400);
  -- Access through usage_samples uses its policies; a partition read directly applies its own (below).
  EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', v_schema, v_name);
  EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', v_schema, v_name);
  -- Row-level security (V62): read directly — by pg_dump and the operator's checks — with the system capability
  -- only; tenants reach the rows through usage_samples and its policy.
  IF to_regprocedure(format('%I.dialup_rls_all()', v_schema)) IS NOT NULL THEN
    EXECUTE format('CREATE POLICY %I ON %I.%I USING (%I.dialup_rls_all())',
                   v_name || '_system', v_schema, v_name, v_schema);
  END IF;
  RETURN true;
END
$$;

-- Drops the oldest partition that lies wholly before p_cut, if there is one, and returns it (name, range,
-- rows it held, counted just before the drop for the operator's log). One partition per call: the drop takes
-- a short exclusive lock on usage_samples, so the library calls it once per transaction, in a loop.
CREATE FUNCTION dialup_usage_partition_drop_before(p_cut bigint)
  RETURNS TABLE (partition_name text, range_start bigint, range_end bigint, row_count bigint)
  LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_part record;
  v_lo bigint;
  v_hi bigint;
BEGIN
  -- Never the last 23 hours of the server's clock (the shortest retention is one day; an hour is left for
  -- clocks that differ): a caller cannot empty the recent samples with it.
  IF p_cut IS NULL OR p_cut < 0 OR p_cut > extract(epoch FROM now())::bigint - 82800 THEN
    RAISE EXCEPTION 'dialup_usage_partition_drop_before: cut must lie between 1970 and 23 hours before now: %',
      p_cut USING ERRCODE = '22023';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('dialup_usage_partitions'));
  FOR v_part IN
    SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.inhparent = 'usage_samples'::regclass
     ORDER BY c.relname
  LOOP
    -- FOR VALUES FROM ('1763510400') TO ('1763596800'): only day partitions the ensure function created.
    IF v_part.relname !~ '^usage_samples_p[0-9]{8}$'
       OR v_part.bound !~ '^FOR VALUES FROM \(''?[0-9]+''?\) TO \(''?[0-9]+''?\)$' THEN
      CONTINUE;
    END IF;
    v_lo := (regexp_match(v_part.bound, 'FROM \(''?([0-9]+)'))[1]::bigint;
    v_hi := (regexp_match(v_part.bound, 'TO \(''?([0-9]+)'))[1]::bigint;
    IF v_hi > p_cut THEN
      RETURN; -- names sort by day: every later partition ends later still
    END IF;
    -- Counted through usage_samples (pruned to this partition): the partition itself forces row-level
    -- security with no policies, so even its owner would count nothing there.
    EXECUTE format('SELECT count(*) FROM %I.usage_samples WHERE ts >= %L AND ts < %L', v_part.nspname, v_lo, v_hi)
      INTO row_count;
    EXECUTE format('DROP TABLE %I.%I', v_part.nspname, v_part.relname);
    partition_name := v_part.relname;
    range_start := v_lo;
    range_end := v_hi;
    RETURN NEXT;
    RETURN;
  END LOOP;
END
$$;

-- The functions resolve names in pg_catalog and this schema only (pg_temp last), whoever calls them.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_ensure(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_drop_before(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;

-- Existing rows (none: a PostgreSQL database is migrated while empty; the move from SQLite comes after).
SELECT dialup_usage_partition_ensure(d)
  FROM (SELECT DISTINCT ts - ts % 86400 AS d FROM usage_samples_v60) days;
INSERT INTO usage_samples SELECT * FROM usage_samples_v60;
DROP TABLE usage_samples_v60;

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
