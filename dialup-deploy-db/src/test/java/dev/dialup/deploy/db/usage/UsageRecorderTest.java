package dev.dialup.deploy.db.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DatabaseClosedException;
import dev.dialup.deploy.db.OperationInterruptedException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link UsageRecorder}: buffered ingest, one sample per call, written in batches by its own
 * thread. Every assertion is about what is stored, counted or handed to the rejection handler —
 * never about how long anything took. Recorders that must not write on their own before the test
 * flushes use a flush interval of 10 minutes.
 */
@BothEngines
class UsageRecorderTest {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final Duration NEVER = Duration.ofMinutes(10);
    static final long NO_SUCH_SITE = 987_654;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(Clock.fixed(NOW, ZoneOffset.UTC));

    DialupDatabase db;
    UsageRepository usage;
    AccessScope sys;
    long owner;
    long a;
    long b;
    final Queue<RejectedUsageSample> rejectedSamples = new ConcurrentLinkedQueue<>();
    final List<UsageRecorder> opened = new ArrayList<>();

    @BeforeEach
    void setUp() {
        db = temp.db();
        sys = db.systemScope("monitoring");
        var f = new Fixtures(db);
        owner = f.user("owner");
        a = f.personalSite("a", owner);
        b = f.personalSite("b", owner);
        usage = new UsageRepository(db);
    }

    @AfterEach
    void closeRecorders() {
        for (UsageRecorder r : opened) r.close();
    }

    static UsageSample s(long site, Instant at, double mem) {
        return UsageSample.of(site, at, mem, 10.5, 100, 0.25, 30, 12.5);
    }

    /** A recorder that collects its rejected samples, closed after the test. */
    UsageRecorder recorder(UsageRecorder.Settings settings) {
        UsageRecorder r = usage.recorder(sys, settings.withOnRejected(rejectedSamples::add));
        opened.add(r);
        return r;
    }

    UsageRecorder buffering() {
        return recorder(UsageRecorder.Settings.defaults().withFlushInterval(NEVER));
    }

    List<UsageSample> stored(long site) {
        return usage.series(sys, site, NOW.minus(Duration.ofDays(3)), NOW.plusSeconds(1));
    }

