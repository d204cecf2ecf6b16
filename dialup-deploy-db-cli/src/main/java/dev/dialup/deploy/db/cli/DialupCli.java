package dev.dialup.deploy.db.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Operator CLI: {@code java -jar target/dialup-deploy-db-cli.jar <command>}.
 * Exit codes: 0 ok, 1 the operation failed, 2 usage error, 3 the database was refused
 * (not SQLite, newer schema, unrecognised schema), 4 verification found a problem.
 */
@Command(name = "dialup-db", mixinStandardHelpOptions = true, versionProvider = DialupCli.Version.class,
        description = "Operate the dialup-deploy SQLite database.",
        subcommands = {MigrateCommand.class, InfoCommand.class, BackupCommand.class, RestoreCommand.class, RotateKeysCommand.class, RollupCommand.class, PruneCommand.class, DemoCommand.class,
                VerifyCommand.class, OptimizeCommand.class, CommandLine.HelpCommand.class})
public final class DialupCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_REFUSED = 3;
    public static final int EXIT_VERIFY_FAILED = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
    }

    public static void main(String[] args) {
        // Operators see results and errors; library chatter (Flyway, Hikari) only with DIALUP_DEBUG.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getenv("DIALUP_DEBUG") != null ? "info" : "warn");
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
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Options every command that touches a database shares. */
    public static final class DbOptions {
        @Option(names = "--db", paramLabel = "FILE",
                description = "Database file (default: $DIALUP_DB or ./data/dialup-deploy.db).")
        Path db;

        @Option(names = "--json", description = "Machine-readable JSON output.")
        boolean json;

        public Path path() {
            return db != null ? db : dev.dialup.deploy.db.DialupDatabase.defaultPath();
        }

        public boolean json() {
            return json;
        }

        /** The database file, which must already exist (commands other than migrate/demo never create one). */
        public java.nio.file.Path existingPath() {
            java.nio.file.Path p = path();
            if (!java.nio.file.Files.exists(p)) {
                throw new dev.dialup.deploy.db.DialupDataException("No database at " + p.toAbsolutePath() + " (run 'migrate' to create it)");
            }
            return p;
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
