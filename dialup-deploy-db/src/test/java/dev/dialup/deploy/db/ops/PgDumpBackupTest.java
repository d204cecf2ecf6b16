package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.PostgresToolsUnavailableException;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.PgDumpBackup;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.PgTools;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups and restores of PostgreSQL with pg_dump / pg_restore. The refusals run everywhere (an empty
 * {@code DIALUP_PG_BIN}, and a stand-in pg_dump that reports an older major than the server); the real dump and
 * restore run only where a pg_dump of at least the test server's major is installed (e.g. {@code DIALUP_PG_BIN}
 * pointing at PostgreSQL 18's client tools), and are skipped otherwise.
 */
class PgDumpBackupTest {
    static final String PASSWORD = "hunter2-not-printed";
    static PgTestServer.Database pg;
    static int serverMajor;

    @TempDir
    Path dir;

    @BeforeAll
    static void database() throws SQLException {
        pg = PgTestServer.freshMigratedDatabase("pgdump");
        try (Connection c = pg.connect()) {
            serverMajor = PgTools.serverMajor(c);
        }
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    /** The test database's URL with a password added (the embedded server trusts local connections). */
    static String urlWithPassword(PgTestServer.Database db) {
        return withPassword(db.jdbcUrl());
    }

    static String withPassword(String url) {
        return url + (url.contains("?") ? "&" : "?") + "password=" + PASSWORD;
    }

    private static Map<String, String> binIn(Path bin) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(PgTools.ENV_BIN, bin.toString());
        return env;
    }

    @Test
    void withoutPgDumpTheBackupIsRefusedNamingTheStandardProcedure() throws IOException {
        Path emptyBin = Files.createDirectories(dir.resolve("bin"));
        Path backups = dir.resolve("backups");

        assertThatThrownBy(() -> new PgDumpBackup(backups, 3)
                        .withToolEnvironment(binIn(emptyBin))
                        .backup(urlWithPassword(pg)))
                .isInstanceOf(PostgresToolsUnavailableException.class)
                .hasMessageContaining("pg_dump was not found in " + PgTools.ENV_BIN)
                .hasMessageContaining("pg_basebackup")
                .hasMessageContaining("docs/OPERATIONS.md")
                .hasMessageNotContaining(PASSWORD);
        assertThat(files(backups)).isEmpty();
    }

