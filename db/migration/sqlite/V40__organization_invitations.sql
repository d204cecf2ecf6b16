-- Issue 9: membership by invitation. Owners/admins invite a username or an email; the
-- account whose CURRENT username or email equals `invitee` accepts or declines with its own
-- scope. No bearer token exists (the invitee is identified by their scope), so nothing secret
-- is stored. Nothing here depends on whether an account with that name exists: the inviter
-- learns nothing about accounts. Rules in docs/tenancy.md.
CREATE TABLE organization_invitations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  invitee TEXT NOT NULL,                  -- normalised (lower-case) username or email, as the inviter typed it
  role TEXT NOT NULL,
  inviter_id INTEGER REFERENCES users(id) ON DELETE SET NULL,   -- null when the system scope invited
  status TEXT NOT NULL DEFAULT 'pending',
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  responded_at DATETIME,
  responder_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  CHECK (role IN ('admin', 'member')),
  CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
  CHECK (length(invitee) BETWEEN 3 AND 254),
  CHECK (expires_at > created_at),
  CHECK ((status = 'pending') = (responded_at IS NULL))
);
-- At most one pending invitation per organization and invitee.
CREATE UNIQUE INDEX uq_organization_invitations_pending ON organization_invitations(organization_id, invitee)
  WHERE status = 'pending';
-- "My invitations": pending rows by invitee.
CREATE INDEX idx_organization_invitations_invitee ON organization_invitations(invitee) WHERE status = 'pending';

-- Single use: once answered (accepted, declined, revoked, expired) an invitation never changes again.
CREATE TRIGGER organization_invitations_single_use
BEFORE UPDATE ON organization_invitations
WHEN OLD.status <> 'pending'
BEGIN
  SELECT RAISE(ABORT, 'organization invitation already answered');
END;
