-- PostgreSQL twin of the Java migration dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites (same version and
-- description). That migration adopts the process rows of a Bun-era SQLite file; no such database exists on
-- PostgreSQL (an installation reaches PostgreSQL by migrating an empty database, then copying an already
-- migrated SQLite installation into it). Its slug folding needs ICU, which SQL cannot do, so instead of a
-- silent no-op this refuses loudly if legacy rows are somehow present.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM processes) THEN
    RAISE EXCEPTION 'V3: legacy process rows cannot be adopted on PostgreSQL; adopt them on SQLite and copy the installation over';
  END IF;
END
$$;
