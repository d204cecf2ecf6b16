package dev.dialup.deploy.db.access;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.engine.CurrentEngine;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.registry.Engines;
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
    private UniqueConstraints() {}

    /**
     * Runs {@code statement}; if it violates a unique constraint named in {@code messages}
     * (as {@code table.column} or {@code index 'name'}: {@link DatabaseEngine#violatedUniqueKey}), throws
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

    /**
     * Whether {@code e} (or a cause) is a violation of the unique key {@code key} ({@code table.column}, matched
     * like the keys of {@link #conflictOn}).
     */
    public static boolean violates(Throwable e, String key) {
        String constraint = violated(e);
        return constraint != null && constraint.contains(key);
    }

    /** The unique key violated in {@code e}'s causes, as the engine that raised it reports it, or null. */
    static String violated(Throwable e) {
        // The engine bound to the database of this thread's transaction knows its constraint names.
        DatabaseEngine current = CurrentEngine.get();
        if (current != null) {
            return current.violatedUniqueKey(e).orElse(null);
        }
        for (DatabaseEngine engine : Engines.all()) {
            var key = engine.violatedUniqueKey(e);
            if (key.isPresent()) {
                return key.get();
            }
        }
        return null;
    }
}
