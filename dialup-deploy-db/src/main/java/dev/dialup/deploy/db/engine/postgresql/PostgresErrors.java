package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.StorageException.Reason;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What a PostgreSQL failure means, read from its SQLState (never from the localisable message text). Every
 * method looks at {@code e} and all its causes, including {@link SQLException#getNextException()} (pgjdbc puts
 * the server's error of a failed batch there).
 *
 * <p>Secrets: a PostgreSQL error's DETAIL line can repeat the values of the row ({@code Key (email)=(...)
 * already exists}). Nothing returned here contains the detail, the hint or the statement: only SQLStates,
 * catalog names and the server's primary message. pgjdbc itself puts the detail into
 * {@link PSQLException#getMessage()} unless the connection sets {@code logServerErrorDetail=false}; the engine's
 * data sources should set it.
 */
public final class PostgresErrors {
    /** unique_violation. */
    public static final String UNIQUE_VIOLATION = "23505";
    /** foreign_key_violation. */
    public static final String FOREIGN_KEY_VIOLATION = "23503";
    /** serialization_failure. */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** deadlock_detected. */
    public static final String DEADLOCK_DETECTED = "40P01";
    /** lock_not_available (lock_timeout, NOWAIT). */
    public static final String LOCK_NOT_AVAILABLE = "55P03";
    /** query_canceled (statement_timeout, a JDBC query timeout, a cancel request). */
    public static final String QUERY_CANCELED = "57014";

    private PostgresErrors() {}

    /**
     * The SQLState of the first {@link SQLException} in {@code e}'s causes that has one, or empty.
     */
    public static Optional<String> sqlState(Throwable e) {
        for (SQLException sql : sqlExceptions(e)) {
            if (sql.getSQLState() != null) {
                return Optional.of(sql.getSQLState());
            }
        }
        return Optional.empty();
    }

    /**
     * The unique key a failed statement violated (SQLState 23505), in exactly the text SQLite reports for the
     * same key ({@code table.column[, table.column]}, or {@code index 'name'} for an expression index), so one
     * {@code UniqueConstraints.conflictOn} map serves both engines. The constraint name comes from the server's
     * error fields and is looked up in {@code keys}; a name {@code keys} does not know (even after its reload)
     * is reported as {@code index 'name'}, which matches no repository key: the violation then passes
     * unchanged instead of becoming a conflict with a wrong message. Empty when {@code e} is no unique
     * violation, or when the server did not say which constraint (then nothing is guessed).
     */
    public static Optional<String> violatedUniqueKey(Throwable e, ConstraintKeys keys) {
        for (SQLException sql : sqlExceptions(e)) {
            if (UNIQUE_VIOLATION.equals(sql.getSQLState())
                    && sql instanceof PSQLException psql
                    && psql.getServerErrorMessage() != null) {
                String constraint = psql.getServerErrorMessage().getConstraint();
                if (constraint == null) {
                    continue;
                }
                // Without keys (an engine bound to no database) the name is all there is.
                Optional<String> key = keys == null ? Optional.empty() : keys.keyOf(constraint);
                return Optional.of(key.orElse("index '" + constraint + "'"));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code e} or a cause is a unique violation (SQLState 23505). */
    public static boolean isUniqueViolation(Throwable e) {
        return hasState(e, Set.of(UNIQUE_VIOLATION));
    }

    /** Whether {@code e} or a cause is a foreign-key violation (SQLState 23503). */
    public static boolean isForeignKeyViolation(Throwable e) {
        return hasState(e, Set.of(FOREIGN_KEY_VIOLATION));
    }

    /**
     * Whether the transaction failed only because of concurrent transactions and may succeed when run again
     * from the start: serialization_failure (40001, a SERIALIZABLE or REPEATABLE READ transaction lost to a
     * concurrent one) or deadlock_detected (40P01, the server rolled this transaction back to break a cycle).
     * The whole transaction must be retried, not the statement: its work is gone.
     */
    public static boolean isRetryable(Throwable e) {
        return hasState(e, Set.of(SERIALIZATION_FAILURE, DEADLOCK_DETECTED));
    }

    /**
     * Whether the statement gave up waiting, the meaning of SQLite's SQLITE_BUSY after its busy timeout
     * ({@code DatabaseBusyException}): lock_not_available (55P03: {@code lock_timeout} expired, or
     * {@code NOWAIT} found the row or table locked) or query_canceled (57014). Decision on 57014: it is busy
     * whatever cancelled the statement. {@code statement_timeout} expires as often while waiting for a lock as
     * while working (it also bounds lock waits when {@code lock_timeout} is off), and a JDBC query timeout is
     * sent as a cancel request, reported with the same SQLState; telling them apart would mean reading the
     * localisable message. The library sends no other cancel, so "the database did not answer in time, try
     * again later" is right for all of them. Deadlocks and serialization failures are {@link #isRetryable},
     * not busy.
     */
    public static boolean isBusy(Throwable e) {
        return hasState(e, Set.of(LOCK_NOT_AVAILABLE, QUERY_CANCELED));
    }

    /**
     * A {@link StorageException} for a failure of the server or its storage in {@code e}'s causes, or {@code e}
     * itself for anything else (constraint violations, busy, retryable and programming errors pass unchanged):
     *
     * <ul>
     *   <li>53100 disk_full → {@link Reason#DISK_FULL}</li>
     *   <li>class 58 (58030 io_error, 58P01/58P02 file errors) → {@link Reason#IO_ERROR}</li>
     *   <li>25006 read_only_sql_transaction (a hot-standby replica, {@code default_transaction_read_only}, a
     *       read-only connection) → {@link Reason#NOT_WRITABLE}</li>
     *   <li>class 28 invalid_authorization_specification (login refused) → {@link Reason#NOT_READABLE}</li>
     *   <li>XX001 data_corrupted, XX002 index_corrupted → {@link Reason#CORRUPT}</li>
     *   <li>class 08 (connection failures), 57P01-57P03 (shutdown, crash, starting up), 53200 out_of_memory,
     *       53300 too_many_connections, 53400 configuration_limit_exceeded → {@link Reason#SERVER_UNAVAILABLE}</li>
     * </ul>
     *
     * @param location how the caller names the database in messages (never with credentials: the caller
     *     strips them); it becomes {@link StorageException#location()}
     */
    public static RuntimeException translateStorageFailure(String location, RuntimeException e) {
        // The driver's own exception first: a wrapper (a batch's BatchUpdateException) repeats the state, but
        // its message quotes the statement with its values.
        for (boolean driver : new boolean[] {true, false}) {
            for (SQLException sql : sqlExceptions(e)) {
                Reason reason = storageReason(sql.getSQLState());
                if (reason != null && (sql instanceof PSQLException) == driver) {
                    return new StorageException(
                            reason, location, advice(reason) + " [" + sql.getSQLState() + ": " + summary(sql) + "]", e);
                }
            }
        }
        return e;
    }

    /** The {@link Reason} of a storage or server failure with SQLState {@code state}, or null. */
    static Reason storageReason(String state) {
        if (state == null || state.length() != 5) {
            return null;
        }
        return switch (state) {
            case "53100" -> Reason.DISK_FULL;
            case "25006" -> Reason.NOT_WRITABLE;
            case "XX001", "XX002" -> Reason.CORRUPT;
            case "53200", "53300", "53400", "57P01", "57P02", "57P03" -> Reason.SERVER_UNAVAILABLE;
            default ->
                switch (state.substring(0, 2)) {
                    case "58" -> Reason.IO_ERROR;
                    case "08" -> Reason.SERVER_UNAVAILABLE;
                    case "28" -> Reason.NOT_READABLE;
                    default -> null;
                };
        };
    }

    private static String advice(Reason reason) {
        return switch (reason) {
            case DISK_FULL ->
                "the database server has no room to write; the transaction was rolled back and earlier commits are"
                        + " intact. Free disk space on the server, then retry";
            case IO_ERROR ->
                "the database server reported an I/O error; the transaction was rolled back. Check the server's"
                        + " storage and log, then run 'verify'";
            case NOT_WRITABLE ->
                "the database server accepts no writes here (a read-only replica or a read-only transaction);"
                        + " the transaction was rolled back. Point the writer at the primary";
            case NOT_READABLE -> "the database server refused the login; check the user, its password and pg_hba.conf";
            case CORRUPT ->
                "the database server found damaged data; run 'verify', check the server's log and restore from"
                        + " backup";
            case SERVER_UNAVAILABLE ->
                "the database server is unreachable, shutting down, or out of connections or memory; the"
                        + " transaction was not committed (a commit cut off by a lost connection may or may not have"
                        + " been). Retry when the server is back";
            case FILE_MISSING -> "the database is gone";
            case DIRECTORY_MISSING -> "the location of the database does not exist";
        };
    }

    /**
     * The server's primary message (never its detail, hint, statement or position); for a client-side error of
     * the driver (no connection, protocol) the driver's message, which names the host and port but no
     * credentials; for any other exception only its type (a batch's message quotes the statement's values).
     */
    static String summary(SQLException sql) {
        if (sql instanceof PSQLException psql) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            return String.valueOf(server != null ? server.getMessage() : psql.getMessage());
        }
        return sql.getClass().getSimpleName();
    }

    private static boolean hasState(Throwable e, Set<String> states) {
        for (SQLException sql : sqlExceptions(e)) {
            if (sql.getSQLState() != null && states.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every {@link SQLException} reachable from {@code e} through causes and next-exceptions, outermost first,
     * each once.
     */
    static Iterable<SQLException> sqlExceptions(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        java.util.List<SQLException> out = new java.util.ArrayList<>();
        Deque<Throwable> todo = new ArrayDeque<>();
        if (e != null) {
            todo.add(e);
        }
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof SQLException sql) {
                out.add(sql);
                if (sql.getNextException() != null) {
                    todo.add(sql.getNextException());
                }
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return out;
    }
}
