package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands run in-process through {@link DialupCli#execute(PrintWriter, PrintWriter, String...)}. */
class OpsCommandsTest {
    @TempDir
    Path dir;

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    private Path db() {
        try {
            return Files.createDirectories(dir.resolve("data")).resolve("dialup-deploy.db");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path databaseWithUsers(String... names) {
        try (DialupDatabase db = DialupDatabase.open(db())) {
            Fixtures f = new Fixtures(db);
            for (String n : names) {
                f.user(n);
            }
        }
        return db();
    }

    @Test
    void backupWritesIntoBackupsBesideTheDatabaseAndPrintsParseableJson() throws Exception {
        databaseWithUsers("ada");

        CliRun run = cli("backup", "--db", db().toString(), "--json");

        assertThat(run.exit()).as(run.err()).isEqualTo(DialupCli.EXIT_OK);
        Map<?, ?> json = run.json();
        Path backup = Path.of((String) json.get("backup"));
        assertThat(backup).exists().hasParent(db().resolveSibling("backups"));
        assertThat(Path.of((String) json.get("manifest"))).exists();
        assertThat(((Map<?, ?>) json.get("rowCounts")).get("users")).isEqualTo(1L);
        assertThat((String) json.get("sha256")).hasSize(64);
    }

    @Test
    void backupKeepsTheRequestedNumberInTheRequestedDirectory() throws Exception {
        databaseWithUsers("ada");
        Path target = dir.resolve("elsewhere");
        for (int i = 0; i < 3; i++) {
            assertThat(cli("backup", "--db", db().toString(), "--dir", target.toString(), "--keep", "2")
                            .exit())
                    .isZero();
        }
        try (var files = Files.list(target)) {
            assertThat(files.filter(p -> p.toString().endsWith(".db"))).hasSize(2);
        }
        CliRun human = cli("backup", "--db", db().toString(), "--dir", target.toString(), "--keep", "2");
        assertThat(human.out()).contains("Backup:", "Integrity:      ok");
    }

    @Test
    void backupOfAFileThatIsNotSqliteIsRefusedWithExitThree() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.db"), "definitely not an SQLite database file, just text");
        CliRun run = cli("backup", "--db", junk.toString());
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(dir.resolve("backups")).doesNotExist();
    }

    @Test
    void backupOfAMissingDatabaseFailsWithExitOne() {
        CliRun run = cli("backup", "--db", dir.resolve("nope.db").toString());
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertThat(run.err()).contains("no such database file");
    }

    @Test
    void restoreReplacesTheDatabaseAndReportsWhereThePreviousFileWent() throws Exception {
        databaseWithUsers("ada");
        Map<?, ?> backup = cli("backup", "--db", db().toString(), "--json").json();
        try (DialupDatabase db = DialupDatabase.open(db())) {
            new Fixtures(db).user("grace");
        }

        CliRun run = cli("restore", (String) backup.get("backup"), "--db", db().toString(), "--json");

        assertThat(run.exit()).as(run.err()).isEqualTo(DialupCli.EXIT_OK);
        Map<?, ?> json = run.json();
        assertThat(Path.of((String) json.get("previousFile"))).exists();
        assertThat(((Map<?, ?>) json.get("rowCounts")).get("users")).isEqualTo(1L);
        try (DialupDatabase db = DialupDatabase.open(db())) {
            assertThat(db.rowCounts()).containsEntry("users", 1L);
        }
    }

    @Test
    void restoreOfATamperedBackupExitsFourAndLeavesTheDatabaseAlone() throws Exception {
        databaseWithUsers("ada");
        Path backup = Path.of(
                (String) cli("backup", "--db", db().toString(), "--json").json().get("backup"));
        Files.write(backup, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(db());

        CliRun run = cli("restore", backup.toString(), "--db", db().toString());

        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_VERIFY_FAILED);
        assertThat(run.err()).contains("failed verification", "does not match the manifest");
        assertThat(Files.readAllBytes(db())).isEqualTo(before);
    }

    @Test
    void restoreOfABackupWithoutManifestNeedsForce() throws Exception {
        databaseWithUsers("ada");
        Map<?, ?> backup = cli("backup", "--db", db().toString(), "--json").json();
        Files.delete(Path.of((String) backup.get("manifest")));

        assertThat(cli("restore", (String) backup.get("backup"), "--db", db().toString())
                        .exit())
                .isEqualTo(DialupCli.EXIT_VERIFY_FAILED);
        assertThat(cli("restore", (String) backup.get("backup"), "--db", db().toString(), "--force")
                        .exit())
                .isEqualTo(DialupCli.EXIT_OK);
    }

    @Test
    void restoreOfABackupFromANewerSchemaIsRefusedWithExitThree() throws Exception {
        databaseWithUsers("ada");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement st = c.createStatement()) {
            st.execute(
                    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, installed_by,"
                            + " execution_time, success) VALUES (999, '999', 'future', 'SQL', 'V999__x.sql', 'test', 0, 1)");
        }
        Map<?, ?> backup = cli("backup", "--db", db().toString(), "--json").json();
        Path other = dir.resolve("other.db");

        CliRun run = cli("restore", (String) backup.get("backup"), "--db", other.toString());

        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(run.err()).contains("newer than this library");
        assertThat(other).doesNotExist();
    }

    @Test
    void verifyPassesAHealthyDatabaseAndExitsFourOnAForeignKeyViolation() throws Exception {
        databaseWithUsers("ada");
        CliRun healthy = cli("verify", "--db", db().toString(), "--json");
        assertThat(healthy.exit()).isEqualTo(DialupCli.EXIT_OK);
        assertThat(healthy.json().get("ok")).isEqualTo(true);
        assertThat(healthy.json().get("schemaState")).isEqualTo("CURRENT");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement st = c.createStatement()) {
            st.execute("PRAGMA foreign_keys = OFF");
            st.execute("INSERT INTO usage_recent (ts, site_id) VALUES (1700000000, 777)");
        }
        CliRun broken = cli("verify", "--db", db().toString(), "--json");
        assertThat(broken.exit()).isEqualTo(DialupCli.EXIT_VERIFY_FAILED);
        assertThat(broken.json().get("ok")).isEqualTo(false);
        // the orphan sample plus the latest/day-total rows its triggers derived from it
        assertThat((List<?>) broken.json().get("foreignKeyViolations"))
                .hasSize(3)
                .anyMatch(v -> v.toString().startsWith("usage_recent"));

        CliRun human = cli("verify", "--db", db().toString());
        assertThat(human.exit()).isEqualTo(DialupCli.EXIT_VERIFY_FAILED);
        assertThat(human.out()).contains("PROBLEMS FOUND", "foreign_key_check");
    }

    @Test
    void verifyRefusesAFileThatIsNotSqliteWithExitThreeLikeEveryCommandAndOneOnAMissingFile() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.db"), "definitely not an SQLite database file, just text");
        assertThat(cli("verify", "--db", junk.toString()).exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(cli("verify", "--db", dir.resolve("missing.db").toString()).exit())
                .isEqualTo(DialupCli.EXIT_FAILED);
    }

    @Test
    void optimizeReportsSizesAsJsonAndLeavesAnEmptyWal() throws Exception {
        databaseWithUsers("ada", "grace");

        CliRun run = cli("optimize", "--db", db().toString(), "--json");

        assertThat(run.exit()).as(run.err()).isEqualTo(DialupCli.EXIT_OK);
        Map<?, ?> json = run.json();
        assertThat(json.get("walBytesAfter")).isEqualTo(0L);
        assertThat(json.get("autoVacuum")).isEqualTo("incremental");
        assertThat(json.get("checkpointBusy")).isEqualTo(false);
    }

    @Test
    void optimizeRefusesAFileThatIsNotSqliteWithExitThree() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.db"), "definitely not an SQLite database file, just text");
        assertThat(cli("optimize", "--db", junk.toString()).exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(Files.readString(junk)).startsWith("definitely not");
    }

    @Test
    void everyOperationsCommandHasHelpAndUsageErrorsExitTwo() {
        for (String command : List.of("backup", "restore", "verify", "optimize")) {
            CliRun help = cli(command, "--help");
            assertThat(help.exit()).as(command).isZero();
            assertThat(help.out()).as(command).contains("Usage:", "--json", "Exit codes (the same for every command):");
        }
        assertThat(cli("restore").exit()).isEqualTo(DialupCli.EXIT_USAGE);
        assertThat(cli("backup", "--keep", "zero").exit()).isEqualTo(DialupCli.EXIT_USAGE);
        assertThat(cli("backup", "--db", db().toString(), "--keep", "0").exit()).isEqualTo(DialupCli.EXIT_USAGE);
    }

    @Test
    void infoShowsTheNewestBackupForMonitoring() throws Exception {
        databaseWithUsers("ada");
        assertThat(cli("info", "--db", db().toString(), "--json").json().get("backups"))
                .isEqualTo(0L);
        Map<?, ?> backup = cli("backup", "--db", db().toString(), "--json").json();

        Map<?, ?> info = cli("info", "--db", db().toString(), "--json").json();

        assertThat(info.get("backups")).isEqualTo(1L);
        assertThat(info.get("latestBackup")).isEqualTo(backup.get("backup"));
        assertThat((String) info.get("latestBackupAt")).isNotBlank();
    }

    @Test
    void theProgressBarDrawsAProportionalBar() {
        assertThat(ProgressBar.frame("copy", 50, 100, null, 80)).contains("[###############...............]", " 50%");
        assertThat(ProgressBar.frame("verify", 0, 0, null, 80)).contains("working");
    }
}
