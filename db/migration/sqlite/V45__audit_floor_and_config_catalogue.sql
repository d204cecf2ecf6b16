-- Issue 9 (behaviour 5): the audit log's retention no longer hangs only on a mutable config row.
--
-- A hard floor that no system_config value can lower: rows younger than 30 days are never
-- deleted, whatever audit.retention_days says (0, negative, text, missing) and whoever deletes
-- (repository prune or raw SQL). A created_at that is not a readable time is never deletable.
-- V5's trg_audit_log_retention_only still applies on top (the configured retention, >= 30 days
-- through the API).
CREATE TRIGGER trg_audit_log_hard_floor BEFORE DELETE ON audit_log
WHEN julianday(OLD.created_at) IS NULL
  OR julianday(OLD.created_at) >= julianday('now', '-30 days')
BEGIN
  SELECT RAISE(ABORT, 'audit_log rows younger than 30 days can never be deleted (hard retention floor)');
END;

-- Seed the catalogue's settings that had no row (absent rows already meant these defaults).
INSERT OR IGNORE INTO system_config (key, value, description) VALUES
  ('security.password_algorithm', 'bcrypt', 'Password hashing algorithm for new hashes: bcrypt or argon2id (upgraded on next login when changed)'),
  ('security.argon2_memory_kib', '19456', 'argon2id memory in KiB (minimum 19456, OWASP)'),
  ('security.argon2_iterations', '2', 'argon2id iterations (minimum 2)'),
  ('security.argon2_parallelism', '1', 'argon2id lanes'),
  ('security.login_failure_threshold', '5', 'Consecutive failed logins of one account before it is locked'),
  ('security.login_lockout_seconds', '900', 'First lockout of an account, in seconds; each further consecutive lockout doubles it (at most a day)');
