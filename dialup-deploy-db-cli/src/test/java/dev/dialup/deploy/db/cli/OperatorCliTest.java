package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as an operator sees it: exit codes, errors under --json, numbers, row counts, progress output. */
class OperatorCliTest {
    @TempDir
    Path dir;

    private Path database() {
        Path file = dir.resolve("dialup.db");
        try (DialupDatabase db = DialupDatabase.open(file)) {
            new Fixtures(db).user("ada");
        }
        return file;
    }

    @Test
    void migrateIntoAMissingDirectoryFailsNamingItAndCreatesNothingUnlessAsked() throws Exception {
        Path typo = dir.resolve("dta/dialup.db");
        CliRun run = CliRun.of("migrate", "--db", typo.toString());
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertThat(run.err())
                .contains(typo.getParent().toString())
                .contains("does not exist")
                .contains("--create-dirs");
        assertThat(dir.resolve("dta")).doesNotExist();

        CliRun json = CliRun.of("migrate", "--db", typo.toString(), "--json");
        assertThat(json.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        Map<?, ?> error = (Map<?, ?>) json.json().get("error");
        assertThat(error.get("type")).isEqualTo("StorageException");
        assertThat(error.get("reason")).isEqualTo("DIRECTORY_MISSING");
        assertThat(error.get("exitCode")).isEqualTo(1L);
        assertThat((String) error.get("message")).contains(typo.getParent().toString());
        assertThat(json.json().get("ok")).isEqualTo(false);
        assertThat(dir.resolve("dta")).doesNotExist();

        CliRun created = CliRun.of("migrate", "--db", typo.toString(), "--create-dirs");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(typo).isRegularFile();
    }

    @Test
    void verifyOfAFileThatIsNotSqliteIsARefusalExitThreeAndReportsNoCheckAsOk() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.db"), "definitely not an SQLite database file, just text");
        byte[] before = Files.readAllBytes(junk);

        CliRun human = CliRun.of("verify", "--db", junk.toString());
        assertThat(human.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(human.out())
                .contains("Integrity:       not checked")
                .contains("Foreign keys:    not checked")
                .doesNotContain(": ok")
                .contains("not an SQLite database");

        CliRun json = CliRun.of("verify", "--db", junk.toString(), "--json");
        assertThat(json.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(json.json().get("integrity")).isNull();
        assertThat(json.json().get("foreignKeyViolations")).isNull();
        assertThat(json.json().get("schemaState")).isEqualTo("NOT_SQLITE");

        // info refuses the same file with the same code, and says so in JSON.
        CliRun info = CliRun.of("info", "--db", junk.toString(), "--json");
        assertThat(info.exit()).isEqualTo(DialupCli.EXIT_REFUSED);
        assertThat(((Map<?, ?>) info.json().get("error")).get("exitCode")).isEqualTo(3L);
        assertThat(Files.readAllBytes(junk)).isEqualTo(before);
    }

    @Test
    void aDatabaseInAReadOnlyDirectoryIsAPermissionErrorExitOneForInfoAndVerify() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("ro"));
        Path file = sub.resolve("dialup.db");
        try (DialupDatabase db = DialupDatabase.open(file)) {
            new Fixtures(db).user("ada");
        }
        byte[] before = Files.readAllBytes(file);
        try (ReadOnly ro = ReadOnly.make(sub)) {
            for (String command : List.of("info", "verify")) {
                CliRun run = CliRun.of(command, "--db", file.toString());
                assertThat(run.exit()).as(command + ": " + run.err()).isEqualTo(DialupCli.EXIT_FAILED);
                assertThat(run.err())
                        .as(command)
                        .contains("permission denied")
                        .contains("no write (w) permission")
                        .contains(sub.toString());
                assertThat(run.out()).as(command + " reports no check as ok").doesNotContain("ok");

                CliRun json = CliRun.of(command, "--db", file.toString(), "--json");
                assertThat(json.exit()).isEqualTo(DialupCli.EXIT_FAILED);
                Map<?, ?> error = (Map<?, ?>) json.json().get("error");
                assertThat(error.get("reason")).isEqualTo("NOT_WRITABLE");
            }
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(sub)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("dialup.db");
        }
    }

