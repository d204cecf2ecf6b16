package dev.dialup.deploy.db.ops;

import static dev.dialup.deploy.db.generated.Tables.SITE_ENVIRONMENT_VARIABLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.MoveRefusedException;
import dev.dialup.deploy.db.MoveVerificationException;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.DefaultSchema;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites_on_postgresql;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys_on_postgresql;
import dev.dialup.deploy.db.testing.EngineMigrations;
import dev.dialup.deploy.db.testing.InstallationDataset;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.TableOptions;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The move of an SQLite installation to PostgreSQL, against a real embedded PostgreSQL: everything copied equal
 * (compared row by row through jOOQ on both sides, independently of the move's own checksums), sequences set past
 * the copied ids, and every refusal leaving the target unchanged.
 */
class MoveToPostgresTest {
    @TempDir
    static Path dir;

    static InstallationDataset data;
    final List<PgTestServer.Database> databases = new ArrayList<>();

    @BeforeAll
    static void installation() {
        data = InstallationDataset.create(dir, 3_000);
    }

    @AfterEach
    void drop() {
        databases.forEach(PgTestServer.Database::close);
    }

    private PgTestServer.Database migratedTarget() {
        PgTestServer.Database db = PgTestServer.freshMigratedDatabase("move");
        databases.add(db);
        return db;
    }

    @Test
    void copiesEveryTableRowForRowAndReportsMatchingChecksums() throws Exception {
        PgTestServer.Database pg = migratedTarget();

        MoveToPostgres.Result result = new MoveToPostgres().move(data.file(), pg.dataSource());

        assertThat(result.verified()).isTrue();
        assertThat(result.targetDatabase()).isEqualTo(pg.name());
        assertThat(result.tables())
                .extracting(MoveToPostgres.TableCheck::table)
                .containsAll(ourTables().keySet());
        assertThat(result.tables()).hasSize(ourTables().size());
        Map<String, List<List<Object>>> source = sqliteRows();
        Map<String, List<List<Object>>> target = postgresRows(pg);
        for (String table : ourTables().keySet()) {
            assertThat(target.get(table)).as(table).isEqualTo(source.get(table));
        }
        // The dataset reaches every kind of value: secrets, blobs, usage, audit, logs, epoch-millisecond times.
        for (String table : List.of(
                "users",
                "organizations",
                "organization_members",
                "sites",
                "site_resource_limits",
                "site_host_names",
                "site_environment_variables",
                "deployments",
                "deployment_log_chunks",
                "deployment_log_archives",
                "processes",
                "usage_samples",
                "usage_latest",
                "usage_day_totals",
                "site_usage_daily",
                "audit_log",
                "password_hash_params",
                "login_throttle",
                "organization_invitations",
                "system_config",
                "usage_ingest_state")) {
            assertThat(source.get(table)).as(table).isNotEmpty();
        }
        assertThat(result.rows()).isGreaterThanOrEqualTo(data.usageSamples());
        assertThat(result.tables())
                .filteredOn(t -> t.table().equals("usage_samples") || t.table().equals("usage_recent"))
                .extracting(MoveToPostgres.TableCheck::targetRows)
                .containsAnyOf(data.usageSamples());
    }

    @Test
    void secretsArriveAsTheSameCiphertext() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        new MoveToPostgres().move(data.file(), pg.dataSource());

        Record sqliteSecret =
                sqlite(dsl -> dsl.select(SITE_ENVIRONMENT_VARIABLES.VALUE, SITE_ENVIRONMENT_VARIABLES.KEY_ID)
                        .from(SITE_ENVIRONMENT_VARIABLES)
                        .where(SITE_ENVIRONMENT_VARIABLES.IS_SECRET.isTrue())
                        .fetchOne());
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT value, key_id FROM site_environment_variables WHERE is_secret")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1))
                    .isEqualTo(sqliteSecret.get(SITE_ENVIRONMENT_VARIABLES.VALUE))
                    .doesNotContain(data.secretPlaintext());
            assertThat(rs.getLong(2)).isEqualTo(sqliteSecret.get(SITE_ENVIRONMENT_VARIABLES.KEY_ID));
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void identitySequencesContinuePastTheCopiedIdsAndSqlitesHighWaterMark() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        MoveToPostgres.Result result = new MoveToPostgres().move(data.file(), pg.dataSource());

        long maxSourceUserId = sqlite(dsl -> ((Number) dsl.fetchValue("SELECT max(id) FROM users")).longValue());
        assertThat(data.highestUserId()).isGreaterThan(maxSourceUserId);
        assertThat(result.nextIds()).containsEntry("users.id", data.highestUserId() + 1);
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("INSERT INTO users (username, email, password_hash)"
                    + " VALUES ('after-move', 'after@example.test', '!x') RETURNING id");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(data.highestUserId() + 1);
            long maxAudit = sqlite(dsl -> ((Number) dsl.fetchValue("SELECT max(id) FROM audit_log")).longValue());
            rs = st.executeQuery("INSERT INTO audit_log (actor_label, action, target_type)"
                    + " VALUES ('system:test', 'after.move', 'test') RETURNING id");
            rs.next();
            assertThat(rs.getLong(1)).isGreaterThan(maxAudit);
            // The triggers are back on after the move: a new site gets its default limits row.
            rs = st.executeQuery("INSERT INTO sites (name, slug, owner_id, site_type)" + " VALUES ('After', 'after', "
                    + maxSourceUserId + ", 'static') RETURNING id");
            rs.next();
            long site = rs.getLong(1);
            rs = st.executeQuery("SELECT count(*) FROM site_resource_limits WHERE site_id = " + site);
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
    }

    @Test
    void aTargetHoldingDataIsRefusedAndLeftUnchanged() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute(
                    "INSERT INTO users (username, email, password_hash) VALUES ('early', 'early@example.test', '!')");
        }
        Map<String, List<List<Object>>> before = postgresRows(pg);

        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), pg.dataSource()))
                .isInstanceOfSatisfying(
                        MoveRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(MoveRefusedException.Reason.TARGET_NOT_EMPTY))
                .hasMessageContaining("users (1 rows)");

        assertThat(postgresRows(pg)).isEqualTo(before);
        assertThat(triggersEnabled(pg)).isTrue();
    }

    @Test
    void aChangedConfigurationRowAlsoCountsAsData() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO system_config (key, value) VALUES ('custom.key', 'x')");
        }
        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), pg.dataSource()))
                .isInstanceOf(MoveRefusedException.class)
                .hasMessageContaining("system_config");
    }

    @Test
    void aTargetAtAnotherSchemaVersionIsRefused() throws Exception {
        PgTestServer.Database older = PgTestServer.freshDatabase("move-old");
        databases.add(older);
        Flyway.configure()
                .dataSource(older.dataSource())
                .locations(EngineMigrations.POSTGRESQL)
                .javaMigrations(
                        new V3__Adopt_legacy_sites_on_postgresql(), new V51__Backfill_input_keys_on_postgresql())
                .target("52")
                .load()
                .migrate();
        Map<String, List<List<Object>>> before = rawCounts(older);

        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), older.dataSource()))
                .isInstanceOfSatisfying(
                        MoveRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(MoveRefusedException.Reason.SCHEMA_VERSION_MISMATCH))
                .hasMessageContaining("target at 52");
        assertThat(rawCounts(older)).isEqualTo(before);

        PgTestServer.Database bare = PgTestServer.freshDatabase("move-bare");
        databases.add(bare);
        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), bare.dataSource()))
                .isInstanceOfSatisfying(
                        MoveRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(MoveRefusedException.Reason.SCHEMA_VERSION_MISMATCH))
                .hasMessageContaining("run 'migrate' against it first");
    }

    @Test
    void aSourceThatIsNotUpToDateIsRefused(@TempDir Path other) {
        Path old = other.resolve("old.db");
        Flyway.configure()
                .dataSource("jdbc:sqlite:" + old, null, null)
                .locations(EngineMigrations.SQLITE)
                .javaMigrations(new V3__Adopt_legacy_sites(), new V51__Backfill_input_keys())
                .target("52")
                .load()
                .migrate();
        PgTestServer.Database pg = migratedTarget();

        assertThatThrownBy(() -> new MoveToPostgres().move(old, pg.dataSource()))
                .isInstanceOfSatisfying(
                        MoveRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(MoveRefusedException.Reason.SOURCE_NOT_UP_TO_DATE))
                .hasMessageContaining("run 'migrate' on it first");
    }

    @Test
    void aTargetWithATableOfItsOwnIsRefusedNamingIt() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE stray (id int PRIMARY KEY)");
        }
        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), pg.dataSource()))
                .isInstanceOfSatisfying(
                        MoveRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(MoveRefusedException.Reason.SCHEMA_MISMATCH))
                .hasMessageContaining("source as expected, target has extra [stray]");
        assertThat(triggersEnabled(pg)).isTrue();
    }

    @Test
    void verificationFindsACorruptedRowAndAMissingOne() throws Exception {
        PgTestServer.Database pg = migratedTarget();
        new MoveToPostgres().move(data.file(), pg.dataSource());
        assertThat(new MoveToPostgres().verify(data.file(), pg.dataSource()).verified())
                .isTrue();

        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            // One changed character in a secret's ciphertext: same row count, different checksum.
            st.execute("ALTER TABLE site_environment_variables DISABLE TRIGGER USER");
            st.execute("UPDATE site_environment_variables SET value = 'X' || substr(value, 2) WHERE is_secret");
            st.execute("ALTER TABLE site_environment_variables ENABLE TRIGGER USER");
        }
        assertThatThrownBy(() -> new MoveToPostgres().verify(data.file(), pg.dataSource()))
                .isInstanceOfSatisfying(
                        MoveVerificationException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("site_environment_variables: source 3 rows")
                                .contains("target 3 rows"));

        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM usage_samples WHERE ts = (SELECT max(ts) FROM usage_samples)");
        }
        assertThatThrownBy(() -> new MoveToPostgres().verify(data.file(), pg.dataSource()))
                .isInstanceOfSatisfying(
                        MoveVerificationException.class,
                        e -> assertThat(e.problems())
                                .hasSize(2)
                                .anySatisfy(p -> assertThat(p).startsWith("usage_samples: source ")));
    }

    @Test
    void aFailedCopyCommitsNothing() throws Exception {
        // A target whose users table refuses the copied rows (a CHECK the source does not have): the insert fails
        // mid-copy and the whole transaction rolls back.
        PgTestServer.Database pg = migratedTarget();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("ALTER TABLE sites ADD CONSTRAINT no_org_site CHECK (organization_id IS NULL)");
        }
        Map<String, List<List<Object>>> before = rawCounts(pg);

        assertThatThrownBy(() -> new MoveToPostgres().move(data.file(), pg.dataSource()))
                .hasMessageContaining("nothing was committed");

        assertThat(rawCounts(pg)).isEqualTo(before);
        assertThat(triggersEnabled(pg)).isTrue();
    }

    // --- reading both sides independently of the code under test -------------------------------------------

    private static Map<String, Table<?>> ourTables() {
        Map<String, Table<?>> tables = new TreeMap<>();
        for (Table<?> t : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            if (t.getTableType() == TableOptions.TableType.TABLE) {
                tables.put(t.getName().toLowerCase(), t);
            }
        }
        return tables;
    }

    private static <T> T sqlite(java.util.function.Function<DSLContext, T> query) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.file())) {
            return query.apply(DSL.using(c, Engines.files().dialect()));
        }
    }

    /** Every table through the generated records on SQLite, in primary-key order (text keys byte-wise). */
    private static Map<String, List<List<Object>>> sqliteRows() throws SQLException {
        return sqlite(dsl -> {
            Map<String, List<List<Object>>> rows = new LinkedHashMap<>();
            ourTables().forEach((name, t) -> {
                List<List<Object>> list = new ArrayList<>();
                for (Record r : dsl.selectFrom(t)
                        .orderBy(keyFields(t).stream()
                                .map(f -> f.getType() == String.class
                                        ? f.coerce(String.class).collate("BINARY")
                                        : f)
                                .toList())
                        .fetch()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        row.add(normalise(r.get(i), t.field(i).getType()));
                    }
                    list.add(row);
                }
                rows.put(name, list);
            });
            return rows;
        });
    }

    /**
     * Every table through jOOQ's plain-SQL records on PostgreSQL (pgjdbc's own types: OffsetDateTime, Boolean,
     * byte[], LocalDate ...), in the same order, normalised to the generated schema's Java types.
     */
    private static Map<String, List<List<Object>>> postgresRows(PgTestServer.Database pg) throws SQLException {
        try (Connection c = pg.connect()) {
            DSLContext dsl = DSL.using(c, SQLDialect.POSTGRES);
            Map<String, List<List<Object>>> rows = new LinkedHashMap<>();
            ourTables().forEach((name, t) -> {
                StringBuilder sql = new StringBuilder("SELECT ");
                Field<?>[] fields = t.fields();
                for (int i = 0; i < fields.length; i++) {
                    sql.append(i == 0 ? "" : ", ")
                            .append('"')
                            .append(fields[i].getName())
                            .append('"');
                }
                sql.append(" FROM ").append(name).append(" ORDER BY ");
                List<Field<?>> key = keyFields(t);
                for (int i = 0; i < key.size(); i++) {
                    sql.append(i == 0 ? "" : ", ")
                            .append('"')
                            .append(key.get(i).getName())
                            .append('"');
                    if (key.get(i).getType() == String.class) sql.append(" COLLATE \"C\"");
                }
                List<List<Object>> list = new ArrayList<>();
                for (Record r : dsl.fetch(sql.toString())) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        row.add(normalise(r.get(i), fields[i].getType()));
                    }
                    list.add(row);
                }
                rows.put(name, list);
            });
            return rows;
        }
    }

    /** Row counts of every table of the target's schema (including Flyway's history). */
    private static Map<String, List<List<Object>>> rawCounts(PgTestServer.Database pg) throws SQLException {
        Map<String, List<List<Object>>> out = new TreeMap<>();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + t + "\"")) {
                    rs.next();
                    out.put(t, List.of(List.of(rs.getLong(1))));
                }
            }
        }
        return out;
    }

    private static boolean triggersEnabled(PgTestServer.Database pg) throws SQLException {
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'")) {
            rs.next();
            return rs.getLong(1) == 0;
        }
    }

    private static List<Field<?>> keyFields(Table<?> t) {
        return t.getPrimaryKey() == null
                ? List.of(t.fields())
                : new ArrayList<>(t.getPrimaryKey().getFields());
    }

    /** One comparable Java value per cell: times as Instants, integers as Long, bytes as hex. */
    private static Object normalise(Object v, Class<?> type) {
        if (v == null) return null;
        if (v instanceof OffsetDateTime o) return o.toInstant();
        if (v instanceof LocalDateTime l) return l.toInstant(ZoneOffset.UTC);
        if (type == Instant.class && v instanceof Number n) return Instant.ofEpochMilli(n.longValue());
        if (v instanceof java.sql.Date d) return d.toLocalDate();
        if (v instanceof LocalDate d) return d;
        if (v instanceof Integer || v instanceof Long || v instanceof Short) return ((Number) v).longValue();
        if (v instanceof BigDecimal d) return d.stripTrailingZeros();
        if (v instanceof byte[] b) return HexFormat.of().formatHex(b);
        return v;
    }
}
