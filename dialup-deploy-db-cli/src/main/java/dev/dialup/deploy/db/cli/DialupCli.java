package dev.dialup.deploy.db.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Operator CLI: {@code java -jar target/dialup-deploy-db-cli.jar <command>}.
 * One table of exit codes, the same for every command ({@link #EXIT_CODES}, shown by every
 * {@code --help}): 0 ok, 1 the operation failed (including permission problems), 2 usage error,
 * 3 the file was refused (not SQLite, newer schema, unrecognised schema; a move or PostgreSQL backup refused),
 * 4 a check found a problem.
 */
@Command(
        name = "dialup-db",
        mixinStandardHelpOptions = true,
        versionProvider = DialupCli.Version.class,
        description = "Operate the dialup-deploy SQLite database.",
        subcommands = {
            MigrateCommand.class,
            InfoCommand.class,
            BackupCommand.class,
            RestoreCommand.class,
            RotateKeysCommand.class,
            RollupCommand.class,
            PruneCommand.class,
            DemoCommand.class,
            VerifyCommand.class,
            OptimizeCommand.class,
            MoveToPostgresCommand.class,
            CommandLine.HelpCommand.class
        })
public final class DialupCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_REFUSED = 3;
    public static final int EXIT_VERIFY_FAILED = 4;

    /** The exit codes of every command, in the words {@code --help} prints. */
    public static final Map<String, String> EXIT_CODES = exitCodes();

    private static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("" + EXIT_OK, "ok");
        codes.put(
                "" + EXIT_FAILED,
                "failed: no such file or directory, a missing permission (named with its path),"
                        + " database busy or closed, an I/O error; nothing was changed");
        codes.put("" + EXIT_USAGE, "usage error: unknown option, missing or bad argument");
        codes.put(
                "" + EXIT_REFUSED,
                "refused: not an SQLite database, a schema (or a backup's) newer than this CLI,"
                        + " or tables this library does not recognise; a move-to-postgres target that is not"
                        + " empty or at another schema version; no pg_dump/pg_restore of the server's version;"
                        + " the database was left unchanged");
        codes.put(
                "" + EXIT_VERIFY_FAILED,
                "a check found a problem: verify (integrity, foreign keys), a backup that"
                        + " failed verification (checksum, integrity, missing manifest), or a move-to-postgres"
                        + " copy whose row counts or checksums differ (nothing was committed)");
        return java.util.Collections.unmodifiableMap(codes);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
    }

    public static void main(String[] args) {
        // Operators see results and errors; library chatter (Flyway, Hikari) only with DIALUP_DEBUG.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty(
                    "org.slf4j.simpleLogger.defaultLogLevel", System.getenv("DIALUP_DEBUG") != null ? "info" : "warn");
        }
        System.exit(execute(args));
    }

    /** Runs the CLI in-process and returns its exit code (used by tests). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI in-process with its output and errors going to the given writers. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new DialupCli());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, arguments) -> {
            // Under --json a usage error is a JSON object on stdout too.
            if (Arrays.asList(arguments).contains("--json")) {
                ex.getCommandLine().getOut().println(Json.error("UsageError", null, ex.getMessage(), EXIT_USAGE));
            }
            return usage.handleParseException(ex, arguments);
        });
        applyExitCodes(cl);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static void applyExitCodes(CommandLine cl) {
        cl.getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("Exit codes (the same for every command):%n")
                .exitCodeList(EXIT_CODES);
        cl.getSubcommands().values().forEach(DialupCli::applyExitCodes);
    }

    /** {@code --create-dirs}, for the commands that may create a new database (migrate, demo). */
    public static final class CreateDirsOption {
        @Option(
                names = "--create-dirs",
                description =
                        "Create missing directories of --db (mode 0700). Without it only the default ./data/ is created.")
        boolean create;
    }

    /** Options every command that touches a database shares. */
    public static final class DbOptions {
        @Option(
                names = "--db",
                paramLabel = "FILE|URL",
                description = "Database file, or a PostgreSQL JDBC URL jdbc:postgresql://host[:port]/database"
                        + " (credentials: ?user=..., PGUSER/PGPASSWORD or a password file; never printed)."
                        + " Default: $DIALUP_DB or ./data/dialup-deploy.db.")
        String db;

        @Option(names = "--json", description = "Machine-readable JSON output.")
        boolean json;

        /** The --db value (or its default): a file path or a PostgreSQL URL. May hold credentials: never print it. */
        public String location() {
            return db != null && !db.isBlank() ? db : dev.dialup.deploy.db.core.DialupDatabase.defaultLocation();
        }

        /** True when --db names a PostgreSQL database. */
        public boolean postgres() {
            return dev.dialup.deploy.db.engine.postgresql.PostgresLocation.isPostgresUrl(location());
        }

        /** The database file; refused for a PostgreSQL URL (commands that work on files only). */
        public Path path() {
            if (postgres()) {
                throw new dev.dialup.deploy.db.DialupDataException(
                        "this command works on an SQLite database file; --db names a PostgreSQL database");
            }
            return Path.of(location());
        }

        /** A builder on --db: the file or the PostgreSQL URL. */
        public dev.dialup.deploy.db.core.DialupDatabase.Builder builder() {
            return dev.dialup.deploy.db.core.DialupDatabase.builder().location(location());
        }

        /** --db for messages: the absolute file, or the URL without credentials. */
        public String display() {
            return postgres()
                    ? dev.dialup.deploy.db.engine.postgresql.PostgresLocation.parse(location())
                            .redacted()
                    : path().toAbsolutePath().toString();
        }

        public boolean json() {
            return json;
        }

        /**
         * The database file, which must already exist (commands other than migrate/demo never create one).
         * Refused for a PostgreSQL URL: use {@link #builder()} there.
         */
        public java.nio.file.Path existingPath() {
            java.nio.file.Path p = path();
            if (!java.nio.file.Files.exists(p)) {
                dev.dialup.deploy.db.engine.sqlite.StorageGuard.permissionProblem(p, false)
                        .ifPresent(e -> {
                            throw e;
                        });
                throw new dev.dialup.deploy.db.DialupDataException(
                        "No database at " + p.toAbsolutePath() + " (run 'migrate' to create it)");
            }
            return p;
        }

        /**
         * A builder on the existing database: the file must exist (never created here); a PostgreSQL
         * database is checked when it opens.
         */
        public dev.dialup.deploy.db.core.DialupDatabase.Builder existingBuilder() {
            return postgres()
                    ? builder()
                    : dev.dialup.deploy.db.core.DialupDatabase.builder().path(existingPath());
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = DialupCli.class.getPackage().getImplementationVersion();
            return new String[] {"dialup-deploy-db " + (v == null ? "(development build)" : v)};
        }
    }
}
