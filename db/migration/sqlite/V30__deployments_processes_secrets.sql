-- Deployments, processes and health, secret environment variables (issue 4).
-- Append-only: V2's tables are extended with ALTER TABLE ADD COLUMN and new tables.

-- Deployment state machine: each status change records its time.
--   deployed_at  = created (pending)          (V2)
--   started_at   = pending -> building
--   finished_at  = -> success | failed | cancelled
-- build_time_seconds is computed from started_at/finished_at by the repository.
ALTER TABLE deployments ADD COLUMN started_at DATETIME;
ALTER TABLE deployments ADD COLUMN finished_at DATETIME;
-- Log bookkeeping: bytes stored so far (for the per-deployment cap), whether the cap was hit,
-- and when the chunks were compressed into deployment_log_archives.
ALTER TABLE deployments ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0 CHECK (log_bytes >= 0);
ALTER TABLE deployments ADD COLUMN log_truncated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE deployments ADD COLUMN log_archived_at DATETIME;

-- Build log, appended in chunks while a build runs (never rewritten); read back by seq.
CREATE TABLE deployment_log_chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  content TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE (deployment_id, seq),
  FOREIGN KEY (deployment_id) REFERENCES deployments(id) ON DELETE CASCADE,
  CHECK (seq >= 0)
);

-- A finished deployment's log after archival: its chunks concatenated and gzip-compressed.
CREATE TABLE deployment_log_archives (
  deployment_id INTEGER PRIMARY KEY,
  compressed BLOB NOT NULL,
  original_bytes INTEGER NOT NULL CHECK (original_bytes >= 0),
  chunk_count INTEGER NOT NULL CHECK (chunk_count >= 0),
  archived_at DATETIME NOT NULL,
  FOREIGN KEY (deployment_id) REFERENCES deployments(id) ON DELETE CASCADE
);

-- Admin panel and orchestration queries:
--  * latest successful deployment of a site, history by status
CREATE INDEX idx_deployments_site_id_status_id ON deployments(site_id, status, id);
--  * recent failed deployments (newest first)
CREATE INDEX idx_deployments_status_id ON deployments(status, id);
--  * deployments per day: covering (deployed_at, status) range scan
CREATE INDEX idx_deployments_deployed_at_status ON deployments(deployed_at, status);
--  * archival candidates: finished, not archived yet
CREATE INDEX idx_deployments_archive_candidates ON deployments(finished_at) WHERE log_archived_at IS NULL AND finished_at IS NOT NULL;
--  * top sites by resource use: covering, grouped in index order, date range by skip-scan
CREATE INDEX idx_site_usage_daily_site_date_usage ON site_usage_daily(site_id, date, avg_memory_mb, max_memory_mb, avg_cpu_percent, max_cpu_percent);

-- Health checks of processes (last_health_check is V2's column).
ALTER TABLE processes ADD COLUMN health_status TEXT NOT NULL DEFAULT 'unknown'
  CHECK (health_status IN ('unknown', 'healthy', 'unhealthy'));
ALTER TABLE processes ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0);
ALTER TABLE processes ADD COLUMN health_message TEXT;
CREATE INDEX idx_processes_unhealthy ON processes(last_health_check) WHERE health_status = 'unhealthy';

-- Secret environment variables: value holds base64 Tink AEAD ciphertext; key_id is the Tink
-- key id that encrypted it (also the ciphertext's 5-byte prefix), so rotation and
-- "can this key be retired" are index lookups, not decryptions.
ALTER TABLE site_environment_variables ADD COLUMN key_id INTEGER;
CREATE INDEX idx_site_environment_variables_key_id ON site_environment_variables(key_id, id) WHERE is_secret = 1;

INSERT INTO system_config (key, value, description) VALUES
  ('deployments.max_log_bytes', '1048576', 'Cap on the stored build log of one deployment (bytes); later output is dropped with a truncation marker'),
  ('health.check_interval_seconds', '60', 'Seconds after which a process is due for its next health check'),
  ('health.unhealthy_after_failures', '3', 'Consecutive failed health checks after which a process is unhealthy'),
  ('deployments.log_archive_enabled', 'true', 'Whether the scheduler compresses old build logs into the archive'),
  ('platform.name', 'dialup', 'Display name of this platform instance');
