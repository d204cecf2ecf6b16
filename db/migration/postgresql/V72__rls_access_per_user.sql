-- Each user's organization access kept ready in their mirror row (issue 13, docs/PERFORMANCE.md "Session 11";
-- docs/tenancy.md "Row-level security"). Every policy that grants through organizations calls dialup_rls_orgs()
-- once per statement, and every user-scoped call of the library reads dialup_rls_facts(); both joined the member,
-- user and organization mirrors on each call (a SQL function's body is planned on every call of the statement
-- around it): 0.14 ms of the 0.55 ms a page of 50 sites took on the server, and most of the facts' 0.15 ms.
--
-- dialup_rls.users.access holds {"orgId": "role", …} for the user's memberships in ACTIVE organizations (whether
-- the user is active is still checked where it is read). Two columns are generated from it: orgs (the ids) and
-- memberships ("orgId:role,…", the facts' form, null for none). The mirror triggers keep access current in the
-- writing transaction, by increments that stay right under READ COMMITTED too:
--   * a membership added or changed: its organization's mirror row is read FOR SHARE (so a concurrent
--     (de)activation of that organization is waited for, and its outcome seen), and the grant is added only if
--     the organization is active; a membership removed (or changed) is taken out first;
--   * an organization (de)activated, deleted or renumbered: its members' rows lose or gain it, found through a new
--     index on dialup_rls.members (organization_id), which dialup_rls_peers() uses too.
-- UPDATE ... SET access = access || … works on the newest version of the row it waits for, so concurrent
-- increments for one user do not overwrite each other. dialup_rls_refresh() recomputes every row from the mirrors.
-- The SQLite twin is a no-op: SQLite has no row-level security.

CREATE INDEX dialup_rls_members_organization ON dialup_rls.members (organization_id);

-- The ids and the facts' text of an access map. IMMUTABLE (jsonb keeps its keys in one fixed order), so they can
-- generate stored columns.
CREATE FUNCTION dialup_rls_access_orgs(p_access jsonb) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(k::bigint), '{}') FROM jsonb_object_keys(p_access) k
$$;
CREATE FUNCTION dialup_rls_access_text(p_access jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path FROM CURRENT AS $$
  SELECT string_agg(e.key || ':' || e.value, ',') FROM jsonb_each_text(p_access) e
$$;
REVOKE EXECUTE ON FUNCTION dialup_rls_access_orgs(jsonb) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION dialup_rls_access_text(jsonb) FROM PUBLIC;

ALTER TABLE dialup_rls.users
  ADD COLUMN access jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN orgs bigint[] GENERATED ALWAYS AS (dialup_rls_access_orgs(access)) STORED,
  ADD COLUMN memberships text GENERATED ALWAYS AS (dialup_rls_access_text(access)) STORED;

-- The access of every user, from the mirrors (here, and after a bulk load in dialup_rls_refresh()).
CREATE FUNCTION dialup_rls_access_rebuild() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
  UPDATE dialup_rls.users u
     SET access = coalesce((SELECT jsonb_object_agg(m.organization_id::text, m.role)
                              FROM dialup_rls.members m
                              JOIN dialup_rls.organizations o ON o.organization_id = m.organization_id AND o.active
                             WHERE m.user_id = u.user_id), '{}')
$$;
REVOKE EXECUTE ON FUNCTION dialup_rls_access_rebuild() FROM PUBLIC;
SELECT dialup_rls_access_rebuild();

CREATE OR REPLACE FUNCTION rls_members_mirror() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM dialup_rls.members WHERE user_id = OLD.user_id AND organization_id = OLD.organization_id;
    UPDATE dialup_rls.users SET access = access - OLD.organization_id::text WHERE user_id = OLD.user_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO dialup_rls.members VALUES (NEW.user_id, NEW.organization_id, NEW.role)
      ON CONFLICT (user_id, organization_id) DO UPDATE SET role = EXCLUDED.role;
    -- Waits for a concurrent change of the organization's mirror row and sees its outcome (FOR SHARE).
    PERFORM 1 FROM dialup_rls.organizations WHERE organization_id = NEW.organization_id AND active FOR SHARE;
    IF FOUND THEN
      UPDATE dialup_rls.users SET access = access || jsonb_build_object(NEW.organization_id::text, NEW.role)
       WHERE user_id = NEW.user_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rls_organizations_mirror() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  was_active boolean := TG_OP <> 'INSERT' AND coalesce(OLD.is_active, false);
  is_active boolean := TG_OP <> 'DELETE' AND coalesce(NEW.is_active, false);
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM dialup_rls.organizations WHERE organization_id = OLD.id;
  ELSE
    INSERT INTO dialup_rls.organizations VALUES (NEW.id, coalesce(NEW.is_active, false))
      ON CONFLICT (organization_id) DO UPDATE SET active = EXCLUDED.active;
  END IF;
  -- The members' access follows the organization: withdrawn when it stops granting, given when it starts.
  IF was_active AND (NOT is_active OR OLD.id IS DISTINCT FROM NEW.id) THEN
    UPDATE dialup_rls.users u SET access = u.access - OLD.id::text
      FROM dialup_rls.members m
     WHERE m.organization_id = OLD.id AND m.user_id = u.user_id;
  END IF;
  IF is_active AND (NOT was_active OR OLD.id IS DISTINCT FROM NEW.id) THEN
    UPDATE dialup_rls.users u SET access = u.access || jsonb_build_object(m.organization_id::text, m.role)
      FROM dialup_rls.members m
     WHERE m.organization_id = NEW.id AND m.user_id = u.user_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dialup_rls_refresh() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF coalesce(current_setting('dialup.system', true), '') <> 'on' THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = 'dialup_rls_refresh() needs the system identity (dialup.system = on)';
  END IF;
  DELETE FROM dialup_rls.members;
  DELETE FROM dialup_rls.organizations;
  DELETE FROM dialup_rls.users;
  INSERT INTO dialup_rls.users (user_id, active, admin)
    SELECT id, coalesce(is_active, false), coalesce(is_admin, false) FROM users;
  INSERT INTO dialup_rls.organizations SELECT id, coalesce(is_active, false) FROM organizations;
  INSERT INTO dialup_rls.members SELECT user_id, organization_id, role FROM organization_members;
  PERFORM dialup_rls_access_rebuild();
END
$$;

-- Readers: one row by primary key instead of the three-mirror join.
CREATE OR REPLACE FUNCTION dialup_rls_orgs() RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce((SELECT u.orgs FROM dialup_rls.users u WHERE u.user_id = dialup_rls_uid() AND u.active), '{}')
$$;
CREATE OR REPLACE FUNCTION dialup_rls_managed_orgs() RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce((SELECT array_agg(e.key::bigint)
                     FROM dialup_rls.users u, jsonb_each_text(u.access) e
                    WHERE u.user_id = dialup_rls_uid() AND u.active AND e.value IN ('owner', 'admin')), '{}')
$$;
CREATE OR REPLACE FUNCTION dialup_rls_facts(p_user_id bigint)
  RETURNS TABLE (active boolean, admin boolean, memberships text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT u.active, u.admin, u.memberships
    FROM dialup_rls.users u
   WHERE u.user_id = p_user_id AND (p_user_id = dialup_rls_uid() OR dialup_rls_all())
$$;
