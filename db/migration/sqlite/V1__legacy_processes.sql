-- The legacy schema exactly as the Bun application created it. Every database in the
-- field has this shape; an existing file with it is baselined at V1 and migrated on.
CREATE TABLE IF NOT EXISTS processes (
  id TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  port INTEGER NOT NULL,
  pid INTEGER,
  startTime INTEGER NOT NULL,
  type TEXT NOT NULL,
  script TEXT NOT NULL,
  cwd TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_processes_status ON processes(status);
