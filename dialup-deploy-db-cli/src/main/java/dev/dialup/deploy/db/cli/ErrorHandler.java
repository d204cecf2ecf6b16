package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.BackupVerificationException;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.MoveRefusedException;
import dev.dialup.deploy.db.MoveVerificationException;
import dev.dialup.deploy.db.PostgresToolsUnavailableException;
import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.engine.JdbcUrls;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Turns library errors into one clear line on stderr and an exit code from the one table in
 * {@link DialupCli#EXIT_CODES}; under {@code --json} also a JSON error object on stdout.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    private static final Pattern JDBC_URL = Pattern.compile("jdbc:[A-Za-z0-9]+:[^\\s'\"]+");

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        int code = exitCode(ex);
        String message = withoutCredentials(ex.getMessage());
        cl.getErr().println("error: " + message);
        CommandLine.ParseResult own = cl.getParseResult();
        if (own != null && own.hasMatchedOption("--json")) {
            cl.getOut().println(Json.error(ex.getClass().getSimpleName(), reason(ex), message, code));
            cl.getOut().flush();
        }
        if (!(ex instanceof DialupDataException) && System.getenv("DIALUP_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        return code;
    }

    /** Every JDBC URL in {@code message} with its credentials replaced (a driver's message may quote one). */
    static String withoutCredentials(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = JDBC_URL.matcher(message);
        return m.replaceAll(r -> Matcher.quoteReplacement(JdbcUrls.redact(r.group())));
    }

    static int exitCode(Exception ex) {
        if (ex instanceof IncompatibleDatabaseException) {
            return DialupCli.EXIT_REFUSED;
        }
        if (ex instanceof MoveRefusedException || ex instanceof PostgresToolsUnavailableException) {
            return DialupCli.EXIT_REFUSED;
        }
        if (ex instanceof BackupVerificationException || ex instanceof MoveVerificationException) {
            return DialupCli.EXIT_VERIFY_FAILED;
        }
        return DialupCli.EXIT_FAILED;
    }

    private static String reason(Exception ex) {
        if (ex instanceof StorageException s) return s.reason().name();
        if (ex instanceof IncompatibleDatabaseException i) return i.reason().name();
        if (ex instanceof DatabaseBusyException b) return b.reason().name();
        if (ex instanceof MoveRefusedException m) return m.reason().name();
        return null;
    }
}
