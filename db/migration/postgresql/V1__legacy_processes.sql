-- PostgreSQL twin of db/migration/sqlite/V1 (docs/schema.md, "PostgreSQL"). No Bun-era database ever ran on
-- PostgreSQL, so this only gives the table its logical shape. "startTime" keeps its quoted camel-case name (the
-- generated jOOQ code quotes it) and holds epoch milliseconds in a bigint, as the legacy column does.
CREATE TABLE IF NOT EXISTS processes (
  id text PRIMARY KEY,
  site text NOT NULL,
  port integer NOT NULL,
  pid integer,
  "startTime" bigint NOT NULL,
  type text NOT NULL,
  script text NOT NULL,
  cwd text NOT NULL,
  status text NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_processes_status ON processes(status);
