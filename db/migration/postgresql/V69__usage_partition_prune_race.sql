-- Two prunes at once (say, two hosts' nightly maintenance): the second waited on the partitions' advisory lock
-- while the first detached (or dropped) the oldest day, then listed the partitions from its own transaction's
-- snapshot — taken before that commit — and tried to detach or drop the same table again: an error ("is not a
-- partition", "does not exist") instead of a prune. The SQL scans of pg_inherits/pg_class cannot see past the
-- snapshot, but the catalog lookups (to_regclass, pg_partition_root) can once the backend has taken a relation
-- lock, as in V68. So both functions now lock usage_samples (SHARE UPDATE EXCLUSIVE: ingest and readers never wait
-- for it) after the advisory lock, check the table they picked against the committed catalog, and when another
-- prune got there first raise serialization_failure (40001): the library re-runs the step in a new transaction,
-- whose snapshot sees the other prune's work. Found by review after V68. Otherwise as in V65.

CREATE OR REPLACE FUNCTION dialup_usage_partition_detach_before(p_cut bigint)
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
  -- The relation lock makes this backend read the catalog as committed now (see above).
  LOCK TABLE usage_samples IN SHARE UPDATE EXCLUSIVE MODE;
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
    -- Listed from this transaction's snapshot: another prune may have detached it since (pg_partition_root is
    -- NULL for a table that is no partition).
    IF pg_partition_root(to_regclass(format('%I.%I', v_part.nspname, v_part.relname)))
       IS DISTINCT FROM 'usage_samples'::regclass THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('dialup_usage_partition_detach_before: %s was detached by a concurrent prune', v_part.relname);
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

CREATE OR REPLACE FUNCTION dialup_usage_partition_drop_detached() RETURNS SETOF text
  LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  v_schema text;
  v_name text;
BEGIN
  SELECT n.nspname INTO v_schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = 'usage_samples'::regclass;
  PERFORM pg_advisory_xact_lock(hashtext('dialup_usage_partitions'));
  LOCK TABLE usage_samples IN SHARE UPDATE EXCLUSIVE MODE;
  FOR v_name IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = v_schema AND c.relkind = 'r' AND NOT c.relispartition
       AND c.relname ~ '^usage_samples_p[0-9]{8}$'
     ORDER BY c.relname
  LOOP
    IF to_regclass(format('%I.%I', v_schema, v_name)) IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('dialup_usage_partition_drop_detached: %s was dropped by a concurrent prune', v_name);
    END IF;
    EXECUTE format('DROP TABLE %I.%I', v_schema, v_name);
    RETURN NEXT v_name;
  END LOOP;
END
$$;

-- CREATE OR REPLACE resets the functions' settings: the same search path as V65 gave them.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_detach_before(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_drop_detached() SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
