-- PostgreSQL twin of db/migration/sqlite/V52.
CREATE UNIQUE INDEX ux_organizations_name_key ON organizations(name_key);
CREATE UNIQUE INDEX ux_sites_name_key ON sites(name_key);
CREATE UNIQUE INDEX ux_sites_subdomain_nocase ON sites(lower(subdomain));

-- Writers that do not know the key get lower(name). SQLite fills it AFTER the insert with a second UPDATE;
-- PostgreSQL sets it BEFORE (same row, one write).
CREATE FUNCTION trg_name_key_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name_key := lower(NEW.name);
  RETURN NEW;
END
$$;
CREATE TRIGGER trg_organizations_name_key_default BEFORE INSERT ON organizations
  FOR EACH ROW WHEN (NEW.name_key IS NULL) EXECUTE FUNCTION trg_name_key_default();
CREATE TRIGGER trg_sites_name_key_default BEFORE INSERT ON sites
  FOR EACH ROW WHEN (NEW.name_key IS NULL) EXECUTE FUNCTION trg_name_key_default();

-- Host-name claims follow sites.domain and site_domains.domain.
CREATE FUNCTION trg_sites_host_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM site_host_names WHERE site_id = OLD.id AND site_domain_id IS NULL;
  END IF;
  IF NEW.domain IS NOT NULL THEN
    INSERT INTO site_host_names (host, site_id) VALUES (lower(NEW.domain), NEW.id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_sites_host_name_insert AFTER INSERT ON sites
  FOR EACH ROW WHEN (NEW.domain IS NOT NULL) EXECUTE FUNCTION trg_sites_host_name();
CREATE TRIGGER trg_sites_host_name_update AFTER UPDATE OF domain ON sites
  FOR EACH ROW WHEN (NEW.domain IS DISTINCT FROM OLD.domain) EXECUTE FUNCTION trg_sites_host_name();

CREATE FUNCTION trg_site_domains_host_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM site_host_names WHERE site_domain_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO site_host_names (host, site_id, site_domain_id) VALUES (lower(NEW.domain), NEW.site_id, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_site_domains_host_name_insert AFTER INSERT ON site_domains
  FOR EACH ROW EXECUTE FUNCTION trg_site_domains_host_name();
CREATE TRIGGER trg_site_domains_host_name_update AFTER UPDATE OF domain, site_id ON site_domains
  FOR EACH ROW EXECUTE FUNCTION trg_site_domains_host_name();
CREATE TRIGGER trg_site_domains_host_name_delete AFTER DELETE ON site_domains
  FOR EACH ROW EXECUTE FUNCTION trg_site_domains_host_name();
