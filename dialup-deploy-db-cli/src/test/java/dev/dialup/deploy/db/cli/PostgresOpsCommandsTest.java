package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.testing.InstallationDataset;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code move-to-postgres}, and {@code backup}/{@code restore} with a {@code jdbc:postgresql} URL, against the
 * embedded PostgreSQL: exit codes from the one table, JSON output, and no credential in any output.
 */
class PostgresOpsCommandsTest {
    static final String PASSWORD = "pw-never-printed-42";

    @TempDir
    static Path dir;

    static InstallationDataset data;
    final List<PgTestServer.Database> databases = new ArrayList<>();

    @BeforeAll
    static void installation() {
        data = InstallationDataset.create(dir, 200);
    }

    @AfterEach
    void drop() {
        databases.forEach(PgTestServer.Database::close);
    }

    private String migratedTargetUrl() {
        PgTestServer.Database db = PgTestServer.freshMigratedDatabase("cli-move");
        databases.add(db);
        return withPassword(db.jdbcUrl());
    }

    private static String withPassword(String url) {
        return url + (url.contains("?") ? "&" : "?") + "password=" + PASSWORD;
    }

    private static void assertNoCredentials(CliRun run) {
        assertThat(run.out()).doesNotContain(PASSWORD);
        assertThat(run.err()).doesNotContain(PASSWORD);
    }

    @Test
    void movesTheInstallationAndPrintsTheVerificationAsJson() throws Exception {
        String url = migratedTargetUrl();

        CliRun run = CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url, "--json");

        assertThat(run.exit()).as(run.err()).isEqualTo(DialupCli.EXIT_OK);
        assertNoCredentials(run);
        Map<?, ?> json = run.json();
        assertThat(json.get("verified")).isEqualTo(true);
        assertThat((String) json.get("target")).contains("password=***");
        List<?> tables = (List<?>) json.get("tables");
        assertThat(tables).isNotEmpty().allSatisfy(t -> {
            Map<?, ?> m = (Map<?, ?>) t;
            assertThat(m.get("matches")).isEqualTo(true);
            assertThat(m.get("sourceSha256")).isEqualTo(m.get("targetSha256"));
        });
        assertThat(tables)
                .anySatisfy(t -> assertThat(((Map<?, ?>) t).get("table")).isEqualTo("usage_samples"));

        // Human output of a verification of the same pair.
        CliRun verify = CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url, "--verify-only");
        assertThat(verify.exit()).as(verify.err()).isEqualTo(DialupCli.EXIT_OK);
        assertThat(verify.out()).contains("row counts and checksums match").contains("password=***");
        assertNoCredentials(verify);
    }

    @Test
    void aSecondMoveIntoTheSameDatabaseIsRefusedWithExitCode3() {
        String url = migratedTargetUrl();
        assertThat(CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url)
                        .exit())
                .isZero();

        CliRun again = CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url, "--json");

        assertThat(again.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(again.err()).contains("already holds data");
        assertThat(again.out()).contains("TARGET_NOT_EMPTY");
        assertNoCredentials(again);
    }

    @Test
    void aDamagedCopyFailsVerificationWithExitCode4() throws Exception {
        PgTestServer.Database db = PgTestServer.freshMigratedDatabase("cli-verify");
        databases.add(db);
        String url = withPassword(db.jdbcUrl());
        assertThat(CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url)
                        .exit())
                .isZero();
        try (Connection c = db.connect();
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM deployment_log_chunks WHERE id = (SELECT max(id) FROM deployment_log_chunks)");
        }

        CliRun run = CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", url, "--verify-only");

        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_VERIFY_FAILED);
        assertThat(run.err()).contains("deployment_log_chunks: source");
        assertNoCredentials(run);
    }

    @Test
    void aTargetThatIsNotAPostgresUrlIsAUsageError() {
        CliRun run = CliRun.of("move-to-postgres", "--db", data.file().toString(), "--to", "other.db");
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_USAGE);
        assertThat(run.err()).contains("--to must be a jdbc:postgresql://");
    }

    @Test
    void anUnreachableServerFailsWithoutShowingTheUrlsPassword() {
        CliRun run = CliRun.of(
                "move-to-postgres",
                "--db",
                data.file().toString(),
                "--to",
                "jdbc:postgresql://127.0.0.1:1/nowhere?user=owner&password=" + PASSWORD + "&connectTimeout=2");
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertNoCredentials(run);
    }

    @Test
    void restoreOfAnUnverifiableDumpIntoAPostgresUrlChangesNothing() throws Exception {
        PgTestServer.Database db = PgTestServer.freshDatabase("cli-restore");
        databases.add(db);
        Path dump = Files.writeString(dir.resolve("bogus.dump"), "not a pg_dump archive");

        CliRun run = CliRun.of("restore", dump.toString(), "--db", withPassword(db.jdbcUrl()), "--json");

        // Exit 4 (no manifest beside it) where pg_restore is installed, 3 (refused: no pg_restore) where it is not.
        assertThat(run.exit()).as(run.err()).isIn(DialupCli.EXIT_VERIFY_FAILED, DialupCli.EXIT_REFUSED);
        assertNoCredentials(run);
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE n.nspname = 'public'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    @Test
    void backupOfAPostgresUrlWithoutPgDumpIsRefusedWithExitCode3() throws Exception {
        PgTestServer.Database db = PgTestServer.freshMigratedDatabase("cli-backup");
        databases.add(db);
        Path backups = dir.resolve("pg-backups");
        // Without pg_dump of the server's version on this machine's PATH the command refuses; with one it succeeds.
        CliRun run = CliRun.of("backup", "--db", withPassword(db.jdbcUrl()), "--dir", backups.toString(), "--json");

        assertNoCredentials(run);
        int serverMajor;
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            serverMajor = rs.getInt(1) / 10_000;
        }
        if (run.exit() == DialupCli.EXIT_REFUSED) {
            assertThat(run.err()).contains("pg_dump").contains("docs/OPERATIONS.md");
            assertThat(run.out()).contains("PostgresToolsUnavailableException");
            assertThat(Files.exists(backups) ? Files.list(backups).toList() : List.of())
                    .isEmpty();
        } else {
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat((String) run.json().get("backup")).endsWith(".dump");
            assertThat(serverMajor).isPositive();
        }
    }
}