    @Test
    void aPgDumpOlderThanTheServerIsRefused() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("old-bin"));
        fakeTool(bin, "pg_dump", serverMajor - 1);
        fakeTool(bin, "pg_restore", serverMajor - 1);
        Path backups = dir.resolve("backups");

        assertThatThrownBy(() -> new PgDumpBackup(backups, 3)
                        .withToolEnvironment(binIn(bin))
                        .backup(urlWithPassword(pg)))
                .isInstanceOf(PostgresToolsUnavailableException.class)
                .hasMessageContaining("pg_dump " + (serverMajor - 1))
                .hasMessageContaining("older than the PostgreSQL " + serverMajor + " server")
                .hasMessageContaining("pg_basebackup")
                .hasMessageNotContaining(PASSWORD);
        assertThat(files(backups)).isEmpty();
    }

    @Test
    void withoutPgRestoreTheRestoreIsRefusedAndTheTargetUntouched() throws IOException {
        Path emptyBin = Files.createDirectories(dir.resolve("bin"));
        Path dump = Files.writeString(dir.resolve("x.dump"), "not really");
        try (PgTestServer.Database empty = PgTestServer.freshDatabase("pgrestore-none")) {
            assertThatThrownBy(() -> new PgRestore()
                            .withToolEnvironment(binIn(emptyBin))
                            .restore(dump, urlWithPassword(empty), true))
                    .isInstanceOf(PostgresToolsUnavailableException.class)
                    .hasMessageContaining("pg_restore was not found")
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void realDumpAndRestoreWhereACompatiblePgDumpIsInstalled() throws Exception {
        PgTools.Tool pgDump;
        try {
            pgDump = new PgTools().find("pg_dump");
        } catch (PostgresToolsUnavailableException e) {
            pgDump = null;
        }
        Assumptions.assumeTrue(
                pgDump != null && pgDump.major() >= serverMajor,
                "needs pg_dump " + serverMajor + "+ on the PATH or in " + PgTools.ENV_BIN + " (found "
                        + (pgDump == null ? "none" : pgDump.major()) + ")");
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO users (username, email, password_hash) VALUES ('dumped', 'd@example.test', '!')");
        }
        // Usage samples on two UTC days: two day partitions of usage_samples, dumped as rows of the parent.
        try (DialupDatabase db = DialupDatabase.builder()
                .location(pg.location())
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .build()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("dumped-site", f.user("site-owner"));
            Instant now = Instant.now();
            new UsageRepository(db)
                    .recordBatch(
                            db.systemScope("test"),
                            List.of(
                                    UsageSample.of(site, now.minus(Duration.ofDays(1)), 1, 1, 1, 1, 1, 1),
                                    UsageSample.of(site, now.minusSeconds(60), 1, 1, 1, 1, 1, 1),
                                    UsageSample.of(site, now.minusSeconds(30), 1, 1, 1, 1, 1, 1)));
        }
        Path backups = dir.resolve("backups");

        // As the owner, the role docs/OPERATIONS.md names for backups: row-level security applies to it (a superuser
        // would skip the policies), so this dumps through them with the system identity.
        Backup b = new PgDumpBackup(backups, 3).backup(withPassword(pg.ownerLocation()));

        assertThat(b.manifest().schemaVersion()).isEqualTo(PgDumpBackup.schemaVersion(pg.connect()));
        assertThat(b.manifest().rowCounts())
                .containsEntry("users", 2L)
                .containsEntry("usage_samples", 3L)
                .containsKey("flyway_schema_history");
        assertThat(b.manifest().source()).doesNotContain(PASSWORD).contains("***");
        assertThat(Files.readString(b.manifestFile())).doesNotContain(PASSWORD);
        assertThat(Files.getPosixFilePermissions(b.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        try (PgTestServer.Database target = PgTestServer.freshDatabase("pgrestore")) {
            PgRestore.Result r = new PgRestore().restore(b.file(), withPassword(target.ownerLocation()), false);
            assertThat(r.rowCounts()).isEqualTo(b.manifest().rowCounts());
            assertThat(r.schemaVersion()).isEqualTo(b.manifest().schemaVersion());
            // A second restore into the now populated database is refused.
            assertThatThrownBy(() -> new PgRestore().restore(b.file(), withPassword(target.ownerLocation()), false))
                    .isInstanceOf(DialupDataException.class)
                    .hasMessageContaining("already holds")
                    .hasMessageNotContaining(PASSWORD);
        }

        // A damaged archive fails verification before anything is restored.
        byte[] bytes = Files.readAllBytes(b.file());
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(b.file(), bytes);
        assertThatThrownBy(() -> new PgDumpBackup(backups, 3).verify(b.file(), false))
                .isInstanceOf(BackupVerificationException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void archiveRowCountsAreReadFromCopyBlocks() throws IOException {
        // A stand-in pg_restore printing what `pg_restore --data-only --file=-` prints for a custom archive.
        Path bin = Files.createDirectories(dir.resolve("copy-bin"));
        Path script = bin.resolve("pg_restore");
        Files.writeString(script, """
                #!/bin/sh
                if [ "$1" = "--version" ]; then echo "pg_restore (PostgreSQL) 18.1"; exit 0; fi
                cat <<'OUT'
                SET statement_timeout = 0;
                COPY dialup_rls.users (user_id, active, admin) FROM stdin;
                1\tt\tf
                2\tt\tf
                3\tt\tf
                \\.
                COPY public.flyway_schema_history (installed_rank) FROM stdin;
                1
                \\.
                COPY public.users (id, username) FROM stdin;
                1\talice
                2\tbob
                \\.
                COPY public."MixedCase" ("startTime") FROM stdin;
                \\.
                COPY public.usage_samples (site_id, ts) FROM stdin;
                1\t100
                \\.
                COPY public.usage_samples (site_id, ts) FROM stdin;
                1\t86500
                2\t86500
                \\.
                OUT
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        PgTools.Tool tool = new PgTools(binIn(bin)).find("pg_restore");

        assertThat(tool.major()).isEqualTo(18);
        assertThat(PgTools.archiveRowCounts(tool, dir.resolve("any.dump")))
                .as("the library's schema only (the one with the migration history); two blocks of the same table (a"
                        + " partition each, --load-via-partition-root) add up")
                .isEqualTo(Map.of("flyway_schema_history", 1L, "users", 2L, "MixedCase", 0L, "usage_samples", 3L));
    }

    private static void fakeTool(Path bin, String name, int major) throws IOException {
        Path script = bin.resolve(name);
        Files.writeString(script, "#!/bin/sh\necho '" + name + " (PostgreSQL) " + major + ".3'\n");
        Files.setPosixFilePermissions(
                script,
                Set.of(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
    }

    private static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return new ArrayList<>(s.toList());
        }
    }
}
