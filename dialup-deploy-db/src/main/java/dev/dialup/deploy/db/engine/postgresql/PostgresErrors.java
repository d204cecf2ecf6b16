package dev.dialup.deploy.db.engine.postgresql;

import dev.dialup.deploy.db.StorageException;
import java.sql.SQLException;
import java.util.Optional;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** PostgreSQL's SQL states, read from the causes of a failure (minimal version; see the engine). */
final class PostgresErrors {
    private PostgresErrors() {}

    static String sqlState(Throwable e, String prefix) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && sql.getSQLState().startsWith(prefix)) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    static boolean isRetryable(Throwable e) {
        return sqlState(e, "40001") != null || sqlState(e, "40P01") != null;
    }

    static boolean isBusy(Throwable e) {
        return sqlState(e, "55P03") != null;
    }

    static boolean isForeignKeyViolation(Throwable e) {
        return sqlState(e, "23503") != null;
    }

    static Optional<String> violatedUniqueKey(Throwable e, ConstraintKeys keys) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PSQLException p && "23505".equals(p.getSQLState())) {
                ServerErrorMessage m = p.getServerErrorMessage();
                if (m != null && m.getConstraint() != null && keys != null) {
                    return Optional.of(keys.key(m.getConstraint()));
                }
                return Optional.of(m == null || m.getConstraint() == null ? "" : m.getConstraint());
            }
        }
        return Optional.empty();
    }

    static StorageException unreachable(String location, SQLException e) {
        return new StorageException(
                StorageException.Reason.UNREACHABLE, location, "cannot connect (SQL state " + e.getSQLState() + ")", e);
    }

    static RuntimeException translateStorageFailure(String location, RuntimeException e) {
        String state = sqlState(e, "08");
        if (state == null) state = sqlState(e, "28");
        if (state != null) {
            return new StorageException(StorageException.Reason.UNREACHABLE, location, "SQL state " + state, e);
        }
        if (sqlState(e, "53100") != null) {
            return new StorageException(StorageException.Reason.DISK_FULL, location, "the server's disk is full", e);
        }
        return e;
    }
}
