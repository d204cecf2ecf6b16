-- PostgreSQL twin of db/migration/sqlite/V45. created_at is a NOT NULL timestamptz here, so the SQLite
-- trigger's "unreadable time" branch cannot occur; the 30-day floor is the same.
CREATE FUNCTION trg_audit_log_hard_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.created_at IS NULL OR OLD.created_at >= statement_timestamp() - interval '30 days' THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = 'audit_log rows younger than 30 days can never be deleted (hard retention floor)';
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER trg_audit_log_hard_floor BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION trg_audit_log_hard_floor();

INSERT INTO system_config (key, value, description) VALUES
  ('security.password_algorithm', 'bcrypt', 'Password hashing algorithm for new hashes: bcrypt or argon2id (upgraded on next login when changed)'),
  ('security.argon2_memory_kib', '19456', 'argon2id memory in KiB (minimum 19456, OWASP)'),
  ('security.argon2_iterations', '2', 'argon2id iterations (minimum 2)'),
  ('security.argon2_parallelism', '1', 'argon2id lanes'),
  ('security.login_failure_threshold', '5', 'Consecutive failed logins of one account before it is locked'),
  ('security.login_lockout_seconds', '900', 'First lockout of an account, in seconds; each further consecutive lockout doubles it (at most a day)')
ON CONFLICT (key) DO NOTHING;
