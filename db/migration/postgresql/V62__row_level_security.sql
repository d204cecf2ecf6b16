-- Row-level security: the second wall behind the repositories' access checks (docs/tenancy.md,
-- "Row-level security on PostgreSQL"). Every tenant table has RLS ENABLEd and FORCEd (so even the owner
-- role that ran this migration is subject to it); the policies read the caller's identity from two
-- transaction-local settings the library sets at the start of every transaction opened for an access scope:
--   dialup.user_id  the user id, or ''          dialup.system  'on' for the system capability, or ''
-- A transaction without them sees and writes no tenant row (fail closed). Policies enforce tenant
-- boundaries (who may see or touch which organization's and site's rows), not roles inside a tenant
-- (member vs admin), which stay with the repositories' first wall.
--
-- The SQLite twin of this file is empty: SQLite has no row-level security.

-- Access facts. Policies need the caller's current flags and memberships; reading users or
-- organization_members from a policy on those same tables would recurse, and FORCE keeps even a
-- SECURITY DEFINER function owned by the owner under RLS. So three narrow mirrors without RLS hold ids, flags
-- and roles only, kept current in the same transaction by triggers, in a schema of their own: no other role has
-- any privilege on it (not even USAGE), the library's schema stays as on SQLite, and only the SECURITY DEFINER
-- functions below (owned by this migration's role) read it.
CREATE SCHEMA dialup_rls;
REVOKE ALL ON SCHEMA dialup_rls FROM PUBLIC;
CREATE TABLE dialup_rls.users (
  user_id bigint PRIMARY KEY,
  active boolean NOT NULL,
  admin boolean NOT NULL
);
CREATE TABLE dialup_rls.organizations (
  organization_id bigint PRIMARY KEY,
  active boolean NOT NULL
);
CREATE TABLE dialup_rls.members (
  user_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  role text NOT NULL,
  PRIMARY KEY (user_id, organization_id)
);

INSERT INTO dialup_rls.users SELECT id, coalesce(is_active, false), coalesce(is_admin, false) FROM users;
INSERT INTO dialup_rls.organizations SELECT id, coalesce(is_active, false) FROM organizations;
INSERT INTO dialup_rls.members SELECT user_id, organization_id, role FROM organization_members;

CREATE FUNCTION rls_users_mirror() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM dialup_rls.users WHERE user_id = OLD.id;
  ELSE
    INSERT INTO dialup_rls.users VALUES (NEW.id, coalesce(NEW.is_active, false), coalesce(NEW.is_admin, false))
      ON CONFLICT (user_id) DO UPDATE SET active = EXCLUDED.active, admin = EXCLUDED.admin;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER rls_users_mirror AFTER INSERT OR UPDATE OF id, is_active, is_admin OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION rls_users_mirror();

CREATE FUNCTION rls_organizations_mirror() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM dialup_rls.organizations WHERE organization_id = OLD.id;
  ELSE
    INSERT INTO dialup_rls.organizations VALUES (NEW.id, coalesce(NEW.is_active, false))
      ON CONFLICT (organization_id) DO UPDATE SET active = EXCLUDED.active;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER rls_organizations_mirror AFTER INSERT OR UPDATE OF id, is_active OR DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION rls_organizations_mirror();

CREATE FUNCTION rls_members_mirror() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM dialup_rls.members WHERE user_id = OLD.user_id AND organization_id = OLD.organization_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO dialup_rls.members VALUES (NEW.user_id, NEW.organization_id, NEW.role)
      ON CONFLICT (user_id, organization_id) DO UPDATE SET role = EXCLUDED.role;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER rls_members_mirror AFTER INSERT OR UPDATE OF user_id, organization_id, role OR DELETE
  ON organization_members FOR EACH ROW EXECUTE FUNCTION rls_members_mirror();

-- Rebuilds the mirrors from the tables (after a bulk load with user triggers disabled, e.g. move-to-postgres).
-- Only for the owner, and only with the system identity set (otherwise the tables would look empty).
CREATE FUNCTION dialup_rls_refresh() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF coalesce(current_setting('dialup.system', true), '') <> 'on' THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'dialup_rls_refresh() needs the system identity (dialup.system = on)';
  END IF;
  DELETE FROM dialup_rls.members;
  DELETE FROM dialup_rls.organizations;
  DELETE FROM dialup_rls.users;
  INSERT INTO dialup_rls.users SELECT id, coalesce(is_active, false), coalesce(is_admin, false) FROM users;
  INSERT INTO dialup_rls.organizations SELECT id, coalesce(is_active, false) FROM organizations;
  INSERT INTO dialup_rls.members SELECT user_id, organization_id, role FROM organization_members;
END
$$;
REVOKE EXECUTE ON FUNCTION dialup_rls_refresh() FROM PUBLIC;

-- The caller, from the transaction-local settings (NULL / false when unset: fail closed).
CREATE FUNCTION dialup_rls_uid() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('dialup.user_id', true), '')::bigint
$$;
CREATE FUNCTION dialup_rls_system() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('dialup.system', true), '') = 'on'
$$;

