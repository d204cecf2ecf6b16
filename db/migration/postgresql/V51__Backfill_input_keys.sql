-- PostgreSQL twin of the Java migration dev.dialup.deploy.db.migration.V51__Backfill_input_keys (same version and
-- description). That migration backfills keys of rows that existed before V50 on SQLite; a PostgreSQL database
-- is migrated while empty (docs/schema.md, "PostgreSQL"), so there is nothing to backfill. The NFKC_Casefold
-- keys need ICU, which SQL cannot compute, so rows present here are refused rather than keyed wrongly.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM sites) OR EXISTS (SELECT 1 FROM site_domains) THEN
    RAISE EXCEPTION 'V51: existing organizations/sites cannot be backfilled on PostgreSQL; migrate an empty database and copy the installation over';
  END IF;
END
$$;
