package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.PROCESSES;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.DefaultSchema;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.sites.Slugs;
import dev.dialup.deploy.db.testing.CapturedLog;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.LegacyDatabase;
import dev.dialup.deploy.db.testing.LegacyDatabase.Process;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jooq.Field;
import org.jooq.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MigrationAndAdoptionTest {
    @TempDir
    Path dir;
    /** Flyway logs a failed migration at ERROR; the two tests that make one fail assert that line. */
    @RegisterExtension
    final CapturedLog log = new CapturedLog();

    static final Process[] LEGACY = {
        new Process("p1", "My Blog", 3001, 1234, 1_700_000_000_000L, "node", "server.js", "/srv/blog", "running"),
        new Process("p2", "My Blog", 3002, null, 1_700_000_500_000L, "node", "worker.js", "/srv/blog", "stopped"),
        new Process("p3", "my-blog", 3003, 2222, 1_700_000_100_000L, "static", "index.html", "/srv/b2", "running"),
        new Process(
                "p4", "Café Déjà Vu", 4000, null, 1_700_000_200_000L, "docker", "compose.yml", "/srv/cafe", "crashed"),
        new Process("p5", "日本語サイト", 4001, 77, 1_700_000_300_000L, "bun", "app.ts", "/srv/jp", "running"),
        new Process("p6", "Shop", 5000, 88, 1_700_000_400_000L, "python", "app.py", "/srv/shop", "running"),
        new Process("p7", "Shop", 5001, null, 1_700_000_450_000L, "python", "app.py", "/srv/shop", "stopped"),
    };

    @Test
    void aNewFileIsCreatedAtTheLatestSchemaVersion() {
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dir.resolve("sub/dir/new.db"))
                .createDirectories(true)
                .build()) {
            assertThat(db.statusAtOpen().upToDate()).isTrue();
            assertThat(db.statusAtOpen().currentVersion())
                    .isEqualTo(db.statusAtOpen().latestVersion());
            assertThat(Files.exists(dir.resolve("sub/dir/new.db"))).isTrue();
        }
    }

    @Test
    void aLegacyDatabaseIsAdoptedAndEveryLegacyRowSurvives() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, LEGACY);

        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(db.statusAtOpen().upToDate()).isTrue();
            var processes = db.read(
                    dsl -> dsl.selectFrom(PROCESSES).orderBy(PROCESSES.ID).fetch());
            assertThat(processes).hasSize(LEGACY.length);
            for (int i = 0; i < LEGACY.length; i++) {
                var legacy = LEGACY[i];
                var row = processes.get(i);
                assertThat(row.getId()).isEqualTo(legacy.id());
                assertThat(row.getSite()).isEqualTo(legacy.site());
                assertThat(row.getPort()).isEqualTo(legacy.port());
                assertThat(row.getPid()).isEqualTo(legacy.pid());
                assertThat(row.getStarttime()).isEqualTo(Instant.ofEpochMilli(legacy.startTime()));
                assertThat(row.getType()).isEqualTo(legacy.type());
                assertThat(row.getScript()).isEqualTo(legacy.script());
                assertThat(row.getCwd()).isEqualTo(legacy.cwd());
                assertThat(row.getStatus()).isEqualTo(legacy.status());
                assertThat(row.getSiteId()).as("process %s linked", legacy.id()).isNotNull();
            }

            var admin = db.read(dsl -> dsl.selectFrom(USERS).fetchSingle());
            assertThat(admin.getUsername()).isEqualTo(V3__Adopt_legacy_sites.ADMIN_USERNAME);
            assertThat(admin.getIsAdmin()).isTrue();
            assertThat(admin.getPasswordHash())
                    .as("cannot log in until a password is set")
                    .doesNotStartWith("$");

            var sites = db.read(dsl -> dsl.selectFrom(SITES).fetch());
            Set<String> names = sites.stream().map(s -> s.getName()).collect(Collectors.toSet());
            assertThat(names).containsExactlyInAnyOrder("My Blog", "my-blog", "Café Déjà Vu", "日本語サイト", "Shop");
            Set<String> slugs = sites.stream().map(s -> s.getSlug()).collect(Collectors.toCollection(TreeSet::new));
            assertThat(slugs)
                    .hasSize(5)
                    .allSatisfy(s -> assertThat(Slugs.isValid(s)).as(s).isTrue());
            assertThat(slugs).contains("cafe-deja-vu", "shop");
            assertThat(slugs.stream().filter(s -> s.startsWith("my-blog"))).hasSize(2);
            assertThat(sites).allSatisfy(s -> {
                assertThat(s.getOwnerId()).isEqualTo(admin.getId());
                assertThat(s.getOrganizationId()).isNull();
            });
            Map<String, String> types =
                    sites.stream().collect(Collectors.toMap(s -> s.getName(), s -> s.getSiteType()));
            assertThat(types)
                    .containsEntry("my-blog", "static")
                    .containsEntry("Café Déjà Vu", "docker")
                    .containsEntry("My Blog", "dynamic")
                    .containsEntry("Shop", "dynamic");
            // port comes from the most recently started process of the site
            Map<String, Integer> ports = sites.stream().collect(Collectors.toMap(s -> s.getName(), s -> s.getPort()));
            assertThat(ports).containsEntry("My Blog", 3002).containsEntry("Shop", 5001);

            // every process points at the site with its legacy name
            Map<Long, String> siteNames = sites.stream().collect(Collectors.toMap(s -> s.getId(), s -> s.getName()));
            assertThat(processes)
                    .allSatisfy(p -> assertThat(siteNames.get(p.getSiteId())).isEqualTo(p.getSite()));

            // each migrated site has exactly one default limits row
            var limits = db.read(dsl -> dsl.selectFrom(SITE_RESOURCE_LIMITS).fetch());
            assertThat(limits).hasSize(5);
            assertThat(limits.stream().map(l -> l.getSiteId()).collect(Collectors.toSet()))
                    .isEqualTo(siteNames.keySet());
            assertThat(limits).allSatisfy(l -> assertThat(l.getMaxMemoryMb()).isEqualTo(512));
        }
    }

    @Test
    void migratingTwiceIsANoOpAndReopeningWorks() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, LEGACY);
        Map<String, List<String>> first;
        try (DialupDatabase db = DialupDatabase.open(file)) {
            first = DbSnapshot.of(db);
        }
        SchemaStatus again = DialupDatabase.migrate(file);
        assertThat(again.upToDate()).isTrue();
        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(DbSnapshot.of(db)).isEqualTo(first);
        }
    }

    @Test
    void generatedCodeMatchesTheMigratedSchema() {
        try (DialupDatabase db = DialupDatabase.open(dir.resolve("codegen-check.db"))) {
            Map<String, Set<String>> actual = db.withReaderConnection(c -> {
                Map<String, Set<String>> out = new java.util.TreeMap<>();
                List<String> tables = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery(
                                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'flyway_schema_history'")) {
                    while (rs.next()) tables.add(rs.getString(1));
                }
                for (String t : tables) {
                    Set<String> cols = new TreeSet<>();
                    try (Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('" + t + "')")) {
                        while (rs.next()) cols.add(rs.getString(1));
                    }
                    out.put(t, cols);
                }
                return out;
            });
            Map<String, Set<String>> generated = new java.util.TreeMap<>();
            for (Table<?> t : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
                if (t.getTableType().isView()) continue;
                generated.put(
                        t.getName(),
                        java.util.Arrays.stream(t.fields())
                                .map(Field::getName)
                                .collect(Collectors.toCollection(TreeSet::new)));
            }
            assertThat(generated).isEqualTo(actual);
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void aFileThatIsNotSqliteIsRefusedAndLeftByteIdentical() throws Exception {
        Path file = dir.resolve("notes.db");
        Files.writeString(file, "these are my notes, not a database\n".repeat(200), StandardCharsets.UTF_8);
        String before = sha256(file);
        assertThatThrownBy(() -> DialupDatabase.open(file))
                .isInstanceOfSatisfying(
                        IncompatibleDatabaseException.class,
                        e -> assertThat(e.reason()).isEqualTo(IncompatibleDatabaseException.Reason.NOT_SQLITE))
                .hasMessageContaining("not an SQLite database");
        assertThat(sha256(file)).isEqualTo(before);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("notes.db");
    }

    @Test
    void aDatabaseWithUnknownTablesAndNoHistoryIsRefusedAndLeftByteIdentical() throws Exception {
        Path file = dir.resolve("other-app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
            st.execute("INSERT INTO invoices (total) VALUES (12.5)");
        }
        String before = sha256(file);
        assertThatThrownBy(() -> DialupDatabase.open(file))
                .isInstanceOfSatisfying(
                        IncompatibleDatabaseException.class,
                        e -> assertThat(e.reason()).isEqualTo(IncompatibleDatabaseException.Reason.UNRECOGNISED_SCHEMA))
                .hasMessageContaining("invoices");
        assertThat(sha256(file)).isEqualTo(before);
    }

    @Test
    void aDatabaseFromANewerLibraryIsRefusedAndLeftByteIdentical() throws Exception {
        Path file = dir.resolve("newer.db");
        DialupDatabase.open(file).close();
        // Simulate a newer library having applied V9999.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            st.execute("""
                    INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
                      installed_by, installed_on, execution_time, success)
                    VALUES ((SELECT max(installed_rank) + 1 FROM flyway_schema_history), '9999', 'from the future', 'SQL',
                      'V9999__from_the_future.sql', 1, 'test', CURRENT_TIMESTAMP, 1, 1)""");
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            st.execute("PRAGMA journal_mode=DELETE");
        }
        String before = sha256(file);
        assertThatThrownBy(() -> DialupDatabase.open(file))
                .isInstanceOfSatisfying(
                        IncompatibleDatabaseException.class,
                        e -> assertThat(e.reason()).isEqualTo(IncompatibleDatabaseException.Reason.NEWER_SCHEMA))
                .hasMessageContaining("newer");
        assertThat(sha256(file)).isEqualTo(before);
    }

    @Test
    void aFailingMigrationRollsBackEveryPendingMigrationAndNamesTheCulprit() throws Exception {
        Path file = dir.resolve("db.db");
        Map<String, List<String>> before;
        try (DialupDatabase db = DialupDatabase.open(file)) {
            before = DbSnapshot.of(db);
        }
        assertThatThrownBy(() -> DialupDatabase.builder()
                        .path(file)
                        .extraMigrationLocation("classpath:db/failing-after-good")
                        .build())
                .isInstanceOfSatisfying(
                        MigrationFailedException.class,
                        e -> assertThat(e.migration()).startsWith("V900"))
                .hasMessageContaining("V900")
                .hasMessageContaining("boom");
        assertThat(log.text())
                .contains(
                        "Migration of schema \"main\" to version \"900 - boom\" failed! Changes successfully rolled back.");
        try (DialupDatabase db = DialupDatabase.open(file)) {
            assertThat(DbSnapshot.of(db)).as("V899 and V900 both rolled back").isEqualTo(before);
        }
    }

    @Test
    void aFailedAdoptionLeavesTheLegacyDatabaseLegacy() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, LEGACY);
        assertThatThrownBy(() -> DialupDatabase.builder()
                        .path(file)
                        .extraMigrationLocation("classpath:db/failing")
                        .build())
                .isInstanceOf(MigrationFailedException.class);
        assertThat(log.text()).contains("to version \"900 - boom\" failed!");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name)")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("processes");
        }
        // and a later, correct open adopts it normally
        try (DialupDatabase db = DialupDatabase.open(file)) {
            int count = db.read(dsl -> dsl.fetchCount(PROCESSES));
            assertThat(count).isEqualTo(LEGACY.length);
        }
    }

    @Test
    void withMigrateOnOpenOffAnOutdatedDatabaseIsRefused() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, LEGACY);
        String before = sha256(file);
        assertThatThrownBy(() ->
                        DialupDatabase.builder().path(file).migrateOnOpen(false).build())
                .isInstanceOf(DialupDataException.class)
                .hasMessageContaining("migrate");
        assertThat(sha256(file)).isEqualTo(before);
    }
}
