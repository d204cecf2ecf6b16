package dev.dialup.deploy.db.access;

import dev.dialup.deploy.db.ConflictException;
import java.sql.SQLException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Uniqueness rests on the schema's UNIQUE constraints, never on a look-up before the write
 * (two writers could both pass the look-up). A statement that violates one of them is turned
 * into a {@link ConflictException} with the caller's message, which names the value but never
 * who holds it. Nothing of the failed statement is kept; the caller's transaction rolls back
 * when the exception leaves {@code db.write}.
 */
public final class UniqueConstraints {
    private static final String SQLITE_UNIQUE = "UNIQUE constraint failed: ";
    private static final int SQLITE_CONSTRAINT = 19;

    private UniqueConstraints() {}

    /**
     * Runs {@code statement}; if it violates a unique constraint named in {@code messages}
     * (SQLite names it {@code table.column} or {@code index 'name'}), throws
     * {@code ConflictException(messages.get(constraint))}. Other failures pass unchanged.
     */
    public static <T> T conflictOn(Map<String, String> messages, Supplier<T> statement) {
        try {
            return statement.get();
        } catch (RuntimeException e) {
            String constraint = violated(e);
            if (constraint != null) {
                for (Map.Entry<String, String> m : messages.entrySet()) {
                    if (constraint.contains(m.getKey())) throw new ConflictException(m.getValue());
                }
            }
            throw e;
        }
    }

    /** The text after "UNIQUE constraint failed: " of the first SQLite unique violation in the causes, or null. */
    static String violated(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && (sql.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) {
                String msg = String.valueOf(sql.getMessage());
                int at = msg.indexOf(SQLITE_UNIQUE);
                if (at >= 0) {
                    String rest = msg.substring(at + SQLITE_UNIQUE.length());
                    int end = rest.indexOf(')');
                    return end >= 0 ? rest.substring(0, end) : rest;
                }
            }
        }
        return null;
    }
}
