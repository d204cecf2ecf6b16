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
import org.jooq.impl.DataSourceConnectionProvider;
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

    private final Path path;
    private final DatabaseEngine engine;
    private final Duration writeWait;
    private final HikariDataSource writerPool;
    private final HikariDataSource readerPool;
    private final DSLContext writerDsl;
    private final DSLContext readerDsl;
    private final ThreadLocal<DSLContext> currentWrite = new ThreadLocal<>();
    private final Object fileKey;
    private final WriterGate writerGate = new WriterGate();
    private volatile boolean closed;
    /** Set by {@link #eraseOverwrittenContent}; read and cleared by the thread holding the writer gate. */
    private boolean eraseAfterWrite;

    Transactions(Path path, DatabaseEngine engine, int readers, Duration busyTimeout, Duration writeWait) {
        this.path = path;
        this.engine = engine;
        this.writeWait = writeWait;
        // One writer connection behind the writer gate when the engine has a single writer.
        int writers = engine.singleWriter() ? 1 : readers;
        this.writerPool = pool("dialup-writer", engine.writerDataSource(path, busyTimeout), writers, writeWait, false);
        try {
            this.readerPool =
                    pool("dialup-reader", engine.readerDataSource(path, busyTimeout), readers, writeWait, true);
        } catch (RuntimeException e) {
            writerPool.close();
            throw e;
        }
        StartupWarmup.awaitFinished(); // jOOQ's static initialisation on one thread at a time
        this.writerDsl = dsl(writerPool, engine);
        this.readerDsl = dsl(readerPool, engine);
        this.fileKey = engine.storageKey(path);
    }

    /** A write transaction, or a savepoint inside the write this thread is already in. */
    <T> T write(Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return nestedWrite(joined, work);
        }
        requireOpen();
        engine.requireStorageInPlace(path, fileKey);
        long started = System.nanoTime();
        writerGate.acquire(path, writeWait);
        try {
            return writerDsl.transactionResult(cfg -> {
                DSLContext tx = cfg.dsl();
                currentWrite.set(tx);
                try {
                    return work.apply(tx);
                } finally {
                    currentWrite.remove();
                }
            });
        } catch (RuntimeException e) {
            throw translate(e, started);
        } finally {
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

    /**
     * A write made inside another write runs in a savepoint: if it throws, its own changes are
     * rolled back before the exception reaches the caller, whatever the caller does next; if it
     * returns, the savepoint is released and its changes commit (or not) with the caller's transaction.
     */
    private <T> T nestedWrite(DSLContext outer, Function<DSLContext, T> work) {
        return outer.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            currentWrite.set(tx);
            try {
                return work.apply(tx);
            } finally {
                currentWrite.set(outer);
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
        eraseAfterWrite = true;
    }

    private void truncateWalAfterErase() {
        try (Connection c = writerPool.getConnection()) {
            engine.eraseOnDelete(c, false);
            DatabaseEngine.Checkpoint cp = engine.truncateLog(c);
            if (cp.busy()) {
                log.warn(
                        "Could not truncate the WAL of {} after erasing sensitive content: readers held it;"
                                + " it is truncated by the next checkpoint",
                        path);
            }
        } catch (SQLException e) {
            log.warn("Could not truncate the WAL of {} after erasing sensitive content: {}", path, e.getMessage());
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new DatabaseClosedException(path, null);
        }
    }

    /** Typed exceptions for a closed database, a busy one, an interrupted wait and storage failures. */
    private RuntimeException translate(RuntimeException e, long startedNanos) {
        if (e instanceof DialupDataException) {
            return e;
        }
        if (closed) {
            return new DatabaseClosedException(path, e);
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - startedNanos);
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException) {
                // Hikari gave up waiting for a pooled connection.
                if (Thread.currentThread().isInterrupted() || t.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return new OperationInterruptedException(path, e);
                }
                return new DatabaseBusyException(DatabaseBusyException.Reason.READER_POOL, path, waited, e);
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return new OperationInterruptedException(path, e);
            }
            if (t instanceof SQLException && engine.isBusy(t)) {
                return new DatabaseBusyException(DatabaseBusyException.Reason.FILE_LOCKED, path, waited, e);
            }
            if (t instanceof SQLException sql
                    && sql.getMessage() != null
                    && sql.getMessage().contains("has been closed")) {
                return new DatabaseClosedException(path, e);
            }
        }
        return engine.translateStorageFailure(path, e);
    }

    /** A snapshot read, or the joined write when this thread is inside one. */
    <T> T read(Function<DSLContext, T> work) {
        DSLContext joined = currentWrite.get();
        if (joined != null) {
            return work.apply(joined);
        }
        requireOpen();
        long started = System.nanoTime();
        try {
            return readerDsl.transactionResult(cfg -> work.apply(cfg.dsl()));
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
        writerGate.acquire(path, writeWait);
        try (Connection c = writerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(
                    new DialupDataException("Database maintenance on " + path + " failed: " + e.getMessage(), e),
                    e,
                    started);
        } catch (RuntimeException e) {
            throw translate(e, started);
        } finally {
            writerGate.release();
        }
    }

    /** Borrows a read-only connection outside jOOQ. */
    <T> T withReaderConnection(SqlFunction<Connection, T> work) {
        requireOpen();
        long started = System.nanoTime();
        try (Connection c = readerPool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(new DialupDataException("Read on " + path + " failed: " + e.getMessage(), e), e, started);
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
        writerGate.close();
        try {
            beforePools.run();
            readerPool.close();
        } finally {
            writerPool.close();
        }
    }

    private static HikariDataSource pool(String name, DataSource ds, int size, Duration wait, boolean readOnly) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
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
        return JooqConfig.dsl(new DataSourceConnectionProvider(ds), engine.dialect());
    }
}