    @Test
    void jsonNumbersAreNumbersAndRowCountsListTheSameTablesInTheSameOrderEverywhere() throws Exception {
        Path file = database();
        CliRun migrate = CliRun.of("migrate", "--db", file.toString(), "--json");
        CliRun info = CliRun.of("info", "--db", file.toString(), "--json");
        CliRun verify = CliRun.of("verify", "--db", file.toString(), "--json");
        CliRun backup = CliRun.of("backup", "--db", file.toString(), "--json");
        CliRun restore = CliRun.of("restore", "--db", dir.resolve("restored.db").toString(), "--json", (String)
                backup.json().get("backup"));

        for (CliRun run : List.of(migrate, info, verify, backup, restore)) {
            assertThat(run.json().get("schemaVersion")).as(run.out()).isInstanceOf(Long.class);
        }
        assertThat(info.json().get("latestVersion"))
                .isInstanceOf(Long.class)
                .isEqualTo(info.json().get("schemaVersion"));
        // Order as printed (a parsed JSON object has none).
        List<String> tables = rowCountKeys(migrate.out());
        assertThat(tables)
                .contains("users", "processes")
                .doesNotContain("flyway_schema_history")
                .isSorted();
        for (CliRun run : List.of(info, backup, restore)) {
            assertThat(rowCountKeys(run.out())).as(run.out()).isEqualTo(tables);
        }
        assertThat(((Map<?, ?>) info.json().get("rowCounts")).get("users")).isEqualTo(1L);
    }

    private static List<String> rowCountKeys(String json) {
        int start = json.indexOf("\"rowCounts\":{");
        assertThat(start).as(json).isNotNegative();
        String object = json.substring(start + 13, json.indexOf('}', start));
        List<String> keys = new ArrayList<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"([a-z_]+)\":").matcher(object);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    @Test
    void aUsageErrorUnderJsonIsAlsoAJsonObjectOnStdout() throws Exception {
        CliRun run = CliRun.of("info", "--json", "--no-such-option");
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_USAGE);
        Map<?, ?> error = (Map<?, ?>) run.json().get("error");
        assertThat(error.get("type")).isEqualTo("UsageError");
        assertThat(error.get("exitCode")).isEqualTo(2L);
        assertThat(run.err()).contains("--no-such-option");
    }

    @Test
    void everyCommandsHelpShowsTheOneTableOfExitCodes() {
        for (String command : List.of(
                "migrate",
                "info",
                "backup",
                "restore",
                "verify",
                "optimize",
                "rollup",
                "prune",
                "rotate-keys",
                "demo")) {
            String help = CliRun.of(command, "--help").out();
            assertThat(help).as(command).contains("Exit codes (the same for every command):");
            DialupCli.EXIT_CODES
                    .values()
                    .forEach(text -> assertThat(help.replaceAll("\\s+", " "))
                            .as(command)
                            .contains(text.replaceAll("\\s+", " ")));
        }
    }

    @Test
    void noProgressFramesWhenStderrIsNotATerminalOrUnderJson() throws Exception {
        Path file = database();
        // In-process runs have no console: the bar must stay silent, whatever the command takes.
        for (String[] args : List.of(
                new String[] {"backup", "--db", file.toString()},
                new String[] {"backup", "--db", file.toString(), "--json"},
                new String[] {"verify", "--db", file.toString()})) {
            CliRun run = CliRun.of(args);
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err()).doesNotContain("\r");
        }
        StringWriter sink = new StringWriter();
        assertThat(ProgressBar.forCommand(new PrintWriter(sink), true, null).enabled())
                .isFalse();
        ProgressBar off = new ProgressBar(new PrintWriter(sink), "values", false, 80);
        off.update("copy", 1, 2);
        off.finish();
        assertThat(sink.toString()).isEmpty();
    }

    @Test
    void aFrameFitsTheTerminalWidth() {
        for (int columns : new int[] {20, 40, 60, 80, 200}) {
            assertThat(ProgressBar.frame("checksum", 12_345_678_901L, 98_765_432_109L, null, columns)
                            .length())
                    .as("columns " + columns)
                    .isLessThan(columns);
            assertThat(ProgressBar.frame("rotate", 123_456, 1_000_000, "values", columns)
                            .length())
                    .isLessThan(columns);
        }
        assertThat(ProgressBar.columns("132")).isEqualTo(132);
        assertThat(ProgressBar.columns(null)).isEqualTo(ProgressBar.DEFAULT_COLUMNS);
        assertThat(ProgressBar.columns("wide")).isEqualTo(ProgressBar.DEFAULT_COLUMNS);
        assertThat(ProgressBar.columns("0")).isEqualTo(ProgressBar.DEFAULT_COLUMNS);
    }

    /**
     * Makes a directory read-only for this process: mode 0555, or, when the tests run as root
     * (which ignores modes), the immutable attribute. Undone on close.
     */
    private record ReadOnly(Path dir, boolean immutable) implements AutoCloseable {
        static ReadOnly make(Path dir) throws Exception {
            if (!"root".equals(System.getProperty("user.name"))) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
                return new ReadOnly(dir, false);
            }
            Process p = new ProcessBuilder("chattr", "+i", dir.toString())
                    .redirectErrorStream(true)
                    .start();
            boolean ok = p.waitFor() == 0 && !Files.isWritable(dir);
            Assumptions.assumeTrue(ok, "running as root without chattr: cannot make a read-only directory");
            return new ReadOnly(dir, true);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", dir.toString()).start().waitFor();
            } else {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }
}
