package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TimeStorageTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void instantsAreStoredAsUtcTextThatSortsChronologicallyAndRoundTrip() {
        List<Instant> times = List.of(
                Instant.parse("2026-03-01T00:00:00Z"),
                Instant.parse("2026-02-28T23:59:59.999Z"),
                Instant.parse("1999-12-31T23:00:00.5Z"),
                Instant.parse("2026-03-01T00:00:00.001Z"));
        try (DialupDatabase db = temp.open()) {
            db.writeVoid(tx -> times.forEach(t -> tx.insertInto(AUDIT_LOG)
                    .set(AUDIT_LOG.ACTOR_LABEL, "t")
                    .set(AUDIT_LOG.ACTION, "a")
                    .set(AUDIT_LOG.TARGET_TYPE, "x")
                    .set(AUDIT_LOG.CREATED_AT, t)
                    .execute()));
            List<String> stored =
                    db.read(dsl -> dsl.fetch("SELECT CAST(created_at AS TEXT) FROM audit_log ORDER BY created_at")
                            .getValues(0, String.class));
            assertThat(stored)
                    .containsExactly(
                            "1999-12-31 23:00:00.500",
                            "2026-02-28 23:59:59.999",
                            "2026-03-01 00:00:00.000",
                            "2026-03-01 00:00:00.001");
            List<Instant> back = db.read(dsl -> dsl.select(AUDIT_LOG.CREATED_AT)
                    .from(AUDIT_LOG)
                    .orderBy(AUDIT_LOG.CREATED_AT)
                    .fetch(AUDIT_LOG.CREATED_AT));
            assertThat(back).containsExactly(times.get(2), times.get(1), times.get(0), times.get(3));
            // comparisons bind the same text form
            int after = db.read(
                    dsl -> dsl.fetchCount(AUDIT_LOG, AUDIT_LOG.CREATED_AT.ge(Instant.parse("2026-03-01T00:00:00Z"))));
            assertThat(after).isEqualTo(2);
        }
    }

    @Test
    void sqlDefaultsAndJavaValuesShareOneSortableFormat() {
        assertThat(StoredTime.parseInstant("2026-01-02 03:04:05")).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(StoredTime.parseInstant("2026-01-02 03:04:05.678"))
                .isEqualTo(Instant.parse("2026-01-02T03:04:05.678Z"));
        assertThat(StoredTime.format(Instant.parse("2026-01-02T03:04:05.678912Z")))
                .isEqualTo("2026-01-02 03:04:05.678");
        // CURRENT_TIMESTAMP's shorter text sorts before any later millisecond of the same second
        assertThat("2026-01-02 03:04:05").isLessThan("2026-01-02 03:04:05.001");
    }
}
