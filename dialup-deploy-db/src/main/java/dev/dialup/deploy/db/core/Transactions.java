package dev.dialup.deploy.db.core;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DatabaseClosedException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.OperationInterruptedException;
import dev.dialup.deploy.db.SqlFunction;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.JooqConfig;
import dev.dialup.deploy.db.engine.StartupWarmup;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction machinery behind {@link DialupDatabase}: the writer pool (one connection behind
 * the {@link WriterGate} when the engine has a single writer) and the reader pool, write
 * transactions with savepoints for nested writes, snapshot reads, borrowed connections, and the
 * translation of driver and pool failures into the library's typed exceptions.
 */
final class Transactions {
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);

    /** Bounded retries of a write transaction that failed with a serialization failure or deadlock. */
    static final int MAX_WRITE_ATTEMPTS = 8;

    /** The SQLite file, or null for a server database. */
    private final Path path;
    /** Where the database is, safe to print (file, or URL without credentials). */
    private final String location;

    private final DatabaseEngine engine;
    private final Duration writeWait;
    private final HikariDataSource writerPool;
    private final HikariDataSource readerPool;
    private final DSLContext writerDsl;
    private final DSLContext readerDsl;
    private final ThreadLocal<DSLContext> currentWrite = new ThreadLocal<>();
    private final Object fileKey;
    /** Queues writers in front of the one writer connection; null when the engine has many writers. */
    private final WriterGate writerGate;

    /** The statements that open a transaction (set-up, identity, a user's facts) and identity switches. */
    private final TransactionStart start;

    private final java.util.concurrent.atomic.LongAdder writeRetries = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean closed;
    /** Set by {@link #eraseOverwrittenContent}; read and cleared by the thread holding the writer gate. */
    private boolean eraseAfterWrite;

    Transactions(
            Path path,
            String location,
            DatabaseEngine engine,
            int readers,
            int writers,
            Duration busyTimeout,
            Duration writeWait) {
        this.path = path;
        this.location = location;
        this.engine = engine;
        this.writeWait = writeWait;
        this.start = new TransactionStart(engine, busyTimeout);
        // One writer connection behind the writer gate when the engine has a single writer.
        this.writerGate = engine.singleWriter() ? new WriterGate() : null;
        int writerCount = engine.singleWriter() ? 1 : writers;
        // Many writers: two idle writer connections, so a write that starts while another holds one (the nightly
        // prune beside a collector's ingest) takes a ready connection instead of waiting 7-10 ms for a new server
        // backend. HikariCP tops idle connections up only from its housekeeper (every 30 s); grown on demand, the
        // pool shrinks back to its minimum after 10 idle minutes (docs/PERFORMANCE.md, "Session 12").
        this.writerPool = pool(
                "dialup-writer",
                engine.writerDataSource(path, busyTimeout),
                writerCount,
                Math.min(writerCount, 2), // SQLite's one writer: 1
                writeWait,
                false);
        try {
            this.readerPool =
                    pool("dialup-reader", engine.readerDataSource(path, busyTimeout), readers, 1, writeWait, true);
        } catch (RuntimeException e) {
            writerPool.close();
            throw e;
        }
        StartupWarmup.awaitFinished(); // jOOQ's static initialisation on one thread at a time
        this.writerDsl = dsl(writerPool, engine);
        this.readerDsl = dsl(readerPool, engine);
        this.fileKey = engine.storageKey(path);
    }

    /**
     * A write transaction, or a savepoint inside the write this thread is already in. On an engine
     * with many writers a serialization failure or deadlock re-runs the whole transaction, at most
     * {@link #MAX_WRITE_ATTEMPTS} times in all, after a short random pause.
     */
    <T> T write(Identity identity, Function<DSLContext, T> work) {
        return write(identity, work, false);
    }

    /**
     * {@link #write(Identity, Function)}; with {@code appendOnly} a new transaction starts with the engine's
     * {@linkplain DatabaseEngine#appendTransactionSetup append set-up} instead (a joined write keeps its own).
     */
    <T> T write(Identity identity, Function<DSLContext, T> work, boolean appendOnly) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return nestedWrite(joined, identity, work);
        }
        requireOpen();
        engine.requireStorageInPlace(path, fileKey);
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(identity, work, started, appendOnly);
            } catch (RuntimeException e) {
                if (closed || !engine.isRetryable(e)) {
                    throw e;
                }
                if (attempt >= MAX_WRITE_ATTEMPTS) {
                    throw busy(
                            DatabaseBusyException.Reason.WRITE_CONFLICTS,
                            Duration.ofNanos(System.nanoTime() - started),
                            e);
                }
                writeRetries.increment();
                pauseBeforeRetry(attempt);
            }
        }
    }

    /** Random pause, growing with the attempt (at most ~50 ms), so conflicting writers spread out. */
    private void pauseBeforeRetry(int attempt) {
        long maxMicros = Math.min(50_000L, 500L << Math.min(attempt, 7));
        try {
            Thread.sleep(Duration.ofNanos(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(maxMicros / 2, maxMicros) * 1000));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw interrupted(ie);
        }
    }

    /** Write transactions re-run after a serialization failure or deadlock (diagnostics). */
    long writeRetries() {
        return writeRetries.sum();
    }

    private <T> T writeOnce(Identity identity, Function<DSLContext, T> work, long started, boolean appendOnly) {
        if (writerGate != null) {
            writerGate.acquire(path, writeWait);
        }
        try {
            return writerDsl.transactionResult(cfg -> {
                DSLContext tx = cfg.dsl();
                start.beginWrite(tx, identity, appendOnly);
                currentWrite.set(tx);
                try {
                    return work.apply(tx);
                } finally {
                    currentWrite.remove();
                    start.endWrite();
                }
            });
        } catch (RuntimeException e) {
            if (!closed && engine.isRetryable(e)) {
                throw e; // write() decides: another attempt, or WRITE_CONFLICTS
            }
            throw translate(e, started);
        } finally {
            if (writerGate != null) {
                try {
                    if (eraseAfterWrite) {
                        eraseAfterWrite = false;
                        truncateWalAfterErase();
                    }
                } finally {
                    writerGate.release();
                }
            }
        }
    }

    /**
     * A write made inside another write runs in a savepoint: if it throws, its own changes are
     * rolled back before the exception reaches the caller, whatever the caller does next; if it
     * returns, the savepoint is released and its changes commit (or not) with the caller's transaction.
     */
    private <T> T nestedWrite(DSLContext outer, Identity identity, Function<DSLContext, T> work) {
        return outer.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            Identity outerIdentity = start.switchIdentity(tx, identity);
            currentWrite.set(tx);
            try {
                return work.apply(tx);
            } finally {
                currentWrite.set(outer);
                start.restoreIdentity(outer, outerIdentity);
            }
        });
    }

    /**
     * Call inside a {@link #write} that overwrites or deletes sensitive content (e.g. the plain
     * value of a variable re-saved as a secret): SQLite's {@code secure_delete} is on for the rest
     * of the transaction, so freed content is overwritten with zeros, and right after the
     * outermost write ends the WAL is checkpointed and truncated, so no older copy of the pages
     * stays in the {@code -wal} file. Costs are in docs/PERFORMANCE.md.
     */
    void eraseOverwrittenContent() {
        DSLContext tx = currentWrite.get();
        if (tx == null) {
            throw new IllegalStateException("eraseOverwrittenContent() must be called inside write(...)");
        }
        tx.connection(c -> engine.eraseOnDelete(c, true));
        // Only the single writer (the thread holding the gate) has a log to truncate afterwards.
        eraseAfterWrite = writerGate != null;
    }

    private void truncateWalAfterErase() {
        try (Connection c = writerPool.getConnection()) {
            engine.eraseOnDelete(c, false);
            DatabaseEngine.Checkpoint cp = engine.truncateLog(c);
            if (cp.busy()) {
                log.warn(
                        "Could not truncate the WAL of {} after erasing sensitive content: readers held it;"
                                + " it is truncated by the next checkpoint",
                        location);
            }
        } catch (SQLException e) {
            log.warn("Could not truncate the WAL of {} after erasing sensitive content: {}", location, e.getMessage());
        }
    }

    private void requireOpen() {
        if (closed) {
            throw closed(null);
        }
    }

    private DatabaseClosedException closed(Throwable cause) {
        return path != null ? new DatabaseClosedException(path, cause) : new DatabaseClosedException(location, cause);
    }

    private OperationInterruptedException interrupted(Throwable cause) {
        return path != null
                ? new OperationInterruptedException(path, cause)
                : new OperationInterruptedException(location, cause);
    }

    private DatabaseBusyException busy(DatabaseBusyException.Reason reason, Duration waited, Throwable cause) {
        return path != null
                ? new DatabaseBusyException(reason, path, waited, cause)
                : new DatabaseBusyException(reason, location, waited, cause);
    }

    /** Typed exceptions for a closed database, a busy one, an interrupted wait and storage failures. */
    private RuntimeException translate(RuntimeException e, long startedNanos) {
        if (e instanceof DialupDataException) {
            return e;
        }
        if (closed) {
            return closed(e);
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - startedNanos);
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException) {
                // Hikari gave up waiting for a pooled connection.
                if (Thread.currentThread().isInterrupted() || t.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return interrupted(e);
                }
                return busy(DatabaseBusyException.Reason.READER_POOL, waited, e);
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return interrupted(e);
            }
            if (t instanceof SQLException && engine.isBusy(t)) {
                return busy(DatabaseBusyException.Reason.FILE_LOCKED, waited, e);
            }
            if (t instanceof SQLException sql
                    && sql.getMessage() != null
                    && sql.getMessage().contains("has been closed")) {
                return closed(e);
            }
        }
        return engine.translateStorageFailure(path, e);
    }

    /** A snapshot read, or the joined write when this thread is inside one. */
    <T> T read(Identity identity, Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            Identity outerIdentity = start.switchIdentity(joined, identity);
            try {
                return work.apply(joined);
            } finally {
                start.restoreIdentity(joined, outerIdentity);
            }
        }
        requireOpen();
        long started = System.nanoTime();
        try {
            return readerDsl.transactionResult(cfg -> {
                start.beginRead(cfg.dsl(), identity);
                return work.apply(cfg.dsl());
            });
        } catch (RuntimeException e) {
            throw translate(e, started);
        }
    }

    DSLContext readDsl() {
        return readerDsl;
    }

    boolean inWriteTransaction() {
        return currentWrite.get() != null;
    }

    /** Borrows the writer connection outside jOOQ (maintenance: checkpoints, vacuum, backup). */
    <T> T withWriterConnection(SqlFunction<Connection, T> work) {
        if (currentWrite.get() != null) {
            throw new IllegalStateException("Cannot borrow the writer connection inside a write transaction");
        }
        requireOpen();
        long started = System.nanoTime();
        if (writerGate != null) {
            writerGate.acquire(path, writeWait);
        }
        try (Connection c = writerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(
                    new DialupDataException("Database maintenance on " + location + " failed: " + e.getMessage(), e),
                    e,
                    started);
        } catch (RuntimeException e) {
            throw translate(e, started);
        } finally {
            if (writerGate != null) {
                writerGate.release();
            }
        }
    }

    /** Borrows a read-only connection outside jOOQ. */
    <T> T withReaderConnection(SqlFunction<Connection, T> work) {
        requireOpen();
        long started = System.nanoTime();
        try (Connection c = readerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(
                    new DialupDataException("Read on " + location + " failed: " + e.getMessage(), e), e, started);
        } catch (RuntimeException e) {
            throw translate(e, started);
        }
    }

    /** {@code generic} unless the SQL error is one of the typed ones (closed, busy, interrupted, storage). */
    private RuntimeException translate(DialupDataException generic, SQLException e, long started) {
        RuntimeException typed = translate(new RuntimeException(e.getMessage(), e), started);
        return typed.getCause() == e ? generic : typed;
    }

    /** Closes the pools; threads queued on the writer are woken at once. */
    void close(Runnable beforePools) {
        closed = true;
        if (writerGate != null) {
            writerGate.close();
        }
        try {
            beforePools.run();
            readerPool.close();
        } finally {
            writerPool.close();
        }
    }

    private static HikariDataSource pool(
            String name, DataSource ds, int size, int minimumIdle, Duration wait, boolean readOnly) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(minimumIdle);
        // Lazy: open() does not wait for a first connection (the file was already checked); the
        // first query opens one.
        hc.setInitializationFailTimeout(-1);
        hc.setConnectionTimeout(wait.toMillis());
        hc.setAutoCommit(true);
        // Must match how the driver opened the connection: sqlite-jdbc cannot flip it afterwards.
        hc.setReadOnly(readOnly);
        return new HikariDataSource(hc);
    }

    private static DSLContext dsl(DataSource ds, DatabaseEngine engine) {
        return JooqConfig.dsl(new PooledConnections(ds), engine.dialect());
    }
}
