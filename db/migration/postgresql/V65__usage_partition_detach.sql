-- Retention detaches a day's partition in one transaction and drops the detached table in the next (issue 13,
-- docs/usage.md "Retention on PostgreSQL"). Dropping a partition locks usage_samples exclusively until the
-- dropping transaction commits, and that commit removes the partition's files (hundreds of MB): every ingest
-- waited behind it — up to 208 ms against 7-12 ms without a prune once ingest ran smoothly (V64), 7-18x the
-- benchmark's 2x budget (docs/PERFORMANCE.md). DETACH PARTITION is a catalog change under the same lock, with
-- no file work at commit; the DROP of the detached table, in its own transaction, locks only that table.
-- dialup_usage_partition_drop_before (V61) stays as it was for callers that use it.

-- Detaches the oldest partition lying wholly before p_cut, if there is one, and returns it (name, range, rows
-- it held: exact up to 100,000, the statistics' count above). Same validation, lock and naming rules as
-- dialup_usage_partition_drop_before.
CREATE FUNCTION dialup_usage_partition_detach_before(p_cut bigint)
  RETURNS TABLE (partition_name text, range_start bigint, range_end bigint, row_count bigint)
  LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_part record;
  v_lo bigint;
  v_hi bigint;
BEGIN
  IF p_cut IS NULL OR p_cut < 0 OR p_cut > extract(epoch FROM now())::bigint - 82800 THEN
    RAISE EXCEPTION 'dialup_usage_partition_detach_before: cut must lie between 1970 and 23 hours before now: %',
      p_cut USING ERRCODE = '22023';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('dialup_usage_partitions'));
  FOR v_part IN
    SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.inhparent = 'usage_samples'::regclass
     ORDER BY c.relname
  LOOP
    IF v_part.relname !~ '^usage_samples_p[0-9]{8}$'
       OR v_part.bound !~ '^FOR VALUES FROM \(''?[0-9]+''?\) TO \(''?[0-9]+''?\)$' THEN
      CONTINUE;
    END IF;
    v_lo := (regexp_match(v_part.bound, 'FROM \(''?([0-9]+)'))[1]::bigint;
    v_hi := (regexp_match(v_part.bound, 'TO \(''?([0-9]+)'))[1]::bigint;
    IF v_hi > p_cut THEN
      RETURN;
    END IF;
    -- The rows it held: the statistics' count (pg_class.reltuples, kept by autovacuum and ANALYZE) for a partition
    -- of more than 100,000 rows, an exact count below that. An exact count of a full day scans all of it while
    -- ingest runs: measured, that alone doubled to quadrupled the longest concurrent ingest call.
    SELECT c.reltuples INTO row_count FROM pg_class c WHERE c.relname = v_part.relname
       AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = v_part.nspname);
    IF row_count IS NULL OR row_count <= 100000 THEN
      -- Counted through usage_samples (only its policies let the owner see the rows).
      EXECUTE format('SELECT count(*) FROM %I.usage_samples WHERE ts >= %L AND ts < %L', v_part.nspname, v_lo, v_hi)
        INTO row_count;
    END IF;
    EXECUTE format('ALTER TABLE %I.usage_samples DETACH PARTITION %I.%I', v_part.nspname, v_part.nspname,
                   v_part.relname);
    partition_name := v_part.relname;
    range_start := v_lo;
    range_end := v_hi;
    RETURN NEXT;
    RETURN;
  END LOOP;
END
$$;

-- Drops every detached day table: named like a day partition, in this schema, and no longer a partition of
-- usage_samples (a retention step interrupted between its two transactions leaves one; the next prune drops
-- it). Returns the names dropped.
CREATE FUNCTION dialup_usage_partition_drop_detached() RETURNS SETOF text
  LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_schema text;
  v_name text;
BEGIN
  SELECT n.nspname INTO v_schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = 'usage_samples'::regclass;
  PERFORM pg_advisory_xact_lock(hashtext('dialup_usage_partitions'));
  FOR v_name IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = v_schema AND c.relkind = 'r' AND NOT c.relispartition
       AND c.relname ~ '^usage_samples_p[0-9]{8}$'
     ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I.%I', v_schema, v_name);
    RETURN NEXT v_name;
  END LOOP;
END
$$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_detach_before(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_drop_detached() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
