-- Two batches that need the same missing day at once: the second waited on the advisory lock for the first to
-- create the partition, then looked again with to_regclass — which takes no lock and so reads the catalog as this
-- backend last saw it (PostgreSQL processes other sessions' catalog changes when it takes a relation lock, not an
-- advisory one). It missed the new partition, and its CREATE TABLE failed with "relation … already exists".
-- Found by UsageRepositoryTest.concurrentBatchesSharingSamplesStoreAndCountEachSampleOnce. The function now takes
-- a SHARE UPDATE EXCLUSIVE lock on usage_samples after the advisory one: a mode ingest (ROW EXCLUSIVE) and readers
-- (ACCESS SHARE) do not hold or wait for, so taking it makes the backend read the committed catalog first.
-- Otherwise as in V61.
CREATE OR REPLACE FUNCTION dialup_usage_partition_ensure(p_day bigint) RETURNS boolean
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
  EXECUTE format('LOCK TABLE %I.usage_samples IN SHARE UPDATE EXCLUSIVE MODE', v_schema);
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

-- CREATE OR REPLACE resets the function's settings: the same search path as V61 gave it.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION dialup_usage_partition_ensure(bigint) SET search_path = pg_catalog, %I, pg_temp',
                 current_schema());
END
$$;
