-- Phase 1 of the schema enhancement plan: every table of the plan with its columns and
-- defaults. CHECK constraints are declared here, with the tables, because SQLite cannot
-- add a CHECK to an existing table without rebuilding it and no database in the field
-- has these tables yet (docs/schema.md lists every deviation from the plan).

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT UNIQUE NOT NULL,
  email TEXT UNIQUE NOT NULL,
  password_hash TEXT NOT NULL,
  display_name TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  is_active BOOLEAN DEFAULT TRUE,
  is_admin BOOLEAN DEFAULT FALSE,
  CHECK (length(username) BETWEEN 1 AND 64),
  CHECK (length(email) BETWEEN 3 AND 254)
);
-- Uniqueness is case-insensitive; the repository also stores them lower-cased.
CREATE UNIQUE INDEX ux_users_username_nocase ON users(username COLLATE NOCASE);
CREATE UNIQUE INDEX ux_users_email_nocase ON users(email COLLATE NOCASE);

CREATE TABLE organizations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE NOT NULL,
  slug TEXT UNIQUE NOT NULL,
  description TEXT,
  owner_id INTEGER NOT NULL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  is_active BOOLEAN DEFAULT TRUE,
  FOREIGN KEY (owner_id) REFERENCES users(id)
);
CREATE INDEX idx_organizations_owner_id ON organizations(owner_id);

CREATE TABLE organization_members (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  organization_id INTEGER NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  joined_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  UNIQUE(user_id, organization_id),
  FOREIGN KEY (user_id) REFERENCES users(id),
  FOREIGN KEY (organization_id) REFERENCES organizations(id),
  CHECK (role IN ('owner', 'admin', 'member'))
);
CREATE INDEX idx_organization_members_organization_id ON organization_members(organization_id);

CREATE TABLE sites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE NOT NULL,
  slug TEXT UNIQUE NOT NULL,
  description TEXT,
  owner_id INTEGER,
  organization_id INTEGER,
  site_type TEXT NOT NULL,
  repository_url TEXT,
  branch TEXT DEFAULT 'main',
  build_command TEXT,
  start_command TEXT,
  port INTEGER,
  domain TEXT,
  subdomain TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  is_active BOOLEAN DEFAULT TRUE,
  FOREIGN KEY (owner_id) REFERENCES users(id),
  FOREIGN KEY (organization_id) REFERENCES organizations(id),
  CHECK ((owner_id IS NOT NULL AND organization_id IS NULL) OR
         (owner_id IS NULL AND organization_id IS NOT NULL)),
  CHECK (site_type IN ('static', 'dynamic', 'docker')),
  CHECK (port IS NULL OR port BETWEEN 1 AND 65535)
);
CREATE INDEX idx_sites_owner_id ON sites(owner_id);
CREATE INDEX idx_sites_organization_id ON sites(organization_id);

CREATE TABLE site_resource_limits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  max_memory_mb INTEGER DEFAULT 512,
  max_cpu_percent INTEGER DEFAULT 50,
  max_disk_mb INTEGER DEFAULT 1024,
  max_bandwidth_mb INTEGER DEFAULT 1024,
  max_requests_per_minute INTEGER DEFAULT 1000,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE,
  CHECK (max_memory_mb >= 0 AND max_cpu_percent >= 0 AND max_disk_mb >= 0
         AND max_bandwidth_mb >= 0 AND max_requests_per_minute >= 0)
);

CREATE TABLE site_resource_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,
  memory_mb REAL,
  cpu_percent REAL,
  disk_mb REAL,
  bandwidth_mb REAL,
  active_requests INTEGER,
  response_time_ms REAL,
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE,
  CHECK (memory_mb IS NULL OR memory_mb >= 0),
  CHECK (cpu_percent IS NULL OR cpu_percent >= 0),
  CHECK (disk_mb IS NULL OR disk_mb >= 0),
  CHECK (bandwidth_mb IS NULL OR bandwidth_mb >= 0),
  CHECK (active_requests IS NULL OR active_requests >= 0),
  CHECK (response_time_ms IS NULL OR response_time_ms >= 0)
);
CREATE INDEX idx_site_resource_usage_site_id_timestamp ON site_resource_usage(site_id, timestamp);

