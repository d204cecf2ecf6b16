-- PostgreSQL twin of db/migration/sqlite/V4. Every SQLite trigger is ported to PL/pgSQL with the same
-- conditions and messages (docs/schema.md, "PostgreSQL triggers"); errors use SQLSTATE 23514
-- (check_violation) where SQLite raises ABORT with the same text.

-- Exactly one limits row per site: unique, and created with the site.
CREATE UNIQUE INDEX ux_site_resource_limits_site_id ON site_resource_limits(site_id);
CREATE FUNCTION trg_sites_default_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO site_resource_limits (site_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_sites_default_limits AFTER INSERT ON sites
  FOR EACH ROW EXECUTE FUNCTION trg_sites_default_limits();

-- A custom domain belongs to one site globally, compared case-insensitively;
-- at most one primary domain per site.
CREATE UNIQUE INDEX ux_site_domains_domain_nocase ON site_domains(lower(domain));
CREATE UNIQUE INDEX ux_site_domains_one_primary ON site_domains(site_id) WHERE is_primary;

-- Site slugs and organization slugs compare case-insensitively too.
CREATE UNIQUE INDEX ux_sites_slug_nocase ON sites(lower(slug));
CREATE UNIQUE INDEX ux_organizations_slug_nocase ON organizations(lower(slug));

-- An organization's owner_id is always its member with role 'owner', and there is
-- exactly one owner member.
CREATE UNIQUE INDEX ux_organization_members_one_owner ON organization_members(organization_id) WHERE role = 'owner';

CREATE FUNCTION trg_organizations_owner_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO organization_members (user_id, organization_id, role) VALUES (NEW.owner_id, NEW.id, 'owner')
    ON CONFLICT (user_id, organization_id) DO UPDATE SET role = 'owner';
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_organizations_owner_member AFTER INSERT ON organizations
  FOR EACH ROW EXECUTE FUNCTION trg_organizations_owner_member();

-- Transferring ownership = updating organizations.owner_id: the old owner becomes an
-- admin, the new owner becomes (or is added as) the owner member.
CREATE FUNCTION trg_organizations_owner_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE organization_members SET role = 'admin'
   WHERE organization_id = NEW.id AND user_id = OLD.owner_id;
  INSERT INTO organization_members (user_id, organization_id, role) VALUES (NEW.owner_id, NEW.id, 'owner')
    ON CONFLICT (user_id, organization_id) DO UPDATE SET role = 'owner';
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_organizations_owner_transfer AFTER UPDATE OF owner_id ON organizations
  FOR EACH ROW WHEN (NEW.owner_id IS DISTINCT FROM OLD.owner_id)
  EXECUTE FUNCTION trg_organizations_owner_transfer();

CREATE FUNCTION trg_organization_members_owner_role_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT owner_id FROM organizations WHERE id = OLD.organization_id) = OLD.user_id THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = 'the organization owner''s role changes only by transferring ownership';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER trg_organization_members_owner_role_guard BEFORE UPDATE OF role ON organization_members
  FOR EACH ROW WHEN (OLD.role = 'owner' AND NEW.role IS DISTINCT FROM 'owner')
  EXECUTE FUNCTION trg_organization_members_owner_role_guard();

CREATE FUNCTION trg_organization_members_owner_promote_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT owner_id FROM organizations WHERE id = NEW.organization_id) IS DISTINCT FROM NEW.user_id THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = 'only organizations.owner_id may hold the owner role';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER trg_organization_members_owner_promote_guard BEFORE UPDATE OF role ON organization_members
  FOR EACH ROW WHEN (NEW.role = 'owner' AND OLD.role IS DISTINCT FROM 'owner')
  EXECUTE FUNCTION trg_organization_members_owner_promote_guard();
CREATE TRIGGER trg_organization_members_owner_insert_guard BEFORE INSERT ON organization_members
  FOR EACH ROW WHEN (NEW.role = 'owner')
  EXECUTE FUNCTION trg_organization_members_owner_promote_guard();

CREATE FUNCTION trg_organization_members_owner_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT owner_id FROM organizations WHERE id = OLD.organization_id) = OLD.user_id THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = 'the organization owner cannot be removed; transfer ownership first';
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER trg_organization_members_owner_delete_guard BEFORE DELETE ON organization_members
  FOR EACH ROW EXECUTE FUNCTION trg_organization_members_owner_delete_guard();

-- updated_at is kept current on every update that does not set it: SQLite re-updates the row AFTER the update;
-- PostgreSQL sets NEW.updated_at BEFORE it (same result, one write). Statement time, millisecond precision.
CREATE FUNCTION trg_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := date_trunc('milliseconds', statement_timestamp());
  RETURN NEW;
END
$$;
CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();
CREATE TRIGGER trg_organizations_updated_at BEFORE UPDATE ON organizations
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();
CREATE TRIGGER trg_sites_updated_at BEFORE UPDATE ON sites
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();
CREATE TRIGGER trg_site_resource_limits_updated_at BEFORE UPDATE ON site_resource_limits
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();
CREATE TRIGGER trg_site_environment_variables_updated_at BEFORE UPDATE ON site_environment_variables
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();
CREATE TRIGGER trg_system_config_updated_at BEFORE UPDATE ON system_config
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) EXECUTE FUNCTION trg_touch_updated_at();

-- Processes: SQLite guards the new columns with triggers because the legacy table cannot take a CHECK
-- without a rebuild. PostgreSQL can add the CHECK, which is the same rule.
ALTER TABLE processes ADD CONSTRAINT ck_processes_limits
  CHECK ((memory_limit_mb IS NULL OR memory_limit_mb >= 0) AND (cpu_limit_percent IS NULL OR cpu_limit_percent >= 0));
CREATE INDEX idx_processes_last_health_check ON processes(last_health_check);
