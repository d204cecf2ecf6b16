-- Append-only audit log. Every mutation through the repositories writes exactly one row
-- in the same transaction. Details are JSON and never carry secret values.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  actor_user_id INTEGER REFERENCES users(id),
  actor_label TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  organization_id INTEGER REFERENCES organizations(id),
  created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  details TEXT NOT NULL DEFAULT '{}',
  CHECK (json_valid(details)),
  CHECK (length(action) > 0 AND length(target_type) > 0)
);
CREATE INDEX idx_audit_log_created_at ON audit_log(created_at);
CREATE INDEX idx_audit_log_organization_id_id ON audit_log(organization_id, id);
CREATE INDEX idx_audit_log_actor_user_id ON audit_log(actor_user_id);

CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Only the retention prune deletes: rows older than audit.retention_days.
CREATE TRIGGER trg_audit_log_retention_only BEFORE DELETE ON audit_log
WHEN OLD.created_at >= strftime('%Y-%m-%d %H:%M:%f', 'now',
       '-' || COALESCE((SELECT CAST(value AS INTEGER) FROM system_config WHERE key = 'audit.retention_days'), 365) || ' days')
BEGIN
  SELECT RAISE(ABORT, 'audit_log rows can only be deleted by the retention prune');
END;
