package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.USAGE_RECENT;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a service sees when the database is closed, busy or its wait is interrupted, and what a
 * failing repository call inside the service's own transaction leaves behind.
 */
class TypedErrorsTest {
    private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    private static AccessScope system(DialupDatabase db) {
        return TestDb.system(db, "typed-errors-test");
    }

    @Test
    void everyCallAfterCloseIsADatabaseClosedExceptionAndRunsNothing() {
        DialupDatabase db = temp.open();
        db.close();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> db.write(tx -> ran.getAndSet(true)))
                .isInstanceOf(DatabaseClosedException.class)
                .hasMessageContaining("is closed")
                .hasMessageContaining(db.path().toString());
        assertThatThrownBy(() -> db.read(tx -> ran.getAndSet(true))).isInstanceOf(DatabaseClosedException.class);
        assertThatThrownBy(() -> db.withWriterConnection(c -> ran.getAndSet(true)))
                .isInstanceOf(DatabaseClosedException.class);
        assertThatThrownBy(() -> db.withReaderConnection(c -> ran.getAndSet(true)))
                .isInstanceOf(DatabaseClosedException.class);
        assertThatThrownBy(db::rowCounts).isInstanceOf(DatabaseClosedException.class);
        assertThat(ran).isFalse();
    }

    @Test
    void aWriterQueuedBehindAnotherIsWokenByCloseInsteadOfWaitingOutItsTimeout() throws Exception {
        // A wait far longer than the test: only close() can end it.
        DialupDatabase db = temp.builder().writeWait(Duration.ofHours(1)).build();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = runAsync(() -> db.writeVoid(tx -> {
            holding.countDown();
            await(release);
        }));
        holding.await();
        AtomicBoolean ran = new AtomicBoolean();
        Thread[] waiterThread = new Thread[1];
        CompletableFuture<Object> waiter = supplyAsync(() -> {
            waiterThread[0] = Thread.currentThread();
            return db.write(tx -> ran.getAndSet(true));
        });
        waitUntilParked(() -> waiterThread[0]);

        CompletableFuture<Void> closing = runAsync(db::close);
        // The queued writer fails at once, while the holder is still inside its transaction.
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.MINUTES))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(DatabaseClosedException.class);
        assertThat(holder).isNotDone();
        release.countDown();
        try {
            holder.get(5, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            // The holder may lose its connection to close(); either way it ran its own work.
        }
        closing.get(5, TimeUnit.MINUTES);
        assertThat(ran).isFalse();
    }

    @Test
    void aWriterThatWaitsLongerThanWriteWaitGetsABusyErrorWithTheTimeWaited() throws Exception {
        try (DialupDatabase db =
                temp.builder().writeWait(Duration.ofMillis(300)).build()) {
            Fixtures f = new Fixtures(db);
            var before = DbSnapshot.of(db);
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> holder = runAsync(() -> db.writeVoid(tx -> {
                holding.countDown();
                await(release);
            }));
            holding.await();
            try {
                assertThatThrownBy(() -> f.user("never")).isInstanceOfSatisfying(DatabaseBusyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(DatabaseBusyException.Reason.WRITER_QUEUE);
                    assertThat(e.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
                    assertThat(e.getMessage()).contains("busy").contains("nothing was written");
                });
            } finally {
                release.countDown();
                holder.get(5, TimeUnit.MINUTES);
            }
            assertThat(DbSnapshot.of(db)).isEqualTo(before);
        }
    }

    @Test
    void anInterruptedWaitIsTypedAndKeepsTheInterruptFlag() throws Exception {
        try (DialupDatabase db = temp.builder().writeWait(Duration.ofHours(1)).build()) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> holder = runAsync(() -> db.writeVoid(tx -> {
                holding.countDown();
                await(release);
            }));
            holding.await();
            AtomicBoolean ran = new AtomicBoolean();
            List<Object> seen = new ArrayList<>();
            Thread waiter = new Thread(() -> {
                try {
                    db.write(tx -> ran.getAndSet(true));
                } catch (RuntimeException e) {
                    seen.add(e);
                    seen.add(Thread.currentThread().isInterrupted());
                }
            });
            waiter.start();
            waitUntilParked(() -> waiter);
            waiter.interrupt();
            waiter.join();
            release.countDown();
            holder.get(5, TimeUnit.MINUTES);
            assertThat(seen).hasSize(2);
            assertThat(seen.get(0))
                    .isInstanceOf(OperationInterruptedException.class)
                    .extracting(e -> ((Exception) e).getMessage())
                    .asString()
                    .contains("Interrupted")
                    .contains("nothing was written");
            assertThat(seen.get(1)).isEqualTo(true);
            assertThat(ran).isFalse();
        }
    }

    @Test
    void anotherProcessHoldingTheLockPastTheBusyTimeoutIsABusyErrorNotARawJooqException() throws Exception {
        try (DialupDatabase db =
                        temp.builder().busyTimeout(Duration.ofMillis(100)).build();
                Connection other = DriverManager.getConnection(SqliteOnly.jdbcUrl(db.path()));
                Statement st = other.createStatement()) {
            Fixtures f = new Fixtures(db);
            var before = DbSnapshot.of(db);
            st.execute("BEGIN IMMEDIATE");
            try {
                assertThatThrownBy(() -> f.user("blocked"))
                        .isInstanceOfSatisfying(
                                DatabaseBusyException.class,
                                e -> assertThat(e.reason()).isEqualTo(DatabaseBusyException.Reason.FILE_LOCKED));
                assertThatThrownBy(() -> db.withWriterConnection(c -> {
                            try (Statement w = c.createStatement()) {
                                w.execute("BEGIN IMMEDIATE");
                            }
                            return null;
                        }))
                        .isInstanceOfSatisfying(
                                DatabaseBusyException.class,
                                e -> assertThat(e.reason()).isEqualTo(DatabaseBusyException.Reason.FILE_LOCKED));
            } finally {
                st.execute("ROLLBACK");
            }
            assertThat(DbSnapshot.of(db)).isEqualTo(before);
        }
    }

    @Test
    void aFailingRepositoryCallInsideTheCallersTransactionUndoesItsOwnPartialWork() {
        try (DialupDatabase db =
                temp.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("metrics", f.user("owner"));
            UsageRepository usage = new UsageRepository(db);
            usage.record(system(db), UsageSample.of(site, NOW.minusSeconds(1), 1, 1, 1, 1, 1, 1));
            List<UsageSample> batch = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                batch.add(UsageSample.of(site, NOW.minusSeconds(10_000 + i), 2, 2, 2, 2, 2, 2));
            }
            // Last element conflicts with the stored sample: detected after the 1,000 rows were inserted.
            batch.add(UsageSample.of(site, NOW.minusSeconds(1), 9, 9, 9, 9, 9, 9));

            db.writeVoid(tx -> {
                f.user("kept");
                assertThatThrownBy(() -> usage.recordBatch(system(db), batch)).isInstanceOf(ConflictException.class);
                // The caller carries on and commits its own work.
            });

            // Samples live in usage_recent until maintenance moves them into usage_samples: count both.
            assertThat((int) db.read(tx -> tx.fetchCount(USAGE_SAMPLES) + tx.fetchCount(USAGE_RECENT)))
                    .isEqualTo(1);
            assertThat((int) db.read(tx -> tx.fetchCount(USERS, USERS.USERNAME.eq("kept"))))
                    .isEqualTo(1);
        }
    }

    @Test
    void aSucceedingNestedRepositoryCallCommitsWithTheCallerAndRollsBackWithIt() {
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            assertThatThrownBy(() -> db.writeVoid(tx -> {
                        f.user("inner");
                        throw new IllegalStateException("caller fails after the nested call succeeded");
                    }))
                    .isInstanceOf(IllegalStateException.class);
            assertThat((int) db.read(tx -> tx.fetchCount(USERS, USERS.USERNAME.eq("inner"))))
                    .isZero();
            db.writeVoid(tx -> f.user("inner"));
            assertThat((int) db.read(tx -> tx.fetchCount(USERS, USERS.USERNAME.eq("inner"))))
                    .isEqualTo(1);
        }
    }

    /** Each task on a thread of its own: a shared pool could queue the waiter behind the holder. */
    private static CompletableFuture<Void> runAsync(Runnable r) {
        return CompletableFuture.runAsync(r, task -> Thread.ofPlatform().start(task));
    }

    private static <T> CompletableFuture<T> supplyAsync(java.util.function.Supplier<T> s) {
        return CompletableFuture.supplyAsync(s, task -> Thread.ofPlatform().start(task));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the thread is parked (queued on the writer), by its state, not by time. */
    private static void waitUntilParked(java.util.function.Supplier<Thread> thread) throws InterruptedException {
        while (thread.get() == null
                || (thread.get().getState() != Thread.State.WAITING
                        && thread.get().getState() != Thread.State.TIMED_WAITING)) {
            Thread.sleep(5);
        }
    }
}
