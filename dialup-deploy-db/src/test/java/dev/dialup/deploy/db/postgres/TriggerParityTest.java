package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.testing.EngineMigrations;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PL/pgSQL twins of the SQLite triggers behave the same: one script of plain SQL (valid on both engines) runs on
 * a migrated SQLite file and a migrated PostgreSQL database; the statements the triggers must refuse fail on both,
 * and the same queries then return the same rows.
 */
class TriggerParityTest {
    private static final String OLD = "'2020-01-01 00:00:00.000'";
    private static final String USER = "(SELECT id FROM users WHERE username = '%s')";
    private static final String ORG = "(SELECT id FROM organizations WHERE slug = 'org')";

    /** A statement of the script; {@code refused} ones must fail (a trigger or constraint says no). */
    private record Step(String sql, boolean refused) {}

    private static Step ok(String sql, Object... args) {
        return new Step(sql.formatted(args), false);
    }

    private static Step refused(String sql, Object... args) {
        return new Step(sql.formatted(args), true);
    }

    private static final List<Step> SCRIPT = List.of(
            ok(
                    "INSERT INTO users (username, email, password_hash, created_at, updated_at) VALUES ('u1', 'u1@x.org', '$2b$12$aaaaaaaaaaaaaaaaaaaaaa', %s, %s)",
                    OLD, OLD),
            ok(
                    "INSERT INTO users (username, email, password_hash) VALUES ('u2', 'u2@x.org', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')"),
            ok("INSERT INTO users (username, email, password_hash) VALUES ('u3', 'u3@x.org', '!locked')"),
            ok(
                    "INSERT INTO users (username, email, password_hash) VALUES ('u4', 'u4@x.org', '$2y$10$bbbbbbbbbbbbbbbbbbbbbb')"),
            // updated_at is touched by an update that does not set it, kept when the update sets it.
            ok("UPDATE users SET display_name = 'One' WHERE username = 'u1'"),
            // password_hash_params follows inserts, updates and deletes.
            ok("UPDATE users SET password_hash = '$2b$12$cccccccccccccccccccccc' WHERE username = 'u4'"),
            ok("UPDATE users SET display_name = 'Four', updated_at = %s WHERE username = 'u4'", OLD),
            ok("DELETE FROM users WHERE username = 'u3'"),
            // Organization ownership.
            ok("INSERT INTO organizations (name, slug, owner_id) VALUES ('Org', 'org', %s)", USER.formatted("u1")),
            ok(
                    "INSERT INTO organization_members (user_id, organization_id, role) VALUES (%s, %s, 'member')",
                    USER.formatted("u2"), ORG),
            refused(
                    "INSERT INTO organization_members (user_id, organization_id, role) VALUES (%s, %s, 'owner')",
                    USER.formatted("u4"), ORG),
            refused("UPDATE organization_members SET role = 'owner' WHERE user_id = %s", USER.formatted("u2")),
            refused("UPDATE organization_members SET role = 'admin' WHERE user_id = %s", USER.formatted("u1")),
            refused("DELETE FROM organization_members WHERE user_id = %s", USER.formatted("u1")),
            ok("UPDATE organizations SET owner_id = %s WHERE slug = 'org'", USER.formatted("u2")),
            // Sites: limits row, name key, host names.
            ok(
                    "INSERT INTO sites (name, slug, organization_id, site_type, domain) VALUES ('Site One', 'site-one', %s, 'dynamic', 'A.Example.org')",
                    ORG),
            ok(
                    "INSERT INTO sites (name, slug, owner_id, site_type, name_key) VALUES ('Site Two', 'site-two', %s, 'static', 'given key')",
                    USER.formatted("u4")),
            ok(
                    "INSERT INTO site_domains (site_id, domain, is_primary) VALUES ((SELECT id FROM sites WHERE slug = 'site-one'), 'B.example.org', TRUE)"),
            ok(
                    "INSERT INTO site_domains (site_id, domain) VALUES ((SELECT id FROM sites WHERE slug = 'site-one'), 'd.example.org')"),
            ok("UPDATE site_domains SET domain = 'c.example.org' WHERE domain = 'B.example.org'"),
            ok("DELETE FROM site_domains WHERE domain = 'd.example.org'"),
            ok("UPDATE sites SET domain = 'e.example.org' WHERE slug = 'site-two'"),
            ok("UPDATE sites SET domain = NULL WHERE slug = 'site-one'"),
            refused(
                    "INSERT INTO site_domains (site_id, domain) VALUES ((SELECT id FROM sites WHERE slug = 'site-two'), 'C.EXAMPLE.ORG')"),
            // Processes: legacy rows are linked to their site by name; limits are non-negative.
            ok(
                    "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status) VALUES ('p1', 'Site One', 3000, 1700000000000, 'node', 's.js', '/srv', 'running')"),
            ok(
                    "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status) VALUES ('p2', 'Nowhere', 3001, 1700000000000, 'node', 's.js', '/srv', 'running')"),
            refused(
                    "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status, memory_limit_mb) VALUES ('p3', 'x', 1, 1, 't', 's', 'c', 's', -1)"),
            refused("UPDATE processes SET cpu_limit_percent = -5 WHERE id = 'p1'"),
            // Audit log: append-only, young rows never deleted.
            ok("INSERT INTO audit_log (actor_label, action, target_type) VALUES ('test', 'user.create', 'user')"),
            refused("UPDATE audit_log SET action = 'changed'"),
            refused("DELETE FROM audit_log"),
            // Invitations: single use.
            ok(
                    "INSERT INTO organization_invitations (organization_id, invitee, role, created_at, expires_at) VALUES (%s, 'someone', 'member', %s, '2099-01-01 00:00:00.000')",
                    ORG, OLD),
            ok("UPDATE organization_invitations SET status = 'declined', responded_at = %s", OLD),
            refused("UPDATE organization_invitations SET status = 'pending', responded_at = NULL"),
            // Usage: latest sample and day totals kept from usage_recent.
            ok(
                    "INSERT INTO usage_recent (ts, site_id, bandwidth_mb_x1000, active_requests) VALUES (86400, (SELECT id FROM sites WHERE slug = 'site-one'), 5, 7)"),
            ok(
                    "INSERT INTO usage_recent (ts, site_id, bandwidth_mb_x1000, active_requests) VALUES (86430, (SELECT id FROM sites WHERE slug = 'site-one'), 1, 2)"),
            ok(
                    "INSERT INTO usage_recent (ts, site_id, bandwidth_mb_x1000, active_requests) VALUES (86410, (SELECT id FROM sites WHERE slug = 'site-one'), 10, 1)"));

