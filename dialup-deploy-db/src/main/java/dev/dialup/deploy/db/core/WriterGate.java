package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DatabaseClosedException;
import dev.dialup.deploy.db.OperationInterruptedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue in front of the single writer connection. Waiters are served in arrival order,
 * give up with {@link DatabaseBusyException} after their wait, keep their interrupt flag
 * when interrupted ({@link OperationInterruptedException}), and are woken at once by
 * {@link #close()} ({@link DatabaseClosedException}) instead of waiting out their timeout.
 */
final class WriterGate {
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    private boolean held;
    private boolean closed;

    void acquire(Path path, Duration wait) {
        long started = System.nanoTime();
        long left = wait.toNanos();
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(path, e);
        }
        try {
            while (true) {
                if (closed) {
                    throw new DatabaseClosedException(path, null);
                }
                if (!held) {
                    held = true;
                    return;
                }
                if (left <= 0) {
                    throw new DatabaseBusyException(
                            DatabaseBusyException.Reason.WRITER_QUEUE,
                            path,
                            Duration.ofNanos(System.nanoTime() - started),
                            null);
                }
                try {
                    left = changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OperationInterruptedException(path, e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            held = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
