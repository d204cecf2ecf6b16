-- dialup_rls_names() (V62), which the organization_invitations policy calls, read `users` through the caller's
-- search_path: every other policy function pins its path, this one did not. pg_dump reads each table with an
-- empty search_path, so `backup` as the owner (the documented role; only a superuser skips the policies) failed
-- with "relation users does not exist" while planning the policy — found running pg_dump 18 (docs/OPERATIONS.md,
-- "Backups"). Pinned like the others to the schema the migrations run in. Being a plain (not SECURITY DEFINER)
-- function it still reads `users` as the caller, under that table's policy.
ALTER FUNCTION dialup_rls_names() SET search_path FROM CURRENT;