    private static final List<String> QUERIES = List.of(
            "SELECT username, CASE WHEN updated_at > " + OLD
                    + " THEN 'touched' ELSE 'kept' END FROM users ORDER BY username",
            "SELECT params, users FROM password_hash_params ORDER BY params",
            "SELECT u.username, m.role FROM organization_members m JOIN users u ON u.id = m.user_id ORDER BY u.username",
            "SELECT name, name_key FROM sites ORDER BY name",
            "SELECT name, name_key FROM organizations ORDER BY name",
            "SELECT s.name, l.max_memory_mb FROM site_resource_limits l JOIN sites s ON s.id = l.site_id ORDER BY s.name",
            "SELECT h.host, s.name, CASE WHEN h.site_domain_id IS NULL THEN 'site' ELSE 'custom' END FROM site_host_names h JOIN sites s ON s.id = h.site_id ORDER BY h.host",
            "SELECT p.id, s.name FROM processes p LEFT JOIN sites s ON s.id = p.site_id ORDER BY p.id",
            "SELECT action FROM audit_log",
            "SELECT status FROM organization_invitations",
            "SELECT ts, bandwidth_mb_x1000, active_requests FROM usage_latest",
            "SELECT day, bandwidth_mb_x1000, requests FROM usage_day_totals");

    @Test
    void sameScriptSameRowsOnBothEngines(@TempDir Path dir) throws SQLException {
        List<String> sqlite;
        try (Connection c = DriverManager.getConnection(EngineMigrations.sqlite(dir.resolve("parity.db")))) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA foreign_keys = ON");
            }
            sqlite = run("sqlite", c);
        }
        List<String> postgres;
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("parity");
                Connection c = pg.connect()) {
            postgres = run("postgresql", c);
        }
        assertThat(postgres).isEqualTo(sqlite);
        // Not vacuous: the rows the triggers made are there.
        assertThat(sqlite)
                .contains(
                        "users: u1|touched; u2|touched; u4|kept",
                        "password_hash_params: $2b$12$|2; $argon2id$v=19$m=19456,t=2,p=1$|1",
                        "organization_members: u1|admin; u2|owner",
                        "sites: Site One|site one; Site Two|given key",
                        "site_host_names: c.example.org|Site One|custom; e.example.org|Site Two|site",
                        "processes: p1|Site One; p2|null",
                        "usage_latest: 86430|1|2",
                        "usage_day_totals: 86400|16|10");
    }

    private static List<String> run(String engine, Connection c) throws SQLException {
        c.setAutoCommit(true);
        for (Step step : SCRIPT) {
            boolean failed = false;
            try (Statement st = c.createStatement()) {
                st.execute(step.sql());
            } catch (SQLException e) {
                if (!step.refused()) throw new AssertionError(engine + ": " + step.sql(), e);
                failed = true;
            }
            assertThat(failed).as(engine + " refuses: " + step.sql()).isEqualTo(step.refused());
        }
        List<String> out = new ArrayList<>();
        for (String q : QUERIES) {
            List<String> rows = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(q)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> cols = new ArrayList<>();
                    for (int i = 1; i <= n; i++) cols.add(String.valueOf(rs.getString(i)));
                    rows.add(String.join("|", cols));
                }
            }
            String table = q.replaceAll("(?s).* FROM (\\w+).*", "$1");
            out.add(table + ": " + String.join("; ", rows));
        }
        return out;
    }
}
