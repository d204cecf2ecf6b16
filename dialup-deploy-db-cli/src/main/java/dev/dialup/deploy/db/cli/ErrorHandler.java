package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.ops.BackupVerificationException;
import picocli.CommandLine;

/** Turns library errors into one clear line on stderr and a meaningful exit code. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        cl.getErr().println("error: " + ex.getMessage());
        if (ex instanceof IncompatibleDatabaseException) {
            return DialupCli.EXIT_REFUSED;
        }
        if (ex instanceof BackupVerificationException) {
            return DialupCli.EXIT_VERIFY_FAILED;
        }
        if (!(ex instanceof DialupDataException) && System.getenv("DIALUP_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        return DialupCli.EXIT_FAILED;
    }
}
