package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.StorageException;
import picocli.CommandLine;

/**
 * Turns library errors into one clear line on stderr and an exit code from the one table in
 * {@link DialupCli#EXIT_CODES}; under {@code --json} also a JSON error object on stdout.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        int code = exitCode(ex);
        cl.getErr().println("error: " + ex.getMessage());
        CommandLine.ParseResult own = cl.getParseResult();
        if (own != null && own.hasMatchedOption("--json")) {
            cl.getOut().println(Json.error(ex.getClass().getSimpleName(), reason(ex), ex.getMessage(), code));
            cl.getOut().flush();
        }
        if (!(ex instanceof DialupDataException) && System.getenv("DIALUP_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        return code;
    }

    static int exitCode(Exception ex) {
        if (ex instanceof IncompatibleDatabaseException) {
            return DialupCli.EXIT_REFUSED;
        }
        if (ex instanceof BackupVerificationException) {
            return DialupCli.EXIT_VERIFY_FAILED;
        }
        return DialupCli.EXIT_FAILED;
    }

    private static String reason(Exception ex) {
        if (ex instanceof StorageException s) return s.reason().name();
        if (ex instanceof IncompatibleDatabaseException i) return i.reason().name();
        if (ex instanceof DatabaseBusyException b) return b.reason().name();
        return null;
    }
}
