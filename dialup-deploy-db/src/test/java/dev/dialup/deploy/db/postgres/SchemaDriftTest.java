package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.testing.EngineMigrations;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.SchemaFacts;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift test (issue 12): the PostgreSQL migrations must give the same logical schema as the SQLite ones,
 * compared through jOOQ's Meta ({@link SchemaFacts}). Any difference fails the build.
 */
class SchemaDriftTest {
    /**
     * SQLite triggers that are not triggers on PostgreSQL, each with its replacement (docs/schema.md,
     * "PostgreSQL triggers"). Every other trigger has a PL/pgSQL twin of the same name on the same table.
     */
    private static final Set<String> SQLITE_ONLY_TRIGGERS = Set.of(
            "trg_processes_limits_insert on processes", // CHECK ck_processes_limits (SQLite cannot add a CHECK to the
            // legacy table)
            "trg_processes_limits_update on processes"); // the same CHECK

    /**
     * PostgreSQL triggers with no SQLite twin: they keep row-level security's access mirrors current (V62;
     * SQLite has no row-level security).
     */
    private static final Set<String> POSTGRESQL_ONLY_TRIGGERS = Set.of(
            "rls_users_mirror on users",
            "rls_organizations_mirror on organizations",
            "rls_members_mirror on organization_members",
            // Deletes a deleted site's samples: the cascade of the foreign key V64 drops (below).
            "usage_samples_delete_site on sites");

    /**
     * Foreign keys that only SQLite has: on PostgreSQL their guarantees are kept by other means, measured faster
     * (V64, docs/schema.md "Usage on PostgreSQL").
     */
    private static final Set<String> SQLITE_ONLY_FOREIGN_KEYS =
            Set.of("foreign key usage_samples (site_id) -> sites (id) on delete CASCADE");

    /**
     * Physical indexes that only PostgreSQL has, chosen by measurement for its layout (docs/schema.md, "Usage on
     * PostgreSQL"): not part of the logical schema the generated code sees.
     */
    private static final Set<String> POSTGRESQL_ONLY_INDEXES =
            Set.of("index usage_samples.idx_usage_samples_ts_brin (ts)");

    @TempDir
    static Path dir;

    static PgTestServer.Database pg;
    static SortedSet<String> sqliteFacts;
    static SortedSet<String> postgresFacts;
    static String sqliteUrl;

