-- Issue 10, input hardening (3 of 3): uniqueness rests on constraints, not on a check before
-- the insert (several writers, PostgreSQL later). Repositories translate a violation of these
-- into ConflictException. V51 resolved the collisions existing rows had (docs/schema.md).

CREATE UNIQUE INDEX ux_organizations_name_key ON organizations(name_key);
CREATE UNIQUE INDEX ux_sites_name_key ON sites(name_key);
-- A platform subdomain belongs to one site (NULLs do not collide).
CREATE UNIQUE INDEX ux_sites_subdomain_nocase ON sites(subdomain COLLATE NOCASE);

-- Writers that do not know the key (older tools, raw SQL) get lower(name): exact for ASCII
-- names; the repositories always write the full NFKC_Casefold key themselves.
CREATE TRIGGER trg_organizations_name_key_default AFTER INSERT ON organizations
WHEN NEW.name_key IS NULL
BEGIN
  UPDATE organizations SET name_key = lower(NEW.name) WHERE id = NEW.id;
END;
CREATE TRIGGER trg_sites_name_key_default AFTER INSERT ON sites
WHEN NEW.name_key IS NULL
BEGIN
  UPDATE sites SET name_key = lower(NEW.name) WHERE id = NEW.id;
END;

-- Host-name claims follow sites.domain and site_domains.domain.
CREATE TRIGGER trg_sites_host_name_insert AFTER INSERT ON sites
WHEN NEW.domain IS NOT NULL
BEGIN
  INSERT INTO site_host_names (host, site_id) VALUES (lower(NEW.domain), NEW.id);
END;
CREATE TRIGGER trg_sites_host_name_update AFTER UPDATE OF domain ON sites
WHEN NEW.domain IS NOT OLD.domain
BEGIN
  DELETE FROM site_host_names WHERE site_id = OLD.id AND site_domain_id IS NULL;
  INSERT INTO site_host_names (host, site_id) SELECT lower(NEW.domain), NEW.id WHERE NEW.domain IS NOT NULL;
END;
CREATE TRIGGER trg_site_domains_host_name_insert AFTER INSERT ON site_domains
BEGIN
  INSERT INTO site_host_names (host, site_id, site_domain_id) VALUES (lower(NEW.domain), NEW.site_id, NEW.id);
END;
CREATE TRIGGER trg_site_domains_host_name_update AFTER UPDATE OF domain, site_id ON site_domains
BEGIN
  DELETE FROM site_host_names WHERE site_domain_id = OLD.id;
  INSERT INTO site_host_names (host, site_id, site_domain_id) VALUES (lower(NEW.domain), NEW.site_id, NEW.id);
END;
CREATE TRIGGER trg_site_domains_host_name_delete AFTER DELETE ON site_domains
BEGIN
  DELETE FROM site_host_names WHERE site_domain_id = OLD.id;
END;
