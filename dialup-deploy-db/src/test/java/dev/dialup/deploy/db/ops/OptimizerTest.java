package dev.dialup.deploy.db.ops;

import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OptimizerTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void optimizeEmptiesTheWalAndReturnsPagesFreedByPruning() {
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Busy", f.user("ada"));
            db.writeVoid(tx -> {
                for (int i = 0; i < 5_000; i++) {
                    tx.insertInto(USAGE_SAMPLES)
                            .set(USAGE_SAMPLES.SITE_ID, site)
                            .set(USAGE_SAMPLES.TS, 1_700_000_000L + i)
                            .set(USAGE_SAMPLES.ACTIVE_REQUESTS, (long) i)
                            .execute();
                }
            });
            db.writeVoid(tx -> tx.deleteFrom(USAGE_SAMPLES)
                    .where(USAGE_SAMPLES.SITE_ID.eq(site))
                    .execute());

            Optimizer.Report r = Optimizer.optimize(db);

            assertThat(r.walBytesBefore()).isPositive();
            assertThat(r.walBytesAfter()).isZero();
            assertThat(r.checkpointBusy()).isFalse();
            assertThat(r.autoVacuum()).isEqualTo("incremental");
            assertThat(r.freePagesBefore()).isPositive();
            assertThat(r.freePagesAfter()).isZero();
            assertThat(r.fileBytesAfter()).isLessThan(r.fileBytesBefore() + r.walBytesBefore());
        }
    }
}
