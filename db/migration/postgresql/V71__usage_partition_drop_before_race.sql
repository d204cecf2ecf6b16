-- dialup_usage_partition_drop_before (V61) had the stale view V69 fixed in the retention functions: a second
-- caller waiting on the partitions' advisory lock listed the partitions from a snapshot taken before the first
-- caller's DROP committed, and tried to drop the same table again ("does not exist"). The library no longer calls it
-- (retention detaches, then drops: V65, V69), but it stays for operators' scripts (docs/OPERATIONS.md), so it gets
-- the same cure: lock usage_samples (SHARE UPDATE EXCLUSIVE) after the advisory lock, check the pick against the
-- committed catalog, and raise serialization_failure (40001) when another caller got there first; a retry in a new
-- transaction moves on to the next day. Noted in session 9's closing note, fixed in session 10. Otherwise as in V61.

CREATE OR REPLACE FUNCTION dialup_usage_partition_drop_before(p_cut bigint)
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
  -- The relation lock makes this backend read the catalog as committed now (V68, V69).
  LOCK TABLE usage_samples IN SHARE UPDATE EXCLUSIVE MODE;
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
    -- Listed from this transaction's snapshot: another caller may have dropped (or detached) it since.
    IF pg_partition_root(to_regclass(format('%I.%I', v_part.nspname, v_part.relname)))
       IS DISTINCT FROM 'usage_samples'::regclass THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('dialup_usage_partition_drop_before: %s was removed by a concurrent prune', v_part.relname);
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

-- CREATE OR REPLACE resets the function's settings: the same search path as V61 gave it.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_drop_before(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
