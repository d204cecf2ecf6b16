-- PostgreSQL twin of db/migration/sqlite/V46.
CREATE TABLE password_hash_params (
  params text PRIMARY KEY,
  users integer NOT NULL CHECK (users >= 0)
);

-- The parameter set of a stored hash, exactly as the SQLite triggers compute it: bcrypt's '$2b$12$' prefix, or
-- an argon2 hash up to the '$' after its ',p=' lanes; NULL for anything else (lock markers such as '!locked').
-- The regular expressions are the SQLite GLOB patterns ('*' = '.*', anchored, trailing '*' = prefix match).
CREATE FUNCTION password_hash_params_of(hash text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN hash ~ '^\$2[abxy]\$[0-9][0-9]\$' THEN substr(hash, 1, 7)
    WHEN hash ~ '^\$argon2.*\$v=.*\$m=.*,t=.*,p=.*\$' THEN substr(hash, 1,
      strpos(hash, ',p=') + 2 + strpos(substr(hash, strpos(hash, ',p=') + 3), '$'))
  END
$$;

INSERT INTO password_hash_params (params, users)
SELECT p, count(*) FROM (SELECT password_hash_params_of(password_hash) AS p FROM users) s
WHERE p IS NOT NULL GROUP BY p;

CREATE FUNCTION trg_users_hash_params() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE password_hash_params SET users = users - 1 WHERE params = password_hash_params_of(OLD.password_hash);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    p := password_hash_params_of(NEW.password_hash);
    IF p IS NOT NULL THEN
      INSERT INTO password_hash_params (params, users) VALUES (p, 1)
        ON CONFLICT (params) DO UPDATE SET users = password_hash_params.users + 1;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM password_hash_params WHERE users = 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER trg_users_hash_params_insert AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION trg_users_hash_params();
CREATE TRIGGER trg_users_hash_params_update AFTER UPDATE OF password_hash ON users
  FOR EACH ROW WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash) EXECUTE FUNCTION trg_users_hash_params();
CREATE TRIGGER trg_users_hash_params_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION trg_users_hash_params();

CREATE TABLE login_throttle (
  subject text PRIMARY KEY,
  user_id bigint REFERENCES users(id) ON DELETE CASCADE,
  failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  lockouts integer NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
  locked_until timestamptz(3),
  last_failure_at timestamptz(3) NOT NULL,
  CHECK ((user_id IS NOT NULL AND subject = 'user:' || user_id) OR (user_id IS NULL AND starts_with(subject, 'login:')))
);
CREATE INDEX idx_login_throttle_last_failure_at ON login_throttle(last_failure_at);
CREATE INDEX idx_login_throttle_user_id ON login_throttle(user_id);
