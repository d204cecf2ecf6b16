-- PostgreSQL twin of db/migration/sqlite/V50.
ALTER TABLE organizations ADD COLUMN name_key text;
ALTER TABLE sites ADD COLUMN name_key text;

CREATE TABLE site_host_names (
  host text NOT NULL PRIMARY KEY,
  site_id bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  site_domain_id bigint REFERENCES site_domains(id) ON DELETE CASCADE,
  CHECK (host = lower(host))
);
CREATE INDEX idx_site_host_names_site_id ON site_host_names(site_id);
CREATE INDEX idx_site_host_names_site_domain_id ON site_host_names(site_domain_id);
