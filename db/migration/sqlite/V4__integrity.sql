-- Phase 3: the integrity rules the plan forgot (see docs/schema.md).
-- V3 is the Java data migration dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites.

-- Exactly one limits row per site: unique, and created with the site.
CREATE UNIQUE INDEX ux_site_resource_limits_site_id ON site_resource_limits(site_id);
CREATE TRIGGER trg_sites_default_limits AFTER INSERT ON sites
BEGIN
  INSERT OR IGNORE INTO site_resource_limits (site_id) VALUES (NEW.id);
END;

-- A custom domain belongs to one site globally, compared case-insensitively;
-- at most one primary domain per site.
CREATE UNIQUE INDEX ux_site_domains_domain_nocase ON site_domains(domain COLLATE NOCASE);
CREATE UNIQUE INDEX ux_site_domains_one_primary ON site_domains(site_id) WHERE is_primary = 1;

-- Site slugs and organization slugs compare case-insensitively too.
CREATE UNIQUE INDEX ux_sites_slug_nocase ON sites(slug COLLATE NOCASE);
CREATE UNIQUE INDEX ux_organizations_slug_nocase ON organizations(slug COLLATE NOCASE);

-- An organization's owner_id is always its member with role 'owner', and there is
-- exactly one owner member.
CREATE UNIQUE INDEX ux_organization_members_one_owner ON organization_members(organization_id) WHERE role = 'owner';

CREATE TRIGGER trg_organizations_owner_member AFTER INSERT ON organizations
BEGIN
  INSERT INTO organization_members (user_id, organization_id, role) VALUES (NEW.owner_id, NEW.id, 'owner')
    ON CONFLICT (user_id, organization_id) DO UPDATE SET role = 'owner';
END;

-- Transferring ownership = updating organizations.owner_id: the old owner becomes an
-- admin, the new owner becomes (or is added as) the owner member.
CREATE TRIGGER trg_organizations_owner_transfer AFTER UPDATE OF owner_id ON organizations
WHEN NEW.owner_id IS NOT OLD.owner_id
BEGIN
  UPDATE organization_members SET role = 'admin'
   WHERE organization_id = NEW.id AND user_id = OLD.owner_id;
  INSERT INTO organization_members (user_id, organization_id, role) VALUES (NEW.owner_id, NEW.id, 'owner')
    ON CONFLICT (user_id, organization_id) DO UPDATE SET role = 'owner';
END;

CREATE TRIGGER trg_organization_members_owner_role_guard BEFORE UPDATE OF role ON organization_members
WHEN OLD.role = 'owner' AND NEW.role IS NOT 'owner'
  AND (SELECT owner_id FROM organizations WHERE id = OLD.organization_id) = OLD.user_id
BEGIN
  SELECT RAISE(ABORT, 'the organization owner''s role changes only by transferring ownership');
END;

CREATE TRIGGER trg_organization_members_owner_promote_guard BEFORE UPDATE OF role ON organization_members
WHEN NEW.role = 'owner' AND OLD.role IS NOT 'owner'
  AND (SELECT owner_id FROM organizations WHERE id = NEW.organization_id) IS NOT NEW.user_id
BEGIN
  SELECT RAISE(ABORT, 'only organizations.owner_id may hold the owner role');
END;

CREATE TRIGGER trg_organization_members_owner_insert_guard BEFORE INSERT ON organization_members
WHEN NEW.role = 'owner'
  AND (SELECT owner_id FROM organizations WHERE id = NEW.organization_id) IS NOT NEW.user_id
BEGIN
  SELECT RAISE(ABORT, 'only organizations.owner_id may hold the owner role');
END;

CREATE TRIGGER trg_organization_members_owner_delete_guard BEFORE DELETE ON organization_members
WHEN (SELECT owner_id FROM organizations WHERE id = OLD.organization_id) = OLD.user_id
BEGIN
  SELECT RAISE(ABORT, 'the organization owner cannot be removed; transfer ownership first');
END;

-- updated_at is kept current on every update (UTC, millisecond text, sorts as stored).
CREATE TRIGGER trg_users_updated_at AFTER UPDATE ON users
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE users SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER trg_organizations_updated_at AFTER UPDATE ON organizations
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE organizations SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER trg_sites_updated_at AFTER UPDATE ON sites
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE sites SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER trg_site_resource_limits_updated_at AFTER UPDATE ON site_resource_limits
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE site_resource_limits SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER trg_site_environment_variables_updated_at AFTER UPDATE ON site_environment_variables
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE site_environment_variables SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER trg_system_config_updated_at AFTER UPDATE ON system_config
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE system_config SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE key = NEW.key;
END;

-- Processes: the legacy table cannot take a CHECK without a rebuild; triggers guard the new columns.
CREATE TRIGGER trg_processes_limits_insert BEFORE INSERT ON processes
WHEN (NEW.memory_limit_mb IS NOT NULL AND NEW.memory_limit_mb < 0)
  OR (NEW.cpu_limit_percent IS NOT NULL AND NEW.cpu_limit_percent < 0)
BEGIN
  SELECT RAISE(ABORT, 'process limits must be non-negative');
END;
CREATE TRIGGER trg_processes_limits_update BEFORE UPDATE OF memory_limit_mb, cpu_limit_percent ON processes
WHEN (NEW.memory_limit_mb IS NOT NULL AND NEW.memory_limit_mb < 0)
  OR (NEW.cpu_limit_percent IS NOT NULL AND NEW.cpu_limit_percent < 0)
BEGIN
  SELECT RAISE(ABORT, 'process limits must be non-negative');
END;
CREATE INDEX idx_processes_last_health_check ON processes(last_health_check);