    @BeforeAll
    static void migrateBoth() throws SQLException {
        pg = PgTestServer.freshDatabase("drift");
        EngineMigrations.postgres(pg.dataSource());
        sqliteUrl = EngineMigrations.sqlite(dir.resolve("drift.db"));
        try (Connection c = DriverManager.getConnection(sqliteUrl)) {
            sqliteFacts = SchemaFacts.of(c);
        }
        try (Connection c = pg.connect()) {
            postgresFacts = SchemaFacts.of(c);
        }
        assertThat(postgresFacts).as("the PostgreSQL-only indexes exist").containsAll(POSTGRESQL_ONLY_INDEXES);
        postgresFacts.removeAll(POSTGRESQL_ONLY_INDEXES);
        assertThat(sqliteFacts).as("the SQLite-only foreign keys exist").containsAll(SQLITE_ONLY_FOREIGN_KEYS);
        assertThat(postgresFacts).doesNotContainAnyElementsOf(SQLITE_ONLY_FOREIGN_KEYS);
        sqliteFacts.removeAll(SQLITE_ONLY_FOREIGN_KEYS);
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @Test
    void postgresqlSchemaHasNoDriftFromSqlite() {
        List<String> drift = SchemaFacts.drift("sqlite", sqliteFacts, "postgresql", postgresFacts);
        assertThat(drift)
                .as("schema drift between db/migration/sqlite and db/migration/postgresql")
                .isEmpty();
        // The comparison saw the whole schema, not an empty one.
        assertThat(sqliteFacts)
                .contains(
                        "table users (TABLE)",
                        "table site_resource_usage (VIEW)",
                        "column users.id #1 int64 not null identity",
                        "index site_domains.ux_site_domains_domain_nocase unique (lower(domain))",
                        "index site_domains.ux_site_domains_one_primary unique (site_id) partial",
                        "foreign key site_host_names (site_domain_id) -> site_domains (id) on delete CASCADE",
                        "primary key usage_day_totals (day, site_id)");
        assertThat(sqliteFacts.stream().filter(f -> f.startsWith("table "))).hasSizeGreaterThan(20);
    }

    @Test
    void sameMigrationVersionsAndDescriptions() {
        List<String> sqlite = versions(Flyway.configure()
                .dataSource(sqliteUrl, null, null)
                .locations(EngineMigrations.SQLITE)
                .load());
        List<String> postgres = versions(Flyway.configure()
                .dataSource(pg.dataSource())
                .locations(EngineMigrations.POSTGRESQL)
                .load());
        assertThat(postgres).isEqualTo(sqlite).isNotEmpty();
    }

    @Test
    void everySqliteTriggerHasAPostgresqlTwinOrAListedReplacement() throws SQLException {
        Set<String> sqlite = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(sqliteUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")) {
            while (rs.next()) sqlite.add(rs.getString(1) + " on " + rs.getString(2));
        }
        Set<String> postgres = new TreeSet<>();
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                + "WHERE NOT t.tgisinternal")) {
            while (rs.next()) postgres.add(rs.getString(1) + " on " + rs.getString(2));
        }
        Set<String> expected = new TreeSet<>(sqlite);
        expected.removeAll(SQLITE_ONLY_TRIGGERS);
        expected.addAll(POSTGRESQL_ONLY_TRIGGERS);
        assertThat(sqlite).containsAll(SQLITE_ONLY_TRIGGERS);
        assertThat(postgres).isEqualTo(expected);
    }

    /** The comparison can fail: a column made NOT NULL on PostgreSQL only is reported as drift, on both sides. */
    @Test
    void aChangedColumnIsReportedAsDrift() throws SQLException {
        try (PgTestServer.Database other = PgTestServer.freshMigratedDatabase("drift_changed")) {
            SortedSet<String> changed;
            try (Connection c = other.connect();
                    Statement st = c.createStatement()) {
                st.execute("ALTER TABLE users ALTER COLUMN display_name SET NOT NULL");
                st.execute("ALTER TABLE sites ALTER COLUMN port TYPE bigint");
                st.execute("DROP INDEX ux_site_domains_domain_nocase");
                st.execute("CREATE INDEX ux_site_domains_domain_nocase ON site_domains(domain)");
                changed = SchemaFacts.of(c);
            }
            changed.removeAll(POSTGRESQL_ONLY_INDEXES);
            assertThat(SchemaFacts.drift("sqlite", sqliteFacts, "postgresql", changed))
                    .containsExactlyInAnyOrder(
                            "only in sqlite: column users.display_name #5 text null",
                            "only in postgresql: column users.display_name #5 text not null",
                            "only in sqlite: column sites.port #12 int32 null",
                            "only in postgresql: column sites.port #12 int64 null",
                            "only in sqlite: index site_domains.ux_site_domains_domain_nocase unique (lower(domain))",
                            "only in postgresql: index site_domains.ux_site_domains_domain_nocase (domain)");
        }
    }

    /** The comparison can fail on the SQLite side too: two SQLite schemas that differ in keys and types. */
    @Test
    void differingSchemasAreReported() throws SQLException {
        SortedSet<String> a = factsOf(dir.resolve("a.db"), """
                CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, at DATETIME);
                CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id) ON DELETE CASCADE);
                """);
        SortedSet<String> b = factsOf(dir.resolve("b.db"), """
                CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, at DATE);
                CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));
                CREATE INDEX ix_u ON u(t_id);
                """);
        assertThat(SchemaFacts.drift("a", a, "b", b))
                .containsExactlyInAnyOrder(
                        "only in a: unique t (name)",
                        "only in a: column t.at #3 timestamp null",
                        "only in b: column t.at #3 date null",
                        "only in a: foreign key u (t_id) -> t (id) on delete CASCADE",
                        "only in b: foreign key u (t_id) -> t (id) on delete NO_ACTION",
                        "only in b: index u.ix_u (t_id)");
        assertThat(SchemaFacts.drift("a", a, "a again", a)).isEmpty();
    }

    private static SortedSet<String> factsOf(Path file, String ddl) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            for (String sql : ddl.split(";")) {
                if (!sql.isBlank()) st.execute(sql);
            }
            return SchemaFacts.of(c);
        }
    }

    private static List<String> versions(Flyway flyway) {
        return java.util.Arrays.stream(flyway.info().applied())
                .map(m -> "V" + m.getVersion() + " " + m.getDescription())
                .toList();
    }
}
