package dev.dialup.deploy.db.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.usage.UsageDimension;
import dev.dialup.deploy.db.usage.UsageSample;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ResourceManagementServiceTest {
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void theMonitoringLoopRecordsARoundAndFindsTheSiteOverItsLimits() {
        try (DialupDatabase db =
                temp.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()) {
            var f = new Fixtures(db);
            long owner = f.user("owner");
            long calm = f.personalSite("calm", owner);
            long busy = f.personalSite("busy", owner);
            AccessScope monitor = db.systemScope("monitoring");
            new SiteLimitsRepository(db).set(monitor, busy, new ResourceLimits(256, 50, 1024, 1024, 100));
            ResourceManagement rm = new ResourceManagementService(db);

            int stored = rm.recordRound(
                    monitor,
                    List.of(
                            UsageSample.of(calm, NOW.minusSeconds(30), 100, 5, 10, 0.1, 10, 20),
                            UsageSample.of(busy, NOW.minusSeconds(30), 300, 75, 10, 0.1, 60, 20)));

            assertThat(stored).isEqualTo(2);
            assertThat(rm.sitesOverLimit(monitor, Duration.ofMinutes(5)))
                    .extracting(o -> o.siteId() + ":" + o.dimension())
                    .containsExactly(busy + ":MEMORY", busy + ":CPU", busy + ":REQUESTS_PER_MINUTE");
            assertThat(rm.limitsOf(monitor, busy).memoryMb()).isEqualTo(256);
            assertThat(rm.usageVsLimits(monitor, busy).ratio(UsageDimension.MEMORY))
                    .isGreaterThan(1.0);
            assertThat(rm.latest(monitor, List.of(calm, busy))).hasSize(2);
        }
    }

    @Test
    void aUserScopeCannotIngest() {
        try (DialupDatabase db = temp.open()) {
            var f = new Fixtures(db);
            long owner = f.user("owner");
            long site = f.personalSite("mine", owner);
            var before = DbSnapshot.of(db);
            AccessScope user = new AccessScopes(db).forUser(owner);
            assertThatThrownBy(() -> new ResourceManagementService(db)
                            .recordRound(user, List.of(UsageSample.of(site, Instant.now(), 1, 1, 1, 1, 1, 1))))
                    .isInstanceOf(AccessDeniedException.class);
            assertThat(DbSnapshot.of(db)).isEqualTo(before);
        }
    }
}
