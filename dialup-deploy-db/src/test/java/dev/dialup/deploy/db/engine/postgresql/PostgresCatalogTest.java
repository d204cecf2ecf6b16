package dev.dialup.deploy.db.engine.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.sqlite.SqliteEngine;
import dev.dialup.deploy.db.testing.EngineMigrations;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PostgresCatalog} on real databases: a fresh one, a migrated one (compared with a migrated SQLite file,
 * which must classify and count alike), and scratch databases damaged on purpose.
 */
class PostgresCatalogTest {
    static PgTestServer.Database migrated;
    static Path sqliteFile;

    @BeforeAll
    static void databases(@TempDir Path dir) {
        migrated = PgTestServer.freshMigratedDatabase("catalog");
        sqliteFile = dir.resolve("catalog.db");
        EngineMigrations.sqlite(sqliteFile);
    }

    @AfterAll
    static void drop() {
        if (migrated != null) migrated.close();
    }

    @Test
    void anEmptyDatabaseIsNew() throws SQLException {
        try (PgTestServer.Database fresh = PgTestServer.freshDatabase("catalognew");
                Connection c = fresh.connect()) {
            FileShape shape = PostgresCatalog.classify(c);
            assertThat(shape.kind()).isEqualTo(FileShape.Kind.NEW);
            assertThat(shape.tables()).isEmpty();
            assertThat(shape.version()).isNull();
            assertThat(PostgresCatalog.tableRowCounts(c)).isEmpty();
            assertThat(PostgresCatalog.processesWithoutSite(c)).isZero();
            assertThat(PostgresCatalog.integrityCheck(c, 10)).containsExactly("ok");
            assertThat(PostgresCatalog.foreignKeyViolations(c)).isEmpty();
        }
    }