-- Sees everything: the system capability, or an active system admin.
CREATE FUNCTION dialup_rls_all() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT dialup_rls_system()
      OR EXISTS (SELECT 1 FROM dialup_rls.users WHERE user_id = dialup_rls_uid() AND active AND admin)
$$;
-- The caller is an active user.
CREATE FUNCTION dialup_rls_active() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM dialup_rls.users WHERE user_id = dialup_rls_uid() AND active)
$$;
-- Active organizations the active caller belongs to.
CREATE FUNCTION dialup_rls_orgs() RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(m.organization_id), '{}')
    FROM dialup_rls.members m
    JOIN dialup_rls.users u ON u.user_id = m.user_id AND u.active
    JOIN dialup_rls.organizations o ON o.organization_id = m.organization_id AND o.active
   WHERE m.user_id = dialup_rls_uid()
$$;
-- Those of them the caller owns or administers.
CREATE FUNCTION dialup_rls_managed_orgs() RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(m.organization_id), '{}')
    FROM dialup_rls.members m
    JOIN dialup_rls.users u ON u.user_id = m.user_id AND u.active
    JOIN dialup_rls.organizations o ON o.organization_id = m.organization_id AND o.active
   WHERE m.user_id = dialup_rls_uid() AND m.role IN ('owner', 'admin')
$$;
-- Users who share an active organization with the caller (member lists show them).
CREATE FUNCTION dialup_rls_peers() RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(DISTINCT p.user_id), '{}')
    FROM dialup_rls.members p
   WHERE p.organization_id = ANY (dialup_rls_orgs())
$$;
-- The caller's own username and e-mail, lower-case (invitations are addressed to either).
CREATE FUNCTION dialup_rls_names() RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT ARRAY[lower(username), lower(email)] FROM users WHERE id = dialup_rls_uid()), '{}')
$$;

-- Each function call is wrapped in a scalar sub-select so PostgreSQL evaluates it once per statement (an
-- InitPlan), not once per row.

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT
  USING ((SELECT dialup_rls_all()) OR id = (SELECT dialup_rls_uid()) OR id = ANY ((SELECT dialup_rls_peers())::bigint[]));
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK ((SELECT dialup_rls_all()));
CREATE POLICY users_update ON users FOR UPDATE
  USING ((SELECT dialup_rls_all()) OR id = (SELECT dialup_rls_uid()))
  WITH CHECK ((SELECT dialup_rls_all()) OR id = (SELECT dialup_rls_uid()));
