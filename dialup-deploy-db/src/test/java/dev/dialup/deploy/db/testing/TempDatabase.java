package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that opens a real SQLite database in a fresh private temp directory and
 * closes (and deletes) it afterwards — the {@code @TempDir} + open + close every test class used
 * to repeat.
 *
 * <pre>{@code
 * @RegisterExtension final TempDatabase temp = TempDatabase.create();                 // one per test
 * @RegisterExtension static final TempDatabase TEMP = TempDatabase.create();          // one per class
 * @RegisterExtension final TempDatabase temp = TempDatabase.create().clock(clock);    // fixed or MutableClock
 * @RegisterExtension final TempDatabase temp = TempDatabase.production();             // production hashing floors
 * }</pre>
 *
 * An instance field gives every test its own database (opened before {@code @BeforeEach} methods,
 * closed after {@code @AfterEach}); a static field gives the class one database (opened before
 * {@code @BeforeAll} methods, closed after {@code @AfterAll}). Like {@link TestDb}, the database
 * opts in to system scopes and to cheap test password hashing unless {@link #production()} or
 * {@link #withoutSystemScope()} say otherwise. {@link #reopen()} closes and opens the same file
 * again with the same settings, for tests of what survives a restart; {@link #dir()} is the
 * directory to put other files of the test in (backups, copies).
 *
 * <p>Tests whose subject is opening and closing (backups of a closed file, verification, crash
 * safety) use {@link #manual()}: nothing is opened for them; {@link #open()} hands out a new handle on
 * {@link #file()} with the same settings that the test closes itself (try-with-resources).
 */
public final class TempDatabase implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private boolean insecureHashing = true;
    private boolean systemScope = true;
    private boolean manual;
    private String fileName = "test.db";
    private Clock clock;
    private UnaryOperator<DialupDatabase.Builder> settings = UnaryOperator.identity();

    private boolean perClass;
    private Path dir;
    private DialupDatabase db;
    /** The PostgreSQL database of this test (engine {@code postgresql}), dropped at the end. */
    private PgTestServer.Database pg;

    private String label = "test";

    /**
     * System property naming the engine the suites run on: {@code sqlite} (default) or
     * {@code postgresql}. The build runs the suites tagged {@link BothEngines} a second time with
     * {@code postgresql} (a second Surefire execution).
     */
    public static final String ENGINE_PROPERTY = "dialup.test.engine";

    /** True when this test JVM runs the suites on PostgreSQL. */
    public static boolean onPostgres() {
        return "postgresql".equals(System.getProperty(ENGINE_PROPERTY, "sqlite"));
    }

    private TempDatabase() {}

    /** A test database: system scopes allowed, cheap password hashing ({@code insecurePasswordHashingForTests}). */
    public static TempDatabase create() {
        return new TempDatabase();
    }

    /** A database opened as a service opens it (production hashing floors), with system scopes. */
    public static TempDatabase production() {
        TempDatabase t = new TempDatabase();
        t.insecureHashing = false;
        return t;
    }

    /** No system scope: {@code db.systemScope(...)} is refused, as in a service that did not opt in. */
    public TempDatabase withoutSystemScope() {
        systemScope = false;
        return this;
    }

    /**
     * Opens nothing: the test opens its own handles with {@link #open()} (or {@link #builder()}) and closes
     * them; the extension provides the private directory and deletes it afterwards.
     */
    public TempDatabase manual() {
        manual = true;
        return this;
    }

    /** The clock the database reads "now" from: {@code Clock.fixed(...)} or a {@link MutableClock}. */
    public TempDatabase clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** The file name inside {@link #dir()} (default {@code test.db}). */
    public TempDatabase fileName(String name) {
        this.fileName = name;
        return this;
    }

    /** Any other builder setting (write wait, busy timeout, ...), applied after the defaults. */
    public TempDatabase with(UnaryOperator<DialupDatabase.Builder> more) {
        UnaryOperator<DialupDatabase.Builder> before = settings;
        settings = b -> more.apply(before.apply(b));
        return this;
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        label = context.getRequiredTestClass().getSimpleName();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            label = context.getRequiredTestClass().getSimpleName();
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) stop();
    }

    private void start() {
        try {
            dir = Files.createTempDirectory("dialup-test-"); // owner-only (rwx------) on POSIX
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (onPostgres()) {
            // Opening and closing files is an SQLite subject: those tests do not run on PostgreSQL.
            org.junit.jupiter.api.Assumptions.assumeFalse(manual, "file-level test: SQLite only");
            pg = PgTestServer.freshMigratedDatabase(label);
        }
        if (!manual) db = builder().build();
    }

    private void stop() {
        try {
            close();
        } finally {
            try {
                if (pg != null) pg.close();
            } finally {
                pg = null;
                deleteTree(dir);
                dir = null;
            }
        }
    }

    // ---- what tests use --------------------------------------------------------------------------

    /** The open database. */
    public DialupDatabase db() {
        if (db == null)
            throw new IllegalStateException(
                    "the temp database is not open (closed by the test, or used outside a test)");
        return db;
    }

    /** A new handle on {@link #file()} with this extension's settings, owned (and closed) by the caller. */
    public DialupDatabase open() {
        return builder().build();
    }

    /** The private temp directory of this database; other files of the test may go here too. */
    public Path dir() {
        if (dir == null) throw new IllegalStateException("no temp directory outside a test");
        return dir;
    }

    /** The database file (SQLite; on PostgreSQL there is none: the test is aborted as SQLite-only). */
    public Path file() {
        org.junit.jupiter.api.Assumptions.assumeTrue(pg == null, "uses the database file: SQLite only");
        return dir().resolve(fileName);
    }

    /** Where the database is: the file, or the PostgreSQL URL (may carry credentials: do not print). */
    public String location() {
        return pg != null ? pg.location() : file().toString();
    }

    /**
     * PostgreSQL only: runs DDL as the owner role (the database itself connects as the runtime role, which may not
     * create or drop anything), in one transaction.
     */
    public void executeAsOwner(String... statements) {
        org.junit.jupiter.api.Assumptions.assumeTrue(pg != null, "owner DDL: PostgreSQL only");
        try (java.sql.Connection c = pg.dataSource(PgTestServer.OWNER).getConnection()) {
            c.setAutoCommit(false);
            try (java.sql.Statement st = c.createStatement()) {
                for (String sql : statements) {
                    st.execute(sql);
                }
            }
            c.commit();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("owner DDL failed (" + e.getSQLState() + "): " + e.getMessage(), e);
        }
    }

    /** A builder for the same file with the same settings (to open it again differently, or a second handle). */
    public DialupDatabase.Builder builder() {
        DialupDatabase.Builder b = pg != null
                ? DialupDatabase.builder().location(pg.location())
                : DialupDatabase.builder().path(file());
        if (systemScope) b.allowSystemScope();
        if (insecureHashing) b.insecurePasswordHashingForTests();
        if (clock != null) b.clock(clock);
        return settings.apply(b);
    }

    /** Closes the database (it stays closed until {@link #reopen()}); the directory is kept until the end. */
    public void close() {
        if (db != null) {
            DialupDatabase open = db;
            db = null;
            open.close();
        }
    }

    /** Closes the database if it is open and opens the same file again with the same settings. */
    public DialupDatabase reopen() {
        close();
        db = builder().build();
        return db;
    }

    /** The system scope labelled {@code test}. */
    public AccessScope system() {
        return db().systemScope("test");
    }

    /** The system scope of a named component. */
    public AccessScope system(String component) {
        return db().systemScope(component);
    }

    /** The scope of a user, as a service builds it for a request. */
    public AccessScope user(long userId) {
        return new AccessScopes(db()).forUser(userId);
    }

    /** Direct row fixtures on this database. */
    public Fixtures fixtures() {
        return new Fixtures(db());
    }

    /** Every row of every table ({@link DbSnapshot}). */
    public Map<String, List<String>> snapshot() {
        return DbSnapshot.of(db());
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true); // tests may make files read-only
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temp database directory " + root, e);
        }
    }
}
