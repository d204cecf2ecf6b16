package dev.dialup.deploy.db.engine;

/**
 * The engine of the database whose transaction runs on this thread, for code that only holds a
 * {@code DSLContext} or an exception but needs the engine bound to that database (a PostgreSQL
 * unique violation names a constraint; only the bound engine knows that database's catalog).
 * {@code DialupDatabase} sets it around every read and write.
 */
public final class CurrentEngine {
    private static final ThreadLocal<DatabaseEngine> CURRENT = new ThreadLocal<>();

    private CurrentEngine() {}

    /** The engine of the innermost running transaction on this thread, or null outside any. */
    public static DatabaseEngine get() {
        return CURRENT.get();
    }

    /** Makes {@code engine} current; returns the previous one for {@link #leave}. */
    public static DatabaseEngine enter(DatabaseEngine engine) {
        DatabaseEngine previous = CURRENT.get();
        CURRENT.set(engine);
        return previous;
    }

    /** Restores {@code previous} (from {@link #enter}). */
    public static void leave(DatabaseEngine previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