CREATE POLICY users_delete ON users FOR DELETE USING ((SELECT dialup_rls_all()));

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
-- Its owner sees an organization too: right after creating it (INSERT ... RETURNING checks the new row against
-- this policy before the owner's membership exists).
CREATE POLICY organizations_tenant ON organizations
  USING ((SELECT dialup_rls_all()) OR id = ANY ((SELECT dialup_rls_orgs())::bigint[])
         OR (owner_id = (SELECT dialup_rls_uid()) AND (SELECT dialup_rls_active())));
-- An invitee sees the organization that invited them (pending invitations list its name).
CREATE POLICY organizations_invitee ON organizations FOR SELECT
  USING (id IN (SELECT i.organization_id FROM organization_invitations i));

ALTER TABLE organization_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_members FORCE ROW LEVEL SECURITY;
CREATE POLICY organization_members_tenant ON organization_members
  USING ((SELECT dialup_rls_all()) OR organization_id = ANY ((SELECT dialup_rls_orgs())::bigint[])
         OR user_id = (SELECT dialup_rls_uid()));

ALTER TABLE organization_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY organization_invitations_tenant ON organization_invitations
  USING ((SELECT dialup_rls_all()) OR organization_id = ANY ((SELECT dialup_rls_orgs())::bigint[])
         OR invitee = ANY ((SELECT dialup_rls_names())::text[]));

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY sites_tenant ON sites
  USING ((SELECT dialup_rls_all()) OR organization_id = ANY ((SELECT dialup_rls_orgs())::bigint[])
         OR (owner_id = (SELECT dialup_rls_uid()) AND (SELECT dialup_rls_active())));

-- Tables that belong to a site: a row is reachable when its site is (the sites policy applies inside).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['site_resource_limits', 'site_usage_daily', 'deployments', 'site_environment_variables',
                           'site_domains', 'site_host_names', 'usage_samples', 'usage_latest', 'usage_day_totals',
                           'usage_recent'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING ((SELECT dialup_rls_all()) OR site_id IN (SELECT s.id FROM sites s))',
                   t || '_tenant', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['deployment_log_chunks', 'deployment_log_archives'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING ((SELECT dialup_rls_all()) OR deployment_id IN (SELECT d.id FROM deployments d))',
                   t || '_tenant', t);
  END LOOP;
END
$$;

-- Legacy process rows: those of a visible site. A row without a site (the process tracker's own, or one unlinked
-- when its site was deleted) belongs to no tenant: readable by any identity (an UPDATE's new row must pass the
-- read policy too), written by "all" only — except that a site's manager unlinks the site's processes.
ALTER TABLE processes ENABLE ROW LEVEL SECURITY;
ALTER TABLE processes FORCE ROW LEVEL SECURITY;
CREATE POLICY processes_read ON processes FOR SELECT
  USING ((SELECT dialup_rls_all()) OR site_id IS NULL OR site_id IN (SELECT s.id FROM sites s));
CREATE POLICY processes_insert ON processes FOR INSERT
  WITH CHECK ((SELECT dialup_rls_all()) OR site_id IN (SELECT s.id FROM sites s));
CREATE POLICY processes_update ON processes FOR UPDATE
  USING ((SELECT dialup_rls_all()) OR site_id IN (SELECT s.id FROM sites s))
  WITH CHECK ((SELECT dialup_rls_all()) OR site_id IS NULL OR site_id IN (SELECT s.id FROM sites s));
CREATE POLICY processes_delete ON processes FOR DELETE
  USING ((SELECT dialup_rls_all()) OR site_id IN (SELECT s.id FROM sites s));

-- Failed-login counters: only the authentication component (system capability) and system admins.
ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
CREATE POLICY login_throttle_system ON login_throttle USING ((SELECT dialup_rls_all()));

-- Audit rows: read by system admins and the managers of the row's organization (the actor also reads back the
-- row it just wrote); written by any caller with an identity, as themselves; deleted by the retention prune.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT
  USING ((SELECT dialup_rls_all()) OR organization_id = ANY ((SELECT dialup_rls_managed_orgs())::bigint[])
         OR actor_user_id = (SELECT dialup_rls_uid()));
CREATE POLICY audit_log_insert ON audit_log FOR INSERT
  WITH CHECK ((SELECT dialup_rls_all()) OR actor_user_id = (SELECT dialup_rls_uid()));
CREATE POLICY audit_log_delete ON audit_log FOR DELETE USING ((SELECT dialup_rls_all()));

-- The legacy view over the usage tables checks privileges and policies as the caller, not as its owner (whom
-- FORCE subjects to the policies without the caller's identity).
ALTER VIEW site_resource_usage SET (security_invoker = true);

-- Partitions of usage_samples (V61) that exist already: read directly (pg_dump, the operator's checks) with the
-- system capability only. V61's function gives every later partition the same policy.
DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'usage_samples'::regclass LOOP
    EXECUTE format('CREATE POLICY %I ON %I USING ((SELECT dialup_rls_all()))', p.relname || '_system', p.relname);
  END LOOP;
END
$$;