CREATE TABLE site_usage_daily (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  date DATE NOT NULL,
  avg_memory_mb REAL,
  max_memory_mb REAL,
  avg_cpu_percent REAL,
  max_cpu_percent REAL,
  total_bandwidth_mb REAL,
  total_requests INTEGER,
  avg_response_time_ms REAL,
  uptime_seconds INTEGER,
  UNIQUE(site_id, date),
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE,
  CHECK (avg_memory_mb IS NULL OR avg_memory_mb >= 0),
  CHECK (max_memory_mb IS NULL OR max_memory_mb >= 0),
  CHECK (avg_cpu_percent IS NULL OR avg_cpu_percent >= 0),
  CHECK (max_cpu_percent IS NULL OR max_cpu_percent >= 0),
  CHECK (total_bandwidth_mb IS NULL OR total_bandwidth_mb >= 0),
  CHECK (total_requests IS NULL OR total_requests >= 0),
  CHECK (avg_response_time_ms IS NULL OR avg_response_time_ms >= 0),
  CHECK (uptime_seconds IS NULL OR uptime_seconds BETWEEN 0 AND 86400)
);
CREATE INDEX idx_site_usage_daily_date ON site_usage_daily(date);

CREATE TABLE deployments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  commit_hash TEXT,
  commit_message TEXT,
  branch TEXT,
  deployed_by INTEGER,
  status TEXT NOT NULL,
  build_log TEXT,
  build_time_seconds INTEGER,
  deployed_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE,
  FOREIGN KEY (deployed_by) REFERENCES users(id),
  CHECK (status IN ('pending', 'building', 'success', 'failed', 'cancelled')),
  CHECK (build_time_seconds IS NULL OR build_time_seconds >= 0)
);
CREATE INDEX idx_deployments_site_id_id ON deployments(site_id, id);
CREATE INDEX idx_deployments_deployed_by ON deployments(deployed_by);

-- The plan's ALTERs of the legacy process model.
ALTER TABLE processes ADD COLUMN site_id INTEGER REFERENCES sites(id);
ALTER TABLE processes ADD COLUMN memory_limit_mb INTEGER;
ALTER TABLE processes ADD COLUMN cpu_limit_percent INTEGER;
ALTER TABLE processes ADD COLUMN container_id TEXT;
ALTER TABLE processes ADD COLUMN health_check_url TEXT;
ALTER TABLE processes ADD COLUMN last_health_check DATETIME;
CREATE INDEX idx_processes_site_id ON processes(site_id);

CREATE TABLE system_config (
  key TEXT PRIMARY KEY,
  value TEXT,
  description TEXT,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE site_environment_variables (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  is_secret BOOLEAN DEFAULT FALSE,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  UNIQUE(site_id, key),
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
);

CREATE TABLE site_domains (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id INTEGER NOT NULL,
  domain TEXT NOT NULL,
  is_primary BOOLEAN DEFAULT FALSE,
  ssl_enabled BOOLEAN DEFAULT TRUE,
  ssl_cert_path TEXT,
  verified_at DATETIME,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
);
CREATE INDEX idx_site_domains_site_id ON site_domains(site_id);

-- Default configuration. Durations carry their unit in the key so SQL (triggers, prune
-- queries) can use them directly.
INSERT INTO system_config (key, value, description) VALUES
  ('usage.raw_retention_days', '30', 'Days raw resource-usage samples are kept before pruning'),
  ('usage.daily_retention_days', '365', 'Days daily usage aggregates are kept before pruning'),
  ('usage.sample_interval_seconds', '30', 'Seconds between resource-usage samples per site (drives uptime accounting)'),
  ('deployments.log_archive_after_days', '90', 'Days after which deployment build logs are compressed into the archive'),
  ('audit.retention_days', '365', 'Days audit-log rows are kept; only older rows may be pruned'),
  ('security.bcrypt_cost', '12', 'bcrypt cost factor for new password hashes (upgraded on next login when changed)'),
  ('limits.max_memory_mb', '65536', 'System maximum for a site''s memory limit (MB)'),
  ('limits.max_cpu_percent', '800', 'System maximum for a site''s CPU limit (percent of one core)'),
  ('limits.max_disk_mb', '1048576', 'System maximum for a site''s disk limit (MB)'),
  ('limits.max_bandwidth_mb', '10485760', 'System maximum for a site''s bandwidth limit (MB)'),
  ('limits.max_requests_per_minute', '1000000', 'System maximum for a site''s request-rate limit');
