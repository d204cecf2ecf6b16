package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConcurrentWritersTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void eightWriterThreadsTimesFiveHundredTransactionsNeverSurfaceBusyWhileFourReadersRead() throws Exception {
        int writers = 8;
        int perWriter = 500;
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        try (DialupDatabase db = temp.open()) {
            ExecutorService pool = Executors.newFixedThreadPool(writers + 4);
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                writes.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        int n = i;
                        try {
                            // read-then-write in one transaction: the pattern that deadlocks into
                            // SQLITE_BUSY with deferred transactions
                            db.writeVoid(tx -> {
                                tx.fetchCount(AUDIT_LOG);
                                tx.insertInto(AUDIT_LOG)
                                        .set(AUDIT_LOG.ACTOR_LABEL, "writer-" + writer)
                                        .set(AUDIT_LOG.ACTION, "test.write")
                                        .set(AUDIT_LOG.TARGET_TYPE, "test")
                                        .set(AUDIT_LOG.TARGET_ID, writer + ":" + n)
                                        .execute();
                            });
                        } catch (Throwable t) {
                            errors.add(t);
                        }
                    }
                }));
            }
            for (int r = 0; r < 4; r++) {
                pool.submit(() -> {
                    while (writing.get()) {
                        try {
                            db.read(dsl -> dsl.fetchCount(AUDIT_LOG));
                            reads.incrementAndGet();
                        } catch (Throwable t) {
                            errors.add(t);
                        }
                    }
                });
            }
            for (Future<?> f : writes) f.get(5, TimeUnit.MINUTES);
            writing.set(false);
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

            assertThat(errors).as("no SQLITE_BUSY or any other error surfaced").isEmpty();
            assertThat(reads.get()).isPositive();
            List<String> ids = db.read(
                    dsl -> dsl.select(AUDIT_LOG.TARGET_ID).from(AUDIT_LOG).fetch(AUDIT_LOG.TARGET_ID));
            assertThat(ids).hasSize(writers * perWriter);
            Set<String> expected = new HashSet<>();
            for (int w = 0; w < writers; w++) for (int i = 0; i < perWriter; i++) expected.add(w + ":" + i);
            assertThat(new HashSet<>(ids)).isEqualTo(expected);
        }
    }
}
