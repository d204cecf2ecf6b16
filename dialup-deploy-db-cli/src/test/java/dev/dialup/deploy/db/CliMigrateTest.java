package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.cli.DialupCli;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.CapturedLog;
import dev.dialup.deploy.db.testing.LegacyDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class CliMigrateTest {
    @TempDir
    Path dir;
    /** The CLI writes its errors to System.err; the test that provokes one asserts it. */
    @RegisterExtension
    final CapturedLog stderr = new CapturedLog();

    String run(int expectedExit, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertThat(DialupCli.execute(args)).isEqualTo(expectedExit);
        } finally {
            System.setOut(out);
        }
        return buf.toString();
    }

    @Test
    void migrateCreatesTheDatabaseAndPrintsVersionAndRowCounts() {
        Path file = dir.resolve("data/dialup-deploy.db");
        String out = run(0, "migrate", "--db", file.toString(), "--create-dirs");
        assertThat(Files.exists(file)).isTrue();
        assertThat(out).contains("Schema version:").contains("system_config").contains("processes");
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).migrateOnOpen(false).build()) {
            assertThat(db.status().upToDate()).isTrue();
        }
    }

    @Test
    void migrateAdoptsALegacyDatabaseAndReportsItsRows() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, MigrationAndAdoptionTest.LEGACY);
        String out = run(0, "migrate", "--db", file.toString(), "--json");
        assertThat(out).contains("\"processes\":7").contains("\"sites\":5").contains("\"users\":1");
    }

    @Test
    void infoReportsPendingMigrationsWithoutApplyingThem() throws Exception {
        Path file = dir.resolve("legacy.db");
        LegacyDatabase.create(file, MigrationAndAdoptionTest.LEGACY);
        DialupDatabase.migrate(file);
        String out = run(0, "info", "--db", file.toString());
        assertThat(out).contains("Pending migrations: none").contains("WAL size");
    }

    @Test
    void aRefusedFileExitsWithCodeThree() throws Exception {
        Path file = dir.resolve("junk.db");
        Files.writeString(file, "junk".repeat(100));
        run(DialupCli.EXIT_REFUSED, "migrate", "--db", file.toString());
        assertThat(stderr.text()).contains("error: Refusing to open " + file).contains("not an SQLite database");
    }

    @Test
    void theDefaultFileIsDataDialupDeployDbUnlessDialupDbIsSet() {
        String env = System.getenv(DialupDatabase.ENV_VAR);
        Path expected = env == null || env.isBlank() ? Path.of("data", "dialup-deploy.db") : Path.of(env);
        assertThat(DialupDatabase.defaultPath()).isEqualTo(expected);
    }
}
