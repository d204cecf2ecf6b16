-- usage_samples without its foreign key to sites (issue 13, docs/schema.md "Usage on PostgreSQL"). On the
-- partitioned history the key checked every new sample with a `SELECT … FOR KEY SHARE` on its site's row: one
-- lookup and one row lock per sample, the largest cost of an ingest round that COPY-only loads do not pay.
-- Measured in one JVM on the 1,000-site benchmark database, 1,000-sample rounds, row-level security on, the
-- key dropped between blocks: 28-37k samples/s with it, 39-52k without (docs/PERFORMANCE.md).
--
-- Both guarantees the key gave stay, by other means:
--   * No sample of a site that does not exist. The ingest statement upserts usage_latest for every site of
--     every sample it stores, in the same statement. A site with a usage_latest row exists (that key cascades
--     on delete); a site without one gets its row inserted, which checks usage_latest's foreign key, so a
--     sample of a missing site fails the whole statement (foreign_key_violation, named by the library).
--   * Deleting a site deletes its samples: the trigger below, in the deleting transaction (as the key's
--     ON DELETE CASCADE did). A concurrent ingest of that site meets the site's usage_latest row on both sides
--     and one of the two SERIALIZABLE transactions is retried.
-- SQLite keeps its key (db/migration/sqlite/V64 is a no-op): its ingest appends to usage_recent, whose key
-- stays here as well; SchemaDriftTest allows the difference.

-- By lookup, not by name: V61 created the key while the renamed V60 table still held the default name.
DO $$
DECLARE v_name text;
BEGIN
  FOR v_name IN SELECT conname FROM pg_constraint
                 WHERE conrelid = 'usage_samples'::regclass AND contype = 'f' AND confrelid = 'sites'::regclass LOOP
    EXECUTE format('ALTER TABLE usage_samples DROP CONSTRAINT %I', v_name);
  END LOOP;
END
$$;

-- Runs as the owner with the system capability for the one DELETE: usage_samples forces row-level security, and
-- in an AFTER trigger the deleted site is no longer visible to the tenant policy. The capability is put back
-- right after; if the DELETE fails, the transaction (or savepoint) aborts and takes the setting back with it.
-- (A function-level SET of a custom setting needs superuser rights to create.)
CREATE FUNCTION usage_samples_delete_site() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_system text := current_setting('dialup.system', true);
BEGIN
  PERFORM set_config('dialup.system', 'on', true);
  DELETE FROM usage_samples WHERE site_id = OLD.id;
  PERFORM set_config('dialup.system', coalesce(v_system, ''), true);
  RETURN NULL;
END
$$;
CREATE TRIGGER usage_samples_delete_site AFTER DELETE ON sites
  FOR EACH ROW EXECUTE FUNCTION usage_samples_delete_site();
