package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.registry.Engines;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The options of a {@link DialupDatabase} and their defaults, set through
 * {@link DialupDatabase.Builder} (which adds {@code build()}).
 *
 * @param <B> the builder type the setters return, for chaining
 */
abstract class DatabaseOptions<B extends DatabaseOptions<B>> {
    /** The SQLite file, or null when {@link #engine} is a server engine bound to its own location. */
    Path path;

    boolean migrateOnOpen = true;
    int readers = 4;
    Duration busyTimeout = Duration.ofSeconds(10);
    Duration writeWait = Duration.ofSeconds(60);
    Clock clock = Clock.systemUTC();
    final List<String> extraLocations = new ArrayList<>();
    Consumer<Path> beforeMigrate = BackupService.preMigrationHook();
    boolean insecurePasswordHashing;
    boolean allowSystemScope;
    DatabaseEngine engine;
    Boolean createDirectories;

    int writers = 8;

    DatabaseOptions() {
        location(DialupDatabase.defaultLocation());
    }

    abstract B self();

    /**
     * TEST SUITES ONLY. Lowers the floors of the password-hashing settings in
     * {@code system_config} (bcrypt cost from 10 to 4, argon2id memory from 19 MiB to 8 KiB and
     * iterations from 2 to 1) so tests can hash in microseconds. Only the code that opens the
     * database can choose it — no stored value or caller-made setting can. Never use it in a
     * service; the first such open in a JVM logs a warning.
     */
    public B insecurePasswordHashingForTests() {
        this.insecurePasswordHashing = true;
        return self();
    }

    /** An SQLite database file (the embedded default engine). */
    public B path(Path path) {
        this.path = Objects.requireNonNull(path, "path");
        this.engine = Engines.files();
        return self();
    }

    /**
     * Where the database is: a {@code jdbc:postgresql://host[:port]/database[?user=...]} URL selects
     * the PostgreSQL engine; anything else is the path of an SQLite file. Credentials in the URL, in
     * {@code PGUSER}/{@code PGPASSWORD} or in a password file ({@code PGPASSFILE}, {@code ~/.pgpass})
     * are never printed, logged or put in an exception. A malformed URL gives {@code ValidationException}.
     */
    public B location(String location) {
        Objects.requireNonNull(location, "location");
        if (location.isBlank()) {
            throw new dev.dialup.deploy.db.ValidationException("database", "location must not be blank");
        }
        DatabaseEngine selected = Engines.forLocation(location);
        if (selected == Engines.files()) {
            return path(Path.of(location));
        }
        this.engine = selected;
        this.path = null;
        return self();
    }

    /**
     * PostgreSQL only: size of the writer pool (default 8). Writers run in parallel, each write
     * transaction SERIALIZABLE and retried on serialization failures. Two writer connections stay open
     * while idle (fewer if {@code writers} is 1), more are opened on demand and closed after 10 idle
     * minutes. SQLite always has one writer.
     */
    public B writers(int writers) {
        if (writers < 1) throw new IllegalArgumentException("writers must be >= 1");
        this.writers = writers;
        return self();
    }

    /** Apply pending migrations on open (default). Off: open refuses a database that is not up to date. */
    public B migrateOnOpen(boolean migrate) {
        this.migrateOnOpen = migrate;
        return self();
    }

    /** Size of the read-only pool (default 4). */
    public B readers(int readers) {
        if (readers < 1) throw new IllegalArgumentException("readers must be >= 1");
        this.readers = readers;
        return self();
    }

    /**
     * How long a statement waits for a lock another connection holds (default 10 s): SQLite's busy
     * timeout, PostgreSQL's {@code lock_timeout}. Past it the call fails with {@code DatabaseBusyException}.
     */
    public B busyTimeout(Duration timeout) {
        this.busyTimeout = Objects.requireNonNull(timeout);
        return self();
    }

    /** How long a writer waits for the single writer connection before failing (default 60 s). */
    public B writeWait(Duration wait) {
        this.writeWait = Objects.requireNonNull(wait);
        return self();
    }

    /** Clock used for timestamps the library writes (default UTC system clock); tests pin it. */
    public B clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        return self();
    }

    /** Extra Flyway locations after the library's own (tests, platform extensions). */
    public B extraMigrationLocation(String location) {
        this.extraLocations.add(Objects.requireNonNull(location));
        return self();
    }

    /**
     * Called with the file before migrations are applied to a non-empty database. Default: a
     * verified backup into {@code backups/} beside the file ({@link BackupService#preMigrationHook()});
     * {@code null} turns it off.
     */
    public B beforeMigrate(Consumer<Path> hook) {
        this.beforeMigrate = hook;
        return self();
    }

    /**
     * Lets this database mint system scopes ({@link DialupDatabase#systemScope(String)}) —
     * for the service that owns the database and runs platform components (ingest,
     * orchestration, maintenance, the CLI). Off by default: a database opened without it
     * has no system capability at all.
     */
    public B allowSystemScope() {
        this.allowSystemScope = true;
        return self();
    }

    /**
     * Whether a missing directory of the database file is created ({@code 0700}). Default:
     * only for {@link DialupDatabase#DEFAULT_PATH}; any other missing directory is refused with a
     * {@code StorageException} ({@code DIRECTORY_MISSING}), so a typo in a path never
     * becomes a fresh, empty platform.
     */
    public B createDirectories(boolean create) {
        this.createDirectories = create;
        return self();
    }
}
