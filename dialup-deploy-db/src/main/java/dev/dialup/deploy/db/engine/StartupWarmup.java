package dev.dialup.deploy.db.engine;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConnectionProvider;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up work done in parallel (issue 14, docs/PERFORMANCE.md "Startup"): most of the time of
 * a first {@code open()} plus a first query in a fresh JVM is jOOQ loading and initialising
 * about a thousand classes ({@code SQLDataType} initialises the data types of every dialect, then
 * the rendering and execution machinery and the generated tables). The first open in a JVM
 * starts one daemon thread that does this work — render and run a few typical statements on a
 * jOOQ {@code MockConnection}, never on the database — while the opening thread loads
 * sqlite-jdbc's native library, checks the schema and builds the pools. A query that needs a
 * class the warm-up is initialising would wait for it anyway, so nothing runs twice and nothing
 * changes but when the work happens.
 *
 * <p>jOOQ's static initialisation can deadlock when two threads start it at once (jOOQ issues
 * #8226, #19529: {@code DSL.using} on one thread, a generated table on another). So the opening
 * thread never touches jOOQ while the warm-up runs: {@link #awaitFinished()} comes before its
 * first jOOQ use (building the contexts, or a backup before migrating). The overlap is the
 * opening thread's non-jOOQ work: the native library, the schema check, the pools.
 *
 * <p>Once per JVM; off with the system property {@code dialup.db.warmup=false}. A failure is
 * logged at DEBUG and ignored: the same classes then load on first use, as without it.
 */
public final class StartupWarmup {
    /** System property that turns the warm-up off ({@code -Ddialup.db.warmup=false}). */
    public static final String PROPERTY = "dialup.db.warmup";

    static final String THREAD_NAME = "dialup-db-warmup";

    private static final Logger log = LoggerFactory.getLogger(StartupWarmup.class);
    private static final AtomicReference<CountDownLatch> STARTED = new AtomicReference<>();
    /** How long the opening thread waits at most (a warm-up stuck behind a service's own jOOQ use). */
    private static final long MAX_WAIT_SECONDS = 60;

    private StartupWarmup() {}

    /** Starts the warm-up thread unless it already ran in this JVM or is turned off; returns at once. */
    public static void start(SQLDialect dialect) {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        if (!STARTED.compareAndSet(null, done)) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        run(dialect);
                    } catch (RuntimeException | LinkageError e) {
                        // Only a speed-up: whatever failed here loads again on first use.
                        log.debug("Start-up warm-up of jOOQ failed (ignored): {}", e.toString());
                    } finally {
                        done.countDown();
                    }
                },
                THREAD_NAME);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Returns once the warm-up (if one was started in this JVM) has finished, so that jOOQ's
     * static initialisation never runs on two threads at once. Immediate after the first open.
     */
    public static void awaitFinished() {
        CountDownLatch done = STARTED.get();
        if (done == null || done.getCount() == 0) {
            return;
        }
        try {
            if (!done.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.debug("Start-up warm-up of jOOQ still running after {} s; continuing", MAX_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The statements a first request typically runs: a count and a select by key, in a
     * transaction, rendered with the library's settings and read back through jOOQ's JDBC path.
     * Results come from the mock; returns the SQL the mock received (tests).
     */
    static List<String> run(SQLDialect dialect) {
        Result<Record1<Integer>> count = DSL.using(dialect).newResult(DSL.count());
        count.add(DSL.using(dialect).newRecord(DSL.count()).values(0));
        List<String> statements = new CopyOnWriteArrayList<>();
        MockConnection connection = new MockConnection(ctx -> {
            statements.add(ctx.sql());
            return new MockResult[] {
                ctx.sql().startsWith("select count(*)")
                        ? new MockResult(1, count)
                        : new MockResult(0, DSL.using(dialect).newResult(USERS))
            };
        });
        DSLContext dsl = JooqConfig.dsl(new DefaultConnectionProvider(connection), dialect);
        dsl.transaction(cfg -> {
            cfg.dsl().fetchCount(USERS);
            cfg.dsl().selectFrom(USERS).where(USERS.ID.eq(0L)).fetchOptional();
        });
        return statements;
    }
}