    /** Waits for a state another thread reaches; fails (instead of hanging) if it never comes. Not a timing assertion. */
    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("never happened: " + what);
            Thread.sleep(1);
        }
    }

    @Test
    void recordedSamplesAreStoredByFlushAndReadBack() {
        UsageRecorder r = recorder(UsageRecorder.Settings.defaults());
        r.record(s(a, NOW.minusSeconds(60), 100));
        r.record(s(b, NOW.minusSeconds(60), 200));
        r.record(s(a, NOW.minusSeconds(30), 110));
        r.flush();

        assertThat(r.recorded()).isEqualTo(3);
        assertThat(r.rejected()).isZero();
        assertThat(r.pending()).isZero();
        assertThat(stored(a)).containsExactly(s(a, NOW.minusSeconds(60), 100), s(a, NOW.minusSeconds(30), 110));
        assertThat(usage.latest(sys, List.of(a, b)))
                .containsEntry(a, s(a, NOW.minusSeconds(30), 110))
                .containsEntry(b, s(b, NOW.minusSeconds(60), 200));
        assertThat(rejectedSamples).isEmpty();
    }

    @Test
    void samplesWaitInTheQueueUntilCloseWritesThem() {
        UsageRecorder r = buffering();
        for (int i = 0; i < 5; i++) r.record(s(a, NOW.minusSeconds(300 - 30L * i), 100 + i));

        assertThat(r.pending()).isEqualTo(5);
        assertThat(stored(a))
                .as("nothing written before the interval, a full batch or a flush")
                .isEmpty();
        r.close();

        assertThat(stored(a)).hasSize(5);
        assertThat(r.recorded()).isEqualTo(5);
        assertThat(r.pending()).isZero();
        r.close(); // idempotent
        r.flush(); // nothing left to wait for
        assertThatThrownBy(() -> r.record(s(a, NOW, 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(r.pending()).isZero();
        assertThat(stored(a)).hasSize(5);
    }

    @Test
    void aFullBatchIsWrittenWithoutAFlush() throws Exception {
        UsageRecorder r = recorder(
                UsageRecorder.Settings.defaults().withFlushInterval(NEVER).withMaxBatch(3));
        for (int i = 0; i < 3; i++) r.record(s(a, NOW.minusSeconds(100 - i), i));
        awaitTrue("the full batch is committed", () -> r.recorded() == 3);
        assertThat(stored(a)).hasSize(3);
    }

    @Test
    void aBadSampleIsRefusedAtOnceAndNothingIsQueuedOrWritten() {
        UsageRecorder r = buffering();
        var before = DbSnapshot.of(db);

        assertThat(catchThrowable(() -> r.record(null)))
                .isInstanceOfSatisfying(
                        ValidationException.class, e -> assertThat(e.field()).isEqualTo("sample"));
        assertThatThrownBy(() -> r.record(s(a, NOW, Double.NaN)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("samples[0] (site " + a)
                .hasMessageContaining("memoryMb");
        assertThatThrownBy(() -> r.record(UsageSample.of(a, NOW, 1, 1, 1, 1, -1, 1)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("activeRequests");
        assertThatThrownBy(() -> r.record(s(a, null, 1)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("timestamp is missing");
        assertThatThrownBy(() -> r.record(s(a, Instant.parse("1969-12-31T23:59:59Z"), 1)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("before 1970");
        // the same messages as the repository's own single-sample call
        assertThat(catchThrowable(() -> r.record(s(a, NOW, -5))))
                .hasMessage(
                        catchThrowable(() -> usage.record(sys, s(a, NOW, -5))).getMessage());

        assertThat(r.pending()).isZero();
        r.flush();
        assertThat(r.recorded()).isZero();
        assertThat(r.rejected()).isZero();
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void anUnknownSiteInABatchGoesToTheHandlerAndTheOtherSamplesAreStored() {
        UsageRecorder r = buffering();
        r.record(s(a, NOW.minusSeconds(30), 1));
        r.record(s(NO_SUCH_SITE, NOW.minusSeconds(30), 2));
        r.record(s(b, NOW.minusSeconds(30), 3));
        r.record(s(a, NOW.plus(Duration.ofDays(1)), 4)); // beyond the allowed clock skew
        r.flush();

        assertThat(stored(a)).containsExactly(s(a, NOW.minusSeconds(30), 1));
        assertThat(stored(b)).containsExactly(s(b, NOW.minusSeconds(30), 3));
        assertThat(r.recorded()).isEqualTo(2);
        assertThat(r.rejected()).isEqualTo(2);
        assertThat(rejectedSamples)
                .extracting(RejectedUsageSample::sample)
                .containsExactly(s(NO_SUCH_SITE, NOW.minusSeconds(30), 2), s(a, NOW.plus(Duration.ofDays(1)), 4));
        assertThat(rejectedSamples).allSatisfy(x -> assertThat(x.reason()).isInstanceOf(ValidationException.class));
        assertThat(rejectedSamples.peek().reason()).hasMessageContaining("does not exist");
    }

    @Test
    void conflictingDuplicatesInABatchOrAgainstAStoredSampleGoToTheHandler() {
        usage.record(sys, s(b, NOW.minusSeconds(90), 7));
        UsageRecorder r = buffering();
        r.record(s(a, NOW.minusSeconds(60), 100));
        r.record(s(a, NOW.minusSeconds(60), 100)); // identical: stored once
        r.record(s(a, NOW.minusSeconds(60), 200)); // same second, different values: refused
        r.record(s(b, NOW.minusSeconds(90), 8)); // differs from the stored sample: refused
        r.record(s(b, NOW.minusSeconds(60), 9));
        r.flush();
        r.record(s(b, NOW.minusSeconds(90), 7)); // the stored sample again: harmless
        r.flush();

        assertThat(stored(a)).containsExactly(s(a, NOW.minusSeconds(60), 100));
        assertThat(stored(b)).containsExactly(s(b, NOW.minusSeconds(90), 7), s(b, NOW.minusSeconds(60), 9));
        assertThat(rejectedSamples)
                .extracting(RejectedUsageSample::sample)
                .containsExactly(s(a, NOW.minusSeconds(60), 200), s(b, NOW.minusSeconds(90), 8));
        assertThat(rejectedSamples).allSatisfy(x -> assertThat(x.reason()).isInstanceOf(ConflictException.class));
        assertThat(r.recorded()).isEqualTo(4);
        assertThat(r.rejected()).isEqualTo(2);
        assertThat(r.pending()).isZero();
    }

    @Test
    void onlyTheSystemScopeGetsARecorderAndARefusedOneWritesNothingAndStartsNoThread() {
        var before = DbSnapshot.of(db);
        long threads = recorderThreads();
        AccessScope user = new AccessScopes(db).forUser(owner);

        assertThatThrownBy(() -> usage.recorder(user)).isInstanceOf(AccessDeniedException.class);
        assertThat(catchThrowable(() -> usage.recorder(null)))
                .isInstanceOfSatisfying(
                        ValidationException.class, e -> assertThat(e.field()).isEqualTo("scope"));
        assertThat(catchThrowable(() -> usage.recorder(sys, null)))
                .isInstanceOfSatisfying(
                        ValidationException.class, e -> assertThat(e.field()).isEqualTo("settings"));
        assertThat(recorderThreads()).isEqualTo(threads);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    static long recorderThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("dialup-usage-recorder-"))
                .count();
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        var d = UsageRecorder.Settings.defaults();
        assertThat(d.maxBatch()).isEqualTo(1_000);
        assertThat(d.flushInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(d.capacity()).isEqualTo(10_000);
        assertField(() -> d.withMaxBatch(0), "maxBatch");
        assertField(() -> d.withMaxBatch(UsageRepository.MAX_BATCH + 1), "maxBatch");
        assertField(() -> d.withFlushInterval(Duration.ZERO), "flushInterval");
        assertField(() -> d.withFlushInterval(Duration.ofHours(1)), "flushInterval");
        assertField(() -> d.withFlushInterval(null), "flushInterval");
        assertField(() -> d.withCapacity(0), "capacity");
        assertField(() -> d.withOnRejected(null), "onRejected");
    }

    static void assertField(Runnable call, String field) {
        assertThat(catchThrowable(call::run))
                .isInstanceOfSatisfying(
                        ValidationException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void recordBlocksWhileTheRecorderIsFull() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UsageRecorder full = usage.recorder(
                sys, UsageRecorder.Settings.defaults().withCapacity(1).withOnRejected(x -> {
                    rejectedSamples.add(x);
                    inHandler.countDown();
                    awaitQuietly(release);
                }));
        opened.add(full);

        full.record(s(NO_SUCH_SITE, NOW.minusSeconds(10), 1)); // rejected: the handler holds the thread
        assertThat(inHandler.await(60, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                full.record(s(a, NOW.minusSeconds(10), 2));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        producer.start();
        awaitTrue("the producer waits for room", () -> full.waitingForRoom() == 1);

        assertThat(producer.isAlive()).isTrue();
        assertThat(stored(a)).isEmpty();
        assertThat(full.recorded()).isZero();

        release.countDown();
        producer.join();
        assertThat(failure.get()).isNull();
        full.flush();
        assertThat(stored(a)).containsExactly(s(a, NOW.minusSeconds(10), 2));
        assertThat(full.recorded()).isEqualTo(1);
        assertThat(full.rejected()).isEqualTo(1);
        assertThat(full.waitingForRoom()).isZero();
    }

    @Test
    void anInterruptedOrClosedWaitQueuesNothing() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UsageRecorder full = usage.recorder(
                sys, UsageRecorder.Settings.defaults().withCapacity(1).withOnRejected(x -> {
                    inHandler.countDown();
                    awaitQuietly(release);
                }));
        opened.add(full);
        full.record(s(NO_SUCH_SITE, NOW.minusSeconds(10), 1));
        assertThat(inHandler.await(60, TimeUnit.SECONDS)).isTrue();

        AtomicReference<Throwable> interrupted = new AtomicReference<>();
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread first = new Thread(() -> {
            try {
                full.record(s(a, NOW.minusSeconds(10), 2));
            } catch (Throwable t) {
                interrupted.set(t);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        });
        first.start();
        awaitTrue("the first producer waits for room", () -> full.waitingForRoom() == 1);
        first.interrupt();
        first.join();
        assertThat(interrupted.get()).isInstanceOf(OperationInterruptedException.class);
        assertThat(flagKept.get()).isTrue();

        AtomicReference<Throwable> closed = new AtomicReference<>();
        Thread second = new Thread(() -> {
            try {
                full.record(s(b, NOW.minusSeconds(10), 3));
            } catch (Throwable t) {
                closed.set(t);
            }
        });
        second.start();
        awaitTrue("the second producer waits for room", () -> full.waitingForRoom() == 1);
        Thread closer = new Thread(full::close);
        closer.start();
        second.join();
        assertThat(closed.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");

        release.countDown();
        closer.join();
        assertThat(stored(a)).isEmpty();
        assertThat(stored(b)).isEmpty();
        assertThat(full.rejected()).isEqualTo(1);
        assertThat(full.recorded()).isZero();
        assertThat(full.pending()).isZero();
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void manyThreadsRecordingConcurrentlyStoreEverySampleExactlyOnce() throws Exception {
        long[] sites = {
            a, b, temp.fixtures().personalSite("c", owner), temp.fixtures().personalSite("d", owner)
        };
        UsageRecorder r =
                recorder(UsageRecorder.Settings.defaults().withCapacity(64).withMaxBatch(50));
        int threads = 8;
        int perThread = 400;
        Instant start = NOW.minus(Duration.ofDays(1));
        List<Thread> producers = new ArrayList<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++) {
            int set = t % 4; // threads t and t + 4 send the same samples: each is stored once
            Thread p = new Thread(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        long site = sites[i % sites.length];
                        r.record(s(site, start.plusSeconds(set * perThread + i), i));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            producers.add(p);
            p.start();
        }
        for (Thread p : producers) p.join();
        r.flush();

        assertThat(failures).isEmpty();
        assertThat(r.recorded()).isEqualTo((long) threads * perThread);
        assertThat(r.rejected()).isZero();
        assertThat(r.pending()).isZero();
        long rows = 0;
        for (long site : sites) {
            List<UsageSample> series = usage.series(sys, site, start, NOW);
            assertThat(series).doesNotHaveDuplicates();
            rows += series.size();
        }
        assertThat(rows).isEqualTo(4L * perThread);
        assertThat(rejectedSamples).isEmpty();
    }

    @Test
    void samplesOfAClosedDatabaseAreRejectedNotLost() {
        UsageRecorder r = buffering();
        r.record(s(a, NOW.minusSeconds(30), 1));
        r.record(s(b, NOW.minusSeconds(30), 2));
        temp.close();
        r.flush();

        assertThat(r.rejected()).isEqualTo(2);
        assertThat(r.recorded()).isZero();
        assertThat(rejectedSamples).allSatisfy(x -> assertThat(x.reason()).isInstanceOf(DatabaseClosedException.class));
        r.close();
        db = temp.reopen();
        usage = new UsageRepository(db);
        sys = db.systemScope("monitoring");
        assertThat(stored(a)).isEmpty();
    }
}
