package dev.dialup.deploy.db.integration;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.integration.AdminDashboard.DeploymentsOnDay;
import dev.dialup.deploy.db.integration.AdminDashboard.FailedDeployment;
import dev.dialup.deploy.db.integration.AdminDashboard.ResourceMetric;
import dev.dialup.deploy.db.integration.AdminDashboard.SiteResourceUse;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@BothEngines
class AdminDashboardQueriesTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(new MutableClock(NOW));

    DialupDatabase db;
    ActorWorld actors;
    AdminDashboard dashboard;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        dashboard = new AdminDashboardQueries(db);
    }

    /** Arranges a deployment row directly (the repository under test here is the dashboard). */
    private long deployment(long site, String status, String at) {
        return db.write(
                TestDb.system(db),
                tx -> tx.insertInto(DEPLOYMENTS)
                        .set(DEPLOYMENTS.SITE_ID, site)
                        .set(DEPLOYMENTS.STATUS, status)
                        .set(DEPLOYMENTS.DEPLOYED_AT, Instant.parse(at))
                        .set(
                                DEPLOYMENTS.FINISHED_AT,
                                status.equals("failed") ? Instant.parse(at).plusSeconds(60) : null)
                        .set(DEPLOYMENTS.COMMIT_HASH, "abc" + status)
                        .returning(DEPLOYMENTS.ID)
                        .fetchOne()
                        .getId());
    }

    private void usage(long site, String date, double avgMem, double maxMem, double avgCpu, double maxCpu) {
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.insertInto(SITE_USAGE_DAILY)
                        .set(SITE_USAGE_DAILY.SITE_ID, site)
                        .set(SITE_USAGE_DAILY.DATE, LocalDate.parse(date))
                        .set(SITE_USAGE_DAILY.AVG_MEMORY_MB, avgMem)
                        .set(SITE_USAGE_DAILY.MAX_MEMORY_MB, maxMem)
                        .set(SITE_USAGE_DAILY.AVG_CPU_PERCENT, avgCpu)
                        .set(SITE_USAGE_DAILY.MAX_CPU_PERCENT, maxCpu)
                        .execute());
    }

    @Test
    void sitesAreCountedByActiveFlagAndByTheirLatestDeployment() {
        deployment(actors.orgSite, "failed", "2026-03-01T00:00:00Z");
        deployment(actors.orgSite, "success", "2026-03-02T00:00:00Z");
        deployment(actors.personalSite, "success", "2026-03-01T00:00:00Z");
        deployment(actors.personalSite, "building", "2026-03-03T00:00:00Z");
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SITES)
                        .set(SITES.IS_ACTIVE, false)
                        .where(SITES.ID.eq(actors.deadOrgSite))
                        .execute());
        var counts = dashboard.sitesByStatus(actors.scope(Actor.SYSTEM_ADMIN));
        // active: the org site, the personal site and the deactivated user's site (never deployed)
        assertThat(counts.active()).isEqualTo(3);
        assertThat(counts.inactive()).isEqualTo(1);
        assertThat(counts.byLatestDeployment())
                .containsOnly(Map.entry("success", 1L), Map.entry("building", 1L), Map.entry("none", 2L));
    }

    @Test
    void deploymentsAreCountedPerUtcDayOverTheRequestedWindow() {
        deployment(actors.orgSite, "success", "2026-03-10T00:30:00Z");
        deployment(actors.orgSite, "failed", "2026-03-10T11:59:00Z");
        deployment(actors.personalSite, "pending", "2026-03-10T11:00:00Z");
        deployment(actors.personalSite, "cancelled", "2026-03-08T23:59:59Z");
        deployment(actors.personalSite, "success", "2026-03-04T10:00:00Z"); // 7 days back: outside a 6-day window
        assertThat(dashboard.deploymentsPerDay(actors.scope(Actor.SYSTEM_ADMIN), 6))
                .containsExactly(
                        new DeploymentsOnDay(LocalDate.parse("2026-03-08"), 1, 0, 0, 1, 0),
                        new DeploymentsOnDay(LocalDate.parse("2026-03-10"), 3, 1, 1, 0, 1));
        assertThat(dashboard.deploymentsPerDay(actors.system(), 7)).hasSize(3);
    }

    @Test
    void topSitesAreRankedByAverageUseOverTheLastDays() {
        usage(actors.orgSite, "2026-03-10", 100, 150, 10, 20);
        usage(actors.orgSite, "2026-03-09", 300, 400, 10, 90);
        usage(actors.personalSite, "2026-03-10", 150, 160, 40, 45);
        usage(actors.personalSite, "2026-01-01", 9000, 9000, 99, 99); // too old
        usage(actors.deadOrgSite, "2026-03-10", 50, 60, 5, 6);
        var admin = actors.scope(Actor.SYSTEM_ADMIN);
        assertThat(dashboard.topSitesByResourceUse(admin, 7, ResourceMetric.MEMORY, 2))
                .containsExactly(
                        new SiteResourceUse(actors.orgSite, "Org Site", 200, 400, 10, 90, 2),
                        new SiteResourceUse(actors.personalSite, "Personal Site", 150, 160, 40, 45, 1));
        assertThat(dashboard.topSitesByResourceUse(admin, 7, ResourceMetric.CPU, 3))
                .extracting(SiteResourceUse::siteId)
                .containsExactly(actors.personalSite, actors.orgSite, actors.deadOrgSite);
    }

    @Test
    void recentFailedDeploymentsAreListedNewestFirst() {
        long older = deployment(actors.orgSite, "failed", "2026-03-01T00:00:00Z");
        deployment(actors.orgSite, "success", "2026-03-02T00:00:00Z");
        long newer = deployment(actors.personalSite, "failed", "2026-03-03T00:00:00Z");
        assertThat(dashboard.recentFailedDeployments(actors.scope(Actor.SYSTEM_ADMIN), 10))
                .extracting(FailedDeployment::deploymentId)
                .containsExactly(newer, older);
        FailedDeployment first = dashboard
                .recentFailedDeployments(actors.scope(Actor.SYSTEM_ADMIN), 1)
                .get(0);
        assertThat(first.siteName()).isEqualTo("Personal Site");
        assertThat(first.finishedAt()).isEqualTo(Instant.parse("2026-03-03T00:01:00Z"));
    }

    @ParameterizedTest
    @EnumSource(
            value = Actor.class,
            names = {"SYSTEM_ADMIN", "SYSTEM"},
            mode = EnumSource.Mode.EXCLUDE)
    void onlySystemAdminsSeeTheDashboard(Actor actor) {
        var scope = actors.scope(actor);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> dashboard.sitesByStatus(scope)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> dashboard.deploymentsPerDay(scope, 7)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> dashboard.topSitesByResourceUse(scope, 7, ResourceMetric.MEMORY, 5))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> dashboard.recentFailedDeployments(scope, 5)).isInstanceOf(AccessDeniedException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void windowsAndLimitsAreValidated() {
        var admin = actors.scope(Actor.SYSTEM_ADMIN);
        assertThatThrownBy(() -> dashboard.deploymentsPerDay(admin, 0)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> dashboard.topSitesByResourceUse(admin, 7, ResourceMetric.CPU, 1000))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> dashboard.recentFailedDeployments(admin, 0)).isInstanceOf(ValidationException.class);
    }
}
