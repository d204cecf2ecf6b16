-- The library's facts query on PostgreSQL (issue 13, docs/PERFORMANCE.md "Session 10"; docs/tenancy.md). Every
-- call for a user scope starts by reading the caller's current facts: active and admin flags, and the role in each
-- active organization. Read from users, organization_members and organizations, that query went through the
-- tables' row-level security policies, each of which calls the policy functions again (the organizations policy
-- also reads organization_invitations, whose policy reads users): 0.6-0.7 ms per call on the benchmark machine,
-- against 0.3 ms for the same facts read from the mirrors the policies themselves use.
--
-- This function reads those mirrors (dialup_rls, V62: the same facts, kept current by triggers in the writing
-- transaction). It answers for the transaction's own user (dialup.user_id), and for any user when the transaction
-- sees every row anyway (the system capability, or an active system admin: dialup_rls_all(), as in the policies; a
-- system transaction checks a user scope's rights this way). Otherwise it returns no row, which the library reads
-- as an inactive user (fail closed). It tells the caller nothing the tables' policies do not already show it.
-- SQLite keeps its query on the tables (db/migration/sqlite/V70 is a no-op).
CREATE FUNCTION dialup_rls_facts(p_user_id bigint)
  RETURNS TABLE (active boolean, admin boolean, memberships text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT u.active, u.admin,
         (SELECT string_agg(m.organization_id::text || ':' || m.role, ',')
            FROM dialup_rls.members m
            JOIN dialup_rls.organizations o ON o.organization_id = m.organization_id AND o.active
           WHERE m.user_id = u.user_id)
    FROM dialup_rls.users u
   WHERE u.user_id = p_user_id AND (p_user_id = dialup_rls_uid() OR dialup_rls_all())
$$;