    @Test
    void aMigratedDatabaseIsManagedAtTheSameVersionWithTheSameTablesAsSqlite() throws SQLException {
        FileShape lite;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqliteFile)) {
            lite = new SqliteEngine().classify(c);
        }
        try (Connection c = migrated.connect()) {
            FileShape shape = PostgresCatalog.classify(c);
            assertThat(shape.kind()).isEqualTo(FileShape.Kind.MANAGED);
            assertThat(shape.version()).isEqualTo(lite.version()).isNotNull();
            assertThat(shape.tables()).isEqualTo(lite.tables()).contains("flyway_schema_history", "users");
            assertThat(shape.tables()).doesNotContain("site_resource_usage"); // a view
        }
    }

    @Test
    void aFailedMigrationDoesNotRaiseTheVersion() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshMigratedDatabase("catalogfailed");
                Connection c = db.connect()) {
            String before = PostgresCatalog.classify(c).version();
            execute(
                    c,
                    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                            + " installed_by, execution_time, success) VALUES (999, '999', 'broken', 'SQL',"
                            + " 'V999__broken.sql', 'test', 0, false)");
            assertThat(PostgresCatalog.classify(c).version()).isEqualTo(before).isNotEqualTo("999");
        }
    }

    /** No Bun-era tracker ran on PostgreSQL: a lone legacy-shaped processes table is not adopted. */
    @Test
    void foreignTablesAndALegacyShapedTableAreUnrecognised() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshDatabase("catalogunrec");
                Connection c = db.connect()) {
            execute(
                    c,
                    "CREATE TABLE processes (id text PRIMARY KEY, site text NOT NULL, port integer NOT NULL, pid"
                            + " integer, \"startTime\" bigint NOT NULL, type text NOT NULL, script text NOT NULL, cwd"
                            + " text NOT NULL, status text NOT NULL)");
            FileShape legacy = PostgresCatalog.classify(c);
            assertThat(legacy.kind()).isEqualTo(FileShape.Kind.UNRECOGNISED);
            assertThat(legacy.tables()).containsExactly("processes");
            execute(c, "CREATE TABLE invoices (id integer PRIMARY KEY)");
            assertThat(PostgresCatalog.classify(c).kind()).isEqualTo(FileShape.Kind.UNRECOGNISED);
            // processes has no site_id column here
            assertThat(PostgresCatalog.processesWithoutSite(c)).isZero();
        }
    }

    @Test
    void rowCountsCoverTheSameTablesAsSqliteWithTheSameCounts() throws SQLException {
        Map<String, Long> lite;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqliteFile)) {
            lite = new SqliteEngine().tableRowCounts(c);
        }
        try (Connection c = migrated.connect()) {
            Map<String, Long> counts = PostgresCatalog.tableRowCounts(c);
            assertThat(List.copyOf(counts.keySet())).isEqualTo(List.copyOf(lite.keySet()));
            assertThat(counts).isEqualTo(lite);
            assertThat(counts.get("flyway_schema_history")).isPositive();
            assertThat(PostgresCatalog.sizeEstimate(c)).isPositive();
        }
    }

    @Test
    void processesWithoutSiteCountsUnlinkedRows() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshMigratedDatabase("catalogproc");
                Connection c = db.connect()) {
            assertThat(PostgresCatalog.processesWithoutSite(c)).isZero();
            execute(c, "INSERT INTO users (username, email, password_hash) VALUES ('u1', 'u1@x.org', '!x')");
            execute(
                    c,
                    "INSERT INTO sites (name, slug, owner_id, site_type) VALUES ('Known', 'known', (SELECT id FROM"
                            + " users), 'static')");
            for (String p : List.of("('p1', 'Known')", "('p2', 'Nowhere')", "('p3', 'Elsewhere')")) {
                execute(
                        c,
                        "INSERT INTO processes (id, site, port, \"startTime\", type, script, cwd, status)"
                                + " SELECT v.id, v.site, 3000, 1700000000000, 'node', 's.js', '/srv', 'running'"
                                + " FROM (VALUES " + p + ") AS v(id, site)");
            }
            assertThat(PostgresCatalog.processesWithoutSite(c)).isEqualTo(2);
        }
    }

    @Test
    void integrityCheckReportsNotValidConstraintsInvalidIndexesAndDisabledTriggers() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshMigratedDatabase("catalogintegrity");
                Connection c = db.connect()) {
            assertThat(PostgresCatalog.integrityCheck(c, 100)).containsExactly("ok");
            execute(c, "INSERT INTO users (username, email, password_hash) VALUES ('u1', 'u1@x.org', '!x')");
            execute(c, "INSERT INTO users (username, email, password_hash) VALUES ('u2', 'u2@x.org', '!x')");
            execute(c, "UPDATE users SET display_name = 'same'");
            execute(c, "ALTER TABLE users ADD CONSTRAINT ck_users_short CHECK (length(username) < 2) NOT VALID");
            // A unique index built concurrently over duplicates fails and stays behind, invalid.
            assertThat((Throwable) failure(
                            c, "CREATE UNIQUE INDEX CONCURRENTLY ux_users_display_name ON users (display_name)"))
                    .isNotNull();
            execute(c, "ALTER TABLE users DISABLE TRIGGER trg_users_updated_at");

            List<String> problems = PostgresCatalog.integrityCheck(c, 100);
            assertThat(problems).hasSize(3);
            assertThat(problems.get(0)).startsWith("check constraint ck_users_short on users is NOT VALID");
            assertThat(problems.get(1)).startsWith("index ux_users_display_name on users is invalid");
            assertThat(problems.get(2)).startsWith("trigger trg_users_updated_at on users is disabled");
            assertThat(PostgresCatalog.integrityCheck(c, 2)).hasSize(2);
            assertThat(String.join("\n", problems)).doesNotContain("same").doesNotContain("u1@x.org");
        }
    }

    @Test
    void foreignKeyViolationsListOrphansOfNotValidForeignKeysByPrimaryKey() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshDatabase("catalogfk");
                Connection c = db.connect()) {
            execute(c, "CREATE TABLE parent (id integer PRIMARY KEY)");
            execute(c, "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer)");
            execute(c, "CREATE TABLE pair (a integer, b text, parent_id integer, PRIMARY KEY (a, b))");
            execute(c, "INSERT INTO parent VALUES (1)");
            execute(c, "INSERT INTO child VALUES (10, 1), (11, 7), (12, NULL), (13, 8)");
            execute(c, "INSERT INTO pair VALUES (1, 'x', 9), (2, 'y', 1)");
            assertThat(PostgresCatalog.foreignKeyViolations(c)).isEmpty(); // no foreign key yet
            execute(
                    c,
                    "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent NOT VALID");
            execute(
                    c,
                    "ALTER TABLE pair ADD CONSTRAINT pair_parent_fk FOREIGN KEY (parent_id) REFERENCES parent NOT VALID");

            assertThat(PostgresCatalog.foreignKeyViolations(c))
                    .containsExactly("child id=11 -> parent", "child id=13 -> parent", "pair a=1,b=x -> parent");
            assertThat(PostgresCatalog.integrityCheck(c, 10))
                    .anyMatch(l -> l.startsWith("foreign key child_parent_fk on child is NOT VALID"));
            FileShape shape = PostgresCatalog.classify(c);
            assertThat(shape.kind()).isEqualTo(FileShape.Kind.UNRECOGNISED);
            assertThat(shape.tables()).isEqualTo(Set.of("child", "pair", "parent"));

            execute(c, "DELETE FROM child WHERE id IN (11, 13)");
            execute(c, "DELETE FROM pair WHERE a = 1");
            assertThat(PostgresCatalog.foreignKeyViolations(c)).isEmpty();
        }
    }

    /** V64 dropped the history's declared key to sites; the check still lists a sample whose site is missing. */
    @Test
    void foreignKeyViolationsListSamplesOfMissingSitesThoughTheKeyIsNotDeclared() throws SQLException {
        try (PgTestServer.Database db = PgTestServer.freshMigratedDatabase("catalogusage");
                Connection c = db.connect()) {
            assertThat(PostgresCatalog.foreignKeyViolations(c)).isEmpty();
            execute(c, "SELECT dialup_usage_partition_ensure(1763510400)");
            // As the superuser, around the library: nothing checks the site.
            execute(c, "INSERT INTO usage_samples (site_id, ts) VALUES (424242, 1763510460)");
            assertThat(PostgresCatalog.foreignKeyViolations(c))
                    .containsExactly("usage_samples site_id=424242,ts=1763510460 -> sites");
            execute(c, "DELETE FROM usage_samples");
            assertThat(PostgresCatalog.foreignKeyViolations(c)).isEmpty();
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

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
