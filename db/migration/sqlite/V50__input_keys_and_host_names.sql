-- Issue 10, input hardening (1 of 3): the columns and the table; V51 (Java) backfills them,
-- V52 adds the UNIQUE indexes and the triggers that keep them current.

-- Uniqueness keys of names shown to people: the Unicode NFKC_Casefold of the name (ICU4J),
-- written by the repositories beside the name, so 'ÄRZTE', 'ärzte' and 'A\u0308rzte' collide.
-- Usernames, e-mail addresses and slugs are ASCII by their own rules, so their existing
-- COLLATE NOCASE indexes already compare them case-insensitively in full.
ALTER TABLE organizations ADD COLUMN name_key TEXT;
ALTER TABLE sites ADD COLUMN name_key TEXT;

-- Every host name a site answers to, in one place: sites.domain (site_domain_id NULL) and
-- each site_domains row register here (V52 triggers), and the primary key makes a host name
-- belong to exactly one of them across all tenants. Hosts are stored lower-case ASCII
-- (IDNA2008 punycode), so plain equality is case-insensitive.
CREATE TABLE site_host_names (
  host TEXT NOT NULL PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  site_domain_id INTEGER REFERENCES site_domains(id) ON DELETE CASCADE,
  CHECK (host = lower(host))
);
CREATE INDEX idx_site_host_names_site_id ON site_host_names(site_id);
CREATE INDEX idx_site_host_names_site_domain_id ON site_host_names(site_domain_id);
