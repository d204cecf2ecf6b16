package dev.dialup.deploy.db.engine.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.engine.sqlite.SqliteEngine;
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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

/**
 * Every unique constraint and unique index of the schema is violated on both engines with the same statement, and
 * {@link PostgresErrors#violatedUniqueKey} reports exactly the text {@link SqliteEngine#violatedUniqueKey} reports,
 * so the keys repositories give {@code UniqueConstraints.conflictOn} work on both.
 *
 * <p>The keys are enumerated from the PostgreSQL catalog, so a new constraint is covered without touching this
 * test: it only needs fixture rows in its table ({@link #FIXTURE}; the test names a table that has too few). One
 * fixture script, plain SQL valid on both engines, fills every table with at least two rows (the triggers fill
 * their tables); then the triggers are switched off so each statement meets the constraint itself, not a trigger's
 * guard. A key is violated by an UPDATE that gives one row the key values of another (only the key's columns
 * change, so no other key is touched; {@code lower(column)} keys get the other row's value upper-cased, which only
 * the case-insensitive key refuses), or, for a table that can hold only one row, by inserting a copy of it.
 */
class PostgresUniqueKeyParityTest {
    private static final String T0 = "'2026-01-01 00:00:00.000'";
    private static final String USER = "(SELECT id FROM users WHERE username = '%s')";
    private static final String ORG = "(SELECT id FROM organizations WHERE slug = '%s')";
    private static final String SITE = "(SELECT id FROM sites WHERE slug = '%s')";
    private static final String DEPLOYMENT = "(SELECT id FROM deployments WHERE commit_hash = '%s')";

