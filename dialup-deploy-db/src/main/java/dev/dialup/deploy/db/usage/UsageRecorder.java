package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DatabaseClosedException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.OperationInterruptedException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffered ingest: one sample per call, committed in batches by a background thread — for
 * pollers that produce samples one at a time faster than one transaction per sample allows
 * (docs/usage.md, "Buffered recording"). Obtained from {@link UsageRepository#recorder}; one
 * recorder per ingest loop, shared by all its threads, closed before the database.
 *
 * <p>{@link #record} checks the sample's own fields at once — exactly the rules and messages of
 * {@link UsageRepository#record} for them (a null sample is a {@link ValidationException} on
 * {@code sample}; a missing or pre-1970 timestamp, a bad value on {@code samples[0] (site S at T)})
 * — queues it and returns. Its thread ({@code dialup-usage-recorder-N}, a daemon) writes the
 * queue with {@link UsageRepository#recordBatch}, up to {@link Settings#maxBatch()} samples per
 * transaction, as soon as that many are queued or when the oldest has waited
 * {@link Settings#flushInterval()}. What the database checks — the site exists, the timestamp is
 * at most the allowed skew after now, no different sample is stored for that second — is
 * checked then, on current facts (the scope too): a batch refused for its data is written again
 * one sample per transaction, so the good samples are stored and each bad one goes to
 * {@link Settings#onRejected()} with its exception. A batch that fails for another reason (the
 * database busy, a storage error) is retried {@value #ATTEMPTS} times in all, with a pause of
 * 50, 100 and 200 ms, then its samples are rejected; a closed database rejects at once.
 *
 * <p><b>Durability.</b> A sample is durable once the batch that holds it is committed: within
 * about {@code flushInterval} plus one batch write of {@code record} returning, while the thread
 * keeps up (when it does not, the queue fills and {@code record} blocks). On SQLite that is
 * committed to the WAL with {@code synchronous=NORMAL}, like every write of the library: it
 * survives a crash of the process; a power loss may lose the last commits until the background
 * checkpoint has synced them. A crash of the process loses the samples still pending — at most
 * {@link Settings#capacity()}, since {@code record} blocks while that many are queued or being
 * written. {@link #flush()} and {@link #close()} return once every sample recorded before them is
 * committed (or rejected), durable in the same sense. Re-sending samples after a crash is
 * harmless: a sample already stored with the same values is skipped.
 *
 * <p><b>Counters.</b> Every accepted sample is exactly one of {@link #pending()},
 * {@link #recorded()} or {@link #rejected()} (read together while the thread works, they may be
 * a batch apart).
 *
 * <p>Thread-safe. After {@link #close()}, {@link #record} throws {@link IllegalStateException}
 * (the recorder, not the database, is closed: a programming error of the caller, as with
 * {@code ExecutorService}).
 */
public final class UsageRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);

    /** Attempts at a batch (or a sample) that fails for a reason other than its data, before its samples are rejected. */
    static final int ATTEMPTS = 4;
    /** The pause before the first retry; doubled before each further one. */
    static final Duration FIRST_RETRY_PAUSE = Duration.ofMillis(50);

    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * How a recorder batches and where its rejected samples go. Start from {@link #defaults()}
     * and change what you need with the {@code with…} methods; a bad value is a
     * {@link ValidationException} naming it.
     *
     * @param maxBatch      samples per transaction, 1 to {@link UsageRepository#MAX_BATCH} (default 1,000)
     * @param flushInterval the longest a sample waits in the queue before its batch is written,
     *                      1 ms to 10 minutes (default 100 ms)
     * @param capacity      samples that may be pending (queued or being written) before
     *                      {@link UsageRecorder#record} blocks, 1 to 1,000,000 (default 10,000; about 200
     *                      bytes each)
     * @param onRejected    receives every accepted sample that was not stored, on the recorder's
     *                      thread (keep it short; an exception it throws is logged and ignored;
     *                      default: a WARN line naming the site, the time and the reason)
     */
    public record Settings(
            int maxBatch, Duration flushInterval, int capacity, Consumer<RejectedUsageSample> onRejected) {
        public static final int DEFAULT_MAX_BATCH = 1_000;
        public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(100);
        public static final int DEFAULT_CAPACITY = 10_000;
        public static final int MAX_CAPACITY = 1_000_000;
        public static final Duration MAX_FLUSH_INTERVAL = Duration.ofMinutes(10);

        public Settings {
            if (maxBatch < 1 || maxBatch > UsageRepository.MAX_BATCH) {
                throw new ValidationException(
                        "maxBatch", "must be between 1 and " + UsageRepository.MAX_BATCH + ", got " + maxBatch);
            }
            Inputs.notNull("flushInterval", flushInterval);
            if (flushInterval.compareTo(Duration.ofMillis(1)) < 0 || flushInterval.compareTo(MAX_FLUSH_INTERVAL) > 0) {
                throw new ValidationException(
                        "flushInterval", "must be between 1 ms and " + MAX_FLUSH_INTERVAL + ", got " + flushInterval);
            }
            if (capacity < 1 || capacity > MAX_CAPACITY) {
                throw new ValidationException(
                        "capacity", "must be between 1 and " + MAX_CAPACITY + ", got " + capacity);
            }
            Inputs.notNull("onRejected", onRejected);
        }

        /** 1,000 samples per batch, 100 ms, 10,000 pending samples, rejected samples logged at WARN. */
        public static Settings defaults() {
            return new Settings(
                    DEFAULT_MAX_BATCH, DEFAULT_FLUSH_INTERVAL, DEFAULT_CAPACITY, UsageRecorder::logRejected);
        }

        public Settings withMaxBatch(int v) {
            return new Settings(v, flushInterval, capacity, onRejected);
        }

        public Settings withFlushInterval(Duration v) {
            return new Settings(maxBatch, v, capacity, onRejected);
        }

        public Settings withCapacity(int v) {
            return new Settings(maxBatch, flushInterval, v, onRejected);
        }

        public Settings withOnRejected(Consumer<RejectedUsageSample> v) {
            return new Settings(maxBatch, flushInterval, capacity, v);
        }
    }

    /** A queued sample; identical samples of the same (site, second) in one batch ride along as twins. */
    private static final class Entry {
        final UsageSample sample;
        final StoredSample stored;
        final long queuedAt;
        List<Entry> twins;
        boolean settled;

        Entry(UsageSample sample, StoredSample stored, long queuedAt) {
            this.sample = sample;
            this.stored = stored;
            this.queuedAt = queuedAt;
        }

        int count() {
            return twins == null ? 1 : 1 + twins.size();
        }
    }

    private record Second(long siteId, long ts) {}

    private final UsageRepository usage;
    private final DialupDatabase db;
    private final AccessScope scope;
    private final Settings settings;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    /** The recorder's thread waits here: something queued, a flush asked for, or closing. */
    private final Condition work = lock.newCondition();
    /** {@link #record} waits here for room. */
    private final Condition room = lock.newCondition();
    /** {@link #flush} and {@link #close} wait here for samples to be settled. */
    private final Condition progress = lock.newCondition();

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    /** Samples accepted so far; the n-th accepted sample has sequence number n. */
    private long accepted;
    /** Samples settled (recorded or rejected) so far: always the first {@code settled} accepted ones. */
    private long settledCount;
    /** {@link #flush} asked for every sample up to this sequence number. */
    private long flushTo;

    private boolean closed;
    private boolean stopped;

    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private UsageRecorder(UsageRepository usage, DialupDatabase db, AccessScope scope, Settings settings) {
        this.usage = usage;
        this.db = db;
        this.scope = scope;
        this.settings = settings;
        this.thread = new Thread(this::run, "dialup-usage-recorder-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    /** A running recorder; the caller ({@link UsageRepository#recorder}) has checked the scope and settings. */
    static UsageRecorder start(UsageRepository usage, DialupDatabase db, AccessScope scope, Settings settings) {
        UsageRecorder r = new UsageRecorder(usage, db, scope, settings);
        r.thread.start();
        return r;
    }

    /** The settings this recorder runs with. */
    public Settings settings() {
        return settings;
    }

    /**
     * Checks the sample's own fields, queues it and returns; blocks while {@code capacity}
     * samples are pending (backpressure).
     *
     * @throws ValidationException   the sample is null or its timestamp or a value is bad (nothing queued)
     * @throws OperationInterruptedException the thread was interrupted while waiting for room
     *                               (nothing queued; the interrupt flag is set again)
     * @throws IllegalStateException the recorder is closed (nothing queued)
     */
    public void record(UsageSample sample) {
        Inputs.notNull("sample", sample);
        StoredSample stored = UsageIngest.validate(0, sample);
        lockInterruptibly();
        try {
            while (!closed && accepted - settledCount >= settings.capacity()) {
                if (Thread.currentThread() == thread) {
                    throw new IllegalStateException(
                            "the recorder is full: record() from onRejected cannot wait for the recorder's own thread");
                }
                await(room);
            }
            if (closed) throw new IllegalStateException("this UsageRecorder is closed; the sample was not recorded");
            queue.addLast(new Entry(sample, stored, System.nanoTime()));
            accepted++;
            if (queue.size() == 1 || queue.size() == settings.maxBatch()) work.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once every sample recorded before this call is committed or rejected (rejected
     * ones have been handed to {@code onRejected}). Writes the queue at once instead of waiting
     * for {@code flushInterval}. Returns at once on a closed recorder (its queue is empty).
     *
     * @throws OperationInterruptedException the thread was interrupted while waiting (the samples
     *                                       are still written; the interrupt flag is set again)
     * @throws IllegalStateException         called from {@code onRejected} (the recorder's own thread)
     */
    public void flush() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException(
                    "flush() cannot wait for the recorder's own thread (called from onRejected)");
        }
        lockInterruptibly();
        try {
            long target = accepted;
            if (flushTo < target) {
                flushTo = target;
                work.signal();
            }
            while (settledCount < target && !stopped) {
                await(progress);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses further samples ({@link #record} then throws {@link IllegalStateException}, also
     * in threads waiting for room), writes everything queued, and stops the thread. Returns once
     * that is done; idempotent. Called from {@code onRejected}, it only refuses further samples:
     * the thread still writes the queue and stops.
     *
     * @throws OperationInterruptedException the thread was interrupted while waiting (the queue
     *                                       is still written; the interrupt flag is set again)
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                work.signal();
                room.signalAll();
            }
            if (Thread.currentThread() == thread) return;
            while (!stopped) {
                await(progress);
            }
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** Samples committed (newly stored, or already stored with the same values). */
    public long recorded() {
        return recorded.get();
    }

    /** Samples handed to {@code onRejected}. */
    public long rejected() {
        return rejected.get();
    }

    /** Samples accepted but neither recorded nor rejected yet (queued or being written). */
    public long pending() {
        long total;
        lock.lock();
        try {
            total = accepted;
        } finally {
            lock.unlock();
        }
        return total - recorded.get() - rejected.get();
    }

    /** Threads waiting in {@link #record} for room (tests of the backpressure). */
    int waitingForRoom() {
        lock.lock();
        try {
            return lock.getWaitQueueLength(room);
        } finally {
            lock.unlock();
        }
    }

    // --- the recorder's thread ------------------------------------------------------------

    private void run() {
        while (true) {
            Thread.interrupted(); // nobody interrupts this thread on purpose; a stray interrupt must not fail writes
            List<Entry> batch;
            lock.lock();
            try {
                batch = nextBatch();
                if (batch == null) {
                    stopped = true;
                    progress.signalAll();
                    return;
                }
            } finally {
                lock.unlock();
            }
            int count = batch.size();
            try {
                write(batch);
            } catch (Throwable t) { // never die silently: whatever happened, every sample is settled
                log.error("The usage recorder failed to write a batch of {} samples", count, t);
                DialupDataException reason = new DialupDataException("The usage recorder failed: " + t, t);
                for (Entry e : batch) {
                    if (!e.settled) reject(e, reason);
                }
            }
            lock.lock();
            try {
                settledCount += count;
                room.signalAll();
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits until a batch is due and takes it off the queue; null once closed and empty. Holds the lock. */
    private List<Entry> nextBatch() {
        while (true) {
            if (queue.isEmpty()) {
                if (closed) return null;
                work.awaitUninterruptibly();
                continue;
            }
            long wait = closed || queue.size() >= settings.maxBatch() || flushTo > settledCount
                    ? 0
                    : queue.peekFirst().queuedAt + settings.flushInterval().toNanos() - System.nanoTime();
            if (wait <= 0) break;
            try {
                work.awaitNanos(wait);
            } catch (InterruptedException e) {
                // nobody interrupts this thread on purpose; it stops only through close()
            }
        }
        int n = Math.min(queue.size(), settings.maxBatch());
        List<Entry> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) batch.add(queue.pollFirst());
        return batch;
    }

    /** Writes one drained batch and settles every sample in it. */
    private void write(List<Entry> drained) {
        // One sample per (site, second): recordBatch would refuse the whole batch otherwise.
        Map<Second, Entry> first = new HashMap<>();
        List<Entry> batch = new ArrayList<>(drained.size());
        for (Entry e : drained) {
            Entry kept = first.putIfAbsent(new Second(e.stored.siteId(), e.stored.ts()), e);
            if (kept == null) {
                batch.add(e);
            } else if (kept.stored.equals(e.stored)) {
                if (kept.twins == null) kept.twins = new ArrayList<>(1);
                kept.twins.add(e); // identical: stored once, settled with it
            } else {
                reject(
                        e,
                        new ConflictException(UsageIngest.where(0, e.sample)
                                + ": a different sample for this site and second was recorded just before it;"
                                + " this one was not recorded"));
            }
        }
        if (batch.isEmpty()) return;
        List<UsageSample> samples = new ArrayList<>(batch.size());
        for (Entry e : batch) samples.add(e.sample);
        DialupDataException failure = attempt(() -> usage.recordBatch(scope, samples));
        if (failure == null) {
            for (Entry e : batch) accept(e);
        } else if (failure instanceof ValidationException || failure instanceof ConflictException) {
            // The data of some sample refused the whole batch: each on its own, so the others are stored.
            for (Entry e : batch) {
                DialupDataException f = attempt(() -> usage.record(scope, e.sample));
                if (f == null) accept(e);
                else reject(e, f);
            }
        } else {
            for (Entry e : batch) reject(e, failure);
        }
    }

    /** Runs a write, retrying failures that may pass; null on success, else the reason to reject. */
    private DialupDataException attempt(Supplier<Integer> write) {
        long pause = FIRST_RETRY_PAUSE.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                write.get();
                return null;
            } catch (ValidationException
                    | ConflictException
                    | AccessDeniedException
                    | NotFoundException
                    | DatabaseClosedException e) {
                return e; // the same call gives the same answer
            } catch (RuntimeException e) {
                DialupDataException reason = e instanceof DialupDataException d
                        ? d
                        : new DialupDataException("Recording usage samples failed: " + e, e);
                if (attempt >= ATTEMPTS) return reason;
                log.debug("Recording usage samples failed (attempt {} of {}): {}", attempt, ATTEMPTS, e.toString());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    // nobody interrupts this thread on purpose; retry at once
                }
                pause *= 2;
            }
        }
    }

    private void accept(Entry e) {
        e.settled = true;
        recorded.addAndGet(e.count());
    }

    private void reject(Entry e, DialupDataException reason) {
        e.settled = true;
        handOver(e.sample, reason);
        if (e.twins != null) for (Entry twin : e.twins) handOver(twin.sample, reason);
    }

    private void handOver(UsageSample sample, DialupDataException reason) {
        rejected.incrementAndGet();
        try {
            settings.onRejected().accept(new RejectedUsageSample(sample, reason));
        } catch (RuntimeException e) {
            log.warn("The onRejected handler of a usage recorder failed: {}", e.toString());
        }
    }

    private static void logRejected(RejectedUsageSample r) {
        log.warn(
                "Usage sample of site {} at {} not recorded: {}",
                r.sample().siteId(),
                r.sample().timestamp(),
                r.reason().getMessage());
    }

    /** Takes the lock; an interrupt while waiting for it is the library's typed exception. */
    private void lockInterruptibly() {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** Waits on one of the lock's conditions; an interrupt is the library's typed exception. */
    private void await(Condition condition) {
        try {
            condition.await();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private OperationInterruptedException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return db.path() != null
                ? new OperationInterruptedException(db.path(), e)
                : new OperationInterruptedException(db.location(), e);
    }
}
