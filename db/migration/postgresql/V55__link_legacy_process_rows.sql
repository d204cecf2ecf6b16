-- PostgreSQL twin of db/migration/sqlite/V55: a process row naming its site but carrying no site_id is linked
-- to the site of that name (BEFORE the insert here; SQLite updates the row after it).
CREATE FUNCTION trg_processes_link_legacy_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.site_id := (SELECT id FROM sites WHERE name = NEW.site);
  RETURN NEW;
END
$$;
CREATE TRIGGER trg_processes_link_legacy_site BEFORE INSERT ON processes
  FOR EACH ROW WHEN (NEW.site_id IS NULL) EXECUTE FUNCTION trg_processes_link_legacy_site();
