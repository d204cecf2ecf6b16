-- The policies that grant through the caller's organizations (and peers, and managed organizations) tested each row
-- with `col = ANY ((SELECT dialup_rls_orgs())::bigint[])`: PostgreSQL hashes an ANY only over a constant array, so
-- for the InitPlan's array it compared each row with every element. A page of 50 sites walks the name index past
-- ~900 rows a user cannot see, each compared with all 50 of the benchmark user's organizations: 0.77 ms of
-- execution. As `col IN (SELECT unnest(…))` the array becomes a hashed SubPlan, built once per statement and probed
-- once per row: 0.28 ms (issue 13, docs/PERFORMANCE.md "Session 11"). Same rows: NULL and the empty array match
-- nothing either way. dialup_rls_names() (two elements) keeps its ANY.
-- The SQLite twin is a no-op: SQLite has no row-level security.

DROP POLICY users_read ON users;
CREATE POLICY users_read ON users FOR SELECT
  USING ((SELECT dialup_rls_all()) OR id = (SELECT dialup_rls_uid())
         OR id IN (SELECT unnest((SELECT dialup_rls_peers()))));

DROP POLICY organizations_tenant ON organizations;
CREATE POLICY organizations_tenant ON organizations
  USING ((SELECT dialup_rls_all()) OR id IN (SELECT unnest((SELECT dialup_rls_orgs())))
         OR (owner_id = (SELECT dialup_rls_uid()) AND (SELECT dialup_rls_active())));

DROP POLICY organization_members_tenant ON organization_members;
CREATE POLICY organization_members_tenant ON organization_members
  USING ((SELECT dialup_rls_all()) OR organization_id IN (SELECT unnest((SELECT dialup_rls_orgs())))
         OR user_id = (SELECT dialup_rls_uid()));

DROP POLICY organization_invitations_tenant ON organization_invitations;
CREATE POLICY organization_invitations_tenant ON organization_invitations
  USING ((SELECT dialup_rls_all()) OR organization_id IN (SELECT unnest((SELECT dialup_rls_orgs())))
         OR invitee = ANY ((SELECT dialup_rls_names())::text[]));

DROP POLICY sites_tenant ON sites;
CREATE POLICY sites_tenant ON sites
  USING ((SELECT dialup_rls_all()) OR organization_id IN (SELECT unnest((SELECT dialup_rls_orgs())))
         OR (owner_id = (SELECT dialup_rls_uid()) AND (SELECT dialup_rls_active())));

DROP POLICY audit_log_read ON audit_log;
CREATE POLICY audit_log_read ON audit_log FOR SELECT
  USING ((SELECT dialup_rls_all()) OR organization_id IN (SELECT unnest((SELECT dialup_rls_managed_orgs())))
         OR actor_user_id = (SELECT dialup_rls_uid()));
