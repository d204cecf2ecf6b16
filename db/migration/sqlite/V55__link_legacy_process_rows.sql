-- Hardening (issue 10): the Bun-era process tracker keeps writing to `processes` after the
-- migration with its own statements (INSERT OR REPLACE INTO processes (id, site, port, pid,
-- startTime, type, script, cwd, status) ...). Those rows name their site but carry no site_id.
-- Link them to the site of that name when it exists, as V3 did for the rows present at adoption.
-- A row whose site does not exist keeps site_id NULL; `verify` reports it as a warning.
CREATE TRIGGER trg_processes_link_legacy_site AFTER INSERT ON processes
WHEN NEW.site_id IS NULL
BEGIN
  UPDATE processes SET site_id = (SELECT id FROM sites WHERE name = NEW.site)
  WHERE id = NEW.id;
END;
