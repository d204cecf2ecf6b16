-- Issue 9 (behaviour 6): logins without oracles.
--
-- password_hash_params: how many users hold a hash of each parameter set ('$2b$12$',
-- '$argon2id$v=19$m=19456,t=2,p=1$'), kept by triggers so a login can read, in one indexed
-- query, every parameter set still stored. UserRepository.authenticate runs one verification per
-- set for every attempt (the real hash's set checks the real hash, the others a dummy), so
-- unknown users, locked accounts and not-yet-rehashed users cost the same.
-- Values that are not bcrypt/argon2id hashes (lock markers such as '!locked') are not counted.
CREATE TABLE password_hash_params (
  params TEXT PRIMARY KEY,
  users INTEGER NOT NULL CHECK (users >= 0)
) WITHOUT ROWID;

INSERT INTO password_hash_params (params, users)
SELECT p, count(*) FROM (
  SELECT CASE
    WHEN password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(password_hash, 1, 7)
    WHEN password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(password_hash, 1,
      instr(password_hash, ',p=') + 2 + instr(substr(password_hash, instr(password_hash, ',p=') + 3), '$'))
  END AS p FROM users)
WHERE p IS NOT NULL GROUP BY p;

CREATE TRIGGER trg_users_hash_params_insert AFTER INSERT ON users
BEGIN
  INSERT OR IGNORE INTO password_hash_params (params, users) SELECT p, 0 FROM (SELECT CASE
    WHEN NEW.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(NEW.password_hash, 1, 7)
    WHEN NEW.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(NEW.password_hash, 1,
      instr(NEW.password_hash, ',p=') + 2 + instr(substr(NEW.password_hash, instr(NEW.password_hash, ',p=') + 3), '$'))
  END AS p) WHERE p IS NOT NULL;
  UPDATE password_hash_params SET users = users + 1 WHERE params = (SELECT CASE
    WHEN NEW.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(NEW.password_hash, 1, 7)
    WHEN NEW.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(NEW.password_hash, 1,
      instr(NEW.password_hash, ',p=') + 2 + instr(substr(NEW.password_hash, instr(NEW.password_hash, ',p=') + 3), '$'))
  END);
END;

CREATE TRIGGER trg_users_hash_params_update AFTER UPDATE OF password_hash ON users
WHEN OLD.password_hash IS NOT NEW.password_hash
BEGIN
  UPDATE password_hash_params SET users = users - 1 WHERE params = (SELECT CASE
    WHEN OLD.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(OLD.password_hash, 1, 7)
    WHEN OLD.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(OLD.password_hash, 1,
      instr(OLD.password_hash, ',p=') + 2 + instr(substr(OLD.password_hash, instr(OLD.password_hash, ',p=') + 3), '$'))
  END);
  INSERT OR IGNORE INTO password_hash_params (params, users) SELECT p, 0 FROM (SELECT CASE
    WHEN NEW.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(NEW.password_hash, 1, 7)
    WHEN NEW.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(NEW.password_hash, 1,
      instr(NEW.password_hash, ',p=') + 2 + instr(substr(NEW.password_hash, instr(NEW.password_hash, ',p=') + 3), '$'))
  END AS p) WHERE p IS NOT NULL;
  UPDATE password_hash_params SET users = users + 1 WHERE params = (SELECT CASE
    WHEN NEW.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(NEW.password_hash, 1, 7)
    WHEN NEW.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(NEW.password_hash, 1,
      instr(NEW.password_hash, ',p=') + 2 + instr(substr(NEW.password_hash, instr(NEW.password_hash, ',p=') + 3), '$'))
  END);
  DELETE FROM password_hash_params WHERE users = 0;
END;

CREATE TRIGGER trg_users_hash_params_delete AFTER DELETE ON users
BEGIN
  UPDATE password_hash_params SET users = users - 1 WHERE params = (SELECT CASE
    WHEN OLD.password_hash GLOB '$2[abxy]$[0-9][0-9]$*' THEN substr(OLD.password_hash, 1, 7)
    WHEN OLD.password_hash GLOB '$argon2*$v=*$m=*,t=*,p=*$*' THEN substr(OLD.password_hash, 1,
      instr(OLD.password_hash, ',p=') + 2 + instr(substr(OLD.password_hash, instr(OLD.password_hash, ',p=') + 3), '$'))
  END);
  DELETE FROM password_hash_params WHERE users = 0;
END;

-- Failed logins per account ('user:<id>') and per unknown login name ('login:<sha-256 hex of
-- the normalised name>', so a probe of a missing account writes exactly like a probe of an
-- existing one). failures counts consecutive failures since the last lockout or success;
-- lockouts counts consecutive lockouts (each doubles the back-off). A successful login deletes
-- the account's row. Rows of unknown names are deleted once stale (see UserRepository).
CREATE TABLE login_throttle (
  subject TEXT PRIMARY KEY,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
  locked_until DATETIME,
  last_failure_at DATETIME NOT NULL,
  CHECK ((user_id IS NOT NULL AND subject = 'user:' || user_id) OR (user_id IS NULL AND subject GLOB 'login:*'))
);
CREATE INDEX idx_login_throttle_last_failure_at ON login_throttle(last_failure_at);
CREATE INDEX idx_login_throttle_user_id ON login_throttle(user_id);