    /** Plain SQL for both engines; {@code {BLOB}} is a one-byte binary literal of the engine. */
    private static final List<String> FIXTURE = List.of(
            "INSERT INTO users (username, email, password_hash) VALUES ('u1', 'u1@x.org', '$2b$12$aaaaaaaaaaaaaaaaaaaaaa')",
            "INSERT INTO users (username, email, password_hash) VALUES ('u2', 'u2@x.org', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')",
            "INSERT INTO users (username, email, password_hash) VALUES ('u3', 'u3@x.org', '!locked')",
            "INSERT INTO organizations (name, slug, owner_id) VALUES ('Org One', 'org-one', " + USER.formatted("u1")
                    + ")",
            "INSERT INTO organizations (name, slug, owner_id) VALUES ('Org Two', 'org-two', " + USER.formatted("u2")
                    + ")",
            "INSERT INTO organization_members (user_id, organization_id, role) VALUES (" + USER.formatted("u3") + ", "
                    + ORG.formatted("org-one") + ", 'member')",
            "INSERT INTO organization_members (user_id, organization_id, role) VALUES (" + USER.formatted("u3") + ", "
                    + ORG.formatted("org-two") + ", 'admin')",
            "INSERT INTO sites (name, slug, organization_id, site_type, domain, subdomain) VALUES ('Site One',"
                    + " 'site-one', " + ORG.formatted("org-one") + ", 'dynamic', 'one.example.org', 'one')",
            "INSERT INTO sites (name, slug, owner_id, site_type, domain, subdomain) VALUES ('Site Two', 'site-two', "
                    + USER.formatted("u3") + ", 'static', 'two.example.org', 'two')",
            "INSERT INTO site_domains (site_id, domain, is_primary) VALUES (" + SITE.formatted("site-one")
                    + ", 'www.one.example.org', TRUE)",
            "INSERT INTO site_domains (site_id, domain, is_primary) VALUES (" + SITE.formatted("site-two")
                    + ", 'www.two.example.org', TRUE)",
            "INSERT INTO site_environment_variables (site_id, \"key\", value) VALUES (" + SITE.formatted("site-one")
                    + ", 'A', '1')",
            "INSERT INTO site_environment_variables (site_id, \"key\", value) VALUES (" + SITE.formatted("site-two")
                    + ", 'B', '2')",
            "INSERT INTO site_usage_daily (site_id, \"date\", total_requests) VALUES (" + SITE.formatted("site-one")
                    + ", '2026-01-01', 1)",
            "INSERT INTO site_usage_daily (site_id, \"date\", total_requests) VALUES (" + SITE.formatted("site-two")
                    + ", '2026-01-02', 2)",
            "INSERT INTO deployments (site_id, status, commit_hash) VALUES (" + SITE.formatted("site-one")
                    + ", 'success', 'c1')",
            "INSERT INTO deployments (site_id, status, commit_hash) VALUES (" + SITE.formatted("site-two")
                    + ", 'failed', 'c2')",
            "INSERT INTO deployment_log_chunks (deployment_id, seq, content, created_at) VALUES ("
                    + DEPLOYMENT.formatted("c1") + ", 0, 'x', " + T0 + ")",
            "INSERT INTO deployment_log_chunks (deployment_id, seq, content, created_at) VALUES ("
                    + DEPLOYMENT.formatted("c2") + ", 1, 'y', " + T0 + ")",
            "INSERT INTO deployment_log_archives (deployment_id, compressed, original_bytes, chunk_count, archived_at)"
                    + " VALUES (" + DEPLOYMENT.formatted("c1") + ", {BLOB}, 1, 1, " + T0 + ")",
            "INSERT INTO deployment_log_archives (deployment_id, compressed, original_bytes, chunk_count, archived_at)"
                    + " VALUES (" + DEPLOYMENT.formatted("c2") + ", {BLOB}, 1, 1, " + T0 + ")",
            "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status) VALUES ('p1', 'Site One',"
                    + " 3000, 1700000000000, 'node', 's.js', '/srv', 'running')",
            "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status) VALUES ('p2', 'Site Two',"
                    + " 3001, 1700000000000, 'node', 's.js', '/srv', 'running')",
            "INSERT INTO audit_log (actor_label, action, target_type) VALUES ('test', 'a.one', 't')",
            "INSERT INTO audit_log (actor_label, action, target_type) VALUES ('test', 'a.two', 't')",
            "INSERT INTO login_throttle (subject, last_failure_at) VALUES ('login:one', " + T0 + ")",
            "INSERT INTO login_throttle (subject, last_failure_at) VALUES ('login:two', " + T0 + ")",
            "INSERT INTO organization_invitations (organization_id, invitee, role, created_at, expires_at) VALUES ("
                    + ORG.formatted("org-one") + ", 'someone', 'member', " + T0 + ", '2099-01-01 00:00:00.000')",
            "INSERT INTO organization_invitations (organization_id, invitee, role, created_at, expires_at) VALUES ("
                    + ORG.formatted("org-two") + ", 'another', 'admin', " + T0 + ", '2099-01-01 00:00:00.000')",
            "INSERT INTO system_config (\"key\", value) VALUES ('test.one', '1')",
            "INSERT INTO system_config (\"key\", value) VALUES ('test.two', '2')",
            "INSERT INTO usage_recent (ts, site_id, bandwidth_mb_x1000, active_requests) VALUES (86400, "
                    + SITE.formatted("site-one") + ", 5, 7)",
            "INSERT INTO usage_recent (ts, site_id, bandwidth_mb_x1000, active_requests) VALUES (86400, "
                    + SITE.formatted("site-two") + ", 1, 2)",
            "INSERT INTO usage_samples (site_id, ts) VALUES (" + SITE.formatted("site-one") + ", 100)",
            "INSERT INTO usage_samples (site_id, ts) VALUES (" + SITE.formatted("site-two") + ", 100)");

    /** Every unique index (constraints included) of the PostgreSQL schema, as the catalog describes it. */
    private static final String UNIQUE_INDEXES = """
            SELECT i.relname, t.relname, x.indisprimary,
                   array(SELECT coalesce(a.attname, pg_get_indexdef(x.indexrelid, k.o::int, true))
                         FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                         LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n AND k.n > 0
                         WHERE k.o <= x.indnkeyatts ORDER BY k.o),
                   pg_get_expr(x.indpred, x.indrelid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE x.indisunique AND n.nspname = current_schema() AND NOT t.relispartition
            ORDER BY t.relname, i.relname""";

    private record UniqueIndex(String name, String table, boolean primary, List<String> keys, String predicate) {}

    static PgTestServer.Database pg;

    @BeforeAll
    static void database() {
        pg = PgTestServer.freshMigratedDatabase("uniqueparity");
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @Test
    void everyUniqueKeyIsReportedAlikeOnBothEngines(@TempDir Path dir) throws SQLException {
        SqliteEngine sqliteEngine = new SqliteEngine();
        Map<String, String> outcomes = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try (Connection lite = DriverManager.getConnection(EngineMigrations.sqlite(dir.resolve("parity.db")));
                Connection post = pg.connect()) {
            // usage_samples is partitioned by UTC day on PostgreSQL (V61): the fixture's day needs its partition.
            // A violation inside it names the partition's index, which ConstraintKeys maps to usage_samples' key.
            execute(post, "SELECT dialup_usage_partition_ensure(0)");
            for (String sql : FIXTURE) {
                execute(lite, sql.replace("{BLOB}", "X'01'"));
                execute(post, sql.replace("{BLOB}", "'\\x01'::bytea"));
            }
            switchOffTriggers(lite, post);
            ConstraintKeys keys = ConstraintKeys.load(post);
            List<UniqueIndex> indexes = uniqueIndexes(post);
            assertThat(indexes).hasSizeGreaterThan(30);
            for (UniqueIndex index : indexes) {
                Optional<String> statement = violation(post, index);
                if (statement.isEmpty()) {
                    problems.add(index.name() + ": the fixture has no row of " + index.table()
                            + " to violate it with; add rows to FIXTURE");
                    continue;
                }
                SQLException onSqlite = failure(lite, statement.get());
                SQLException onPostgres = failure(post, statement.get());
                if (onSqlite == null || onPostgres == null) {
                    problems.add(index.name() + ": " + statement.get() + " did not fail on "
                            + (onSqlite == null ? "sqlite " : "") + (onPostgres == null ? "postgresql" : ""));
                    continue;
                }
                Optional<String> expected = sqliteEngine.violatedUniqueKey(onSqlite);
                Optional<String> actual = PostgresErrors.violatedUniqueKey(onPostgres, keys);
                String constraint =
                        ((PSQLException) onPostgres).getServerErrorMessage().getConstraint();
                outcomes.put(index.name(), actual.orElse("-"));
                if (expected.isEmpty()
                        || !expected.equals(actual)
                        || !index.name().equals(rootIndex(post, constraint))) {
                    problems.add(index.name() + ": sqlite " + expected + " [" + onSqlite.getMessage() + "], postgresql "
                            + actual + " (constraint " + constraint + ") for " + statement.get());
                }
            }
            assertThat(problems).as("unique keys whose report differs").isEmpty();
            assertThat(outcomes).hasSameSizeAs(indexes);
        }
        // Not vacuous: the keys the repositories name in conflictOn are among those compared.
        assertThat(outcomes.values())
                .contains(
                        "users.username",
                        "users.email",
                        "organizations.name",
                        "organizations.name_key",
                        "organizations.slug",
                        "organization_members.user_id, organization_members.organization_id",
                        "organization_members.organization_id",
                        "organization_invitations.organization_id, organization_invitations.invitee",
                        "deployment_log_archives.deployment_id",
                        "deployment_log_chunks.deployment_id, deployment_log_chunks.seq",
                        "processes.id",
                        "site_domains.domain",
                        "site_host_names.host",
                        "sites.name",
                        "sites.name_key",
                        "sites.slug",
                        "sites.subdomain",
                        "usage_recent.ts, usage_recent.site_id");
    }

    /**
     * The statement that violates {@code index}: an UPDATE giving one row the key of another (rows satisfying a
     * partial index's predicate), or an INSERT copying the only row; empty when the table has no row to use.
     */
    private static Optional<String> violation(Connection post, UniqueIndex index) throws SQLException {
        List<String> pk = PostgresCatalog.primaryKey(post, index.table());
        assertThat(pk).as("primary key of " + index.table()).isNotEmpty();
        String pkList = pk.stream().map(PostgresCatalog::ident).collect(Collectors.joining(", "));
        String select = "SELECT "
                + pk.stream().map(c -> PostgresCatalog.ident(c) + "::text").collect(Collectors.joining(", "))
                + " FROM " + PostgresCatalog.ident(index.table())
                + (index.predicate() == null ? "" : " WHERE " + index.predicate()) + " ORDER BY " + pkList;
        List<String> rows = new ArrayList<>();
        try (Statement st = post.createStatement();
                ResultSet rs = st.executeQuery(select)) {
            while (rs.next()) {
                List<String> conditions = new ArrayList<>();
                for (int i = 0; i < pk.size(); i++) {
                    conditions.add(PostgresCatalog.ident(pk.get(i)) + " = '"
                            + rs.getString(i + 1).replace("'", "''") + "'");
                }
                rows.add(String.join(" AND ", conditions));
            }
        }
        String table = PostgresCatalog.ident(index.table());
        if (rows.size() == 1) {
            return Optional.of("INSERT INTO " + table + " SELECT * FROM " + table + " WHERE " + rows.get(0));
        }
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        String target = rows.get(rows.size() - 1);
        String source = rows.get(0);
        List<String> sets = new ArrayList<>();
        for (String key : index.keys()) {
            String lowered = ConstraintKeys.lowerOf(key);
            String column = PostgresCatalog.ident(lowered != null ? lowered : key);
            String value = "(SELECT " + column + " FROM " + table + " WHERE " + source + ")";
            sets.add(column + " = " + (lowered != null ? "upper(" + value + ")" : value));
        }
        return Optional.of("UPDATE " + table + " SET " + String.join(", ", sets) + " WHERE " + target);
    }

    private static List<UniqueIndex> uniqueIndexes(Connection post) throws SQLException {
        List<UniqueIndex> out = new ArrayList<>();
        try (Statement st = post.createStatement();
                ResultSet rs = st.executeQuery(UNIQUE_INDEXES)) {
            while (rs.next()) {
                out.add(new UniqueIndex(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getBoolean(3),
                        List.of((String[]) rs.getArray(4).getArray()),
                        rs.getString(5)));
            }
        }
        return out;
    }

    /** SQLite cannot disable a trigger: this copy drops them. PostgreSQL keeps its foreign-key triggers. */
    private static void switchOffTriggers(Connection lite, Connection post) throws SQLException {
        List<String> triggers = new ArrayList<>();
        try (Statement st = lite.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'trigger'")) {
            while (rs.next()) {
                triggers.add(rs.getString(1));
            }
        }
        assertThat(triggers).isNotEmpty();
        for (String trigger : triggers) {
            execute(lite, "DROP TRIGGER " + PostgresCatalog.ident(trigger));
        }
        for (String table : PostgresCatalog.tableNames(post)) {
            execute(post, "ALTER TABLE " + PostgresCatalog.ident(table) + " DISABLE TRIGGER USER");
        }
    }

    private static SQLException failure(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    /**
     * The index a violation names, or for the index of a partition (usage_samples' daily partitions, V61) the
     * partitioned table's index it belongs to.
     */
    private static String rootIndex(Connection c, String index) throws SQLException {
        try (var ps = c.prepareStatement("SELECT relname FROM pg_class WHERE oid = pg_partition_root(?::regclass)")) {
            ps.setString(1, index);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? rs.getString(1) : index;
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
