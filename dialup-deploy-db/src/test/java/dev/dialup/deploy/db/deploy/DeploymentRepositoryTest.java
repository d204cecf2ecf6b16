package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.deploy.DeploymentStatus.BUILDING;
import static dev.dialup.deploy.db.deploy.DeploymentStatus.CANCELLED;
import static dev.dialup.deploy.db.deploy.DeploymentStatus.FAILED;
import static dev.dialup.deploy.db.deploy.DeploymentStatus.PENDING;
import static dev.dialup.deploy.db.deploy.DeploymentStatus.SUCCESS;
import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_CHUNKS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.SystemConfigRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@BothEngines
class DeploymentRepositoryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    /** The legal moves, written out independently of DeploymentStatus.next(). */
    private static final Set<String> LEGAL = Set.of(
            "PENDING->BUILDING", "PENDING->CANCELLED", "BUILDING->SUCCESS", "BUILDING->FAILED", "BUILDING->CANCELLED");

    final MutableClock clock = new MutableClock(T0);

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    ActorWorld actors;
    DeploymentRepository repo;
    AccessScope sys;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        repo = new DeploymentRepository(db);
        sys = actors.system();
    }

    static Stream<Arguments> everyFromAndTo() {
        List<Arguments> grid = new ArrayList<>();
        for (DeploymentStatus from : DeploymentStatus.values()) {
            for (DeploymentStatus to : DeploymentStatus.values()) grid.add(Arguments.of(from, to));
        }
        return grid.stream();
    }

    /** A deployment brought to {@code status} through legal moves. */
    private long deploymentIn(DeploymentStatus status) {
        long id = repo.create(sys, actors.orgSite, new NewDeployment("abc1234", "msg", "main"))
                .id();
        switch (status) {
            case PENDING -> {}
            case BUILDING -> repo.transition(sys, id, BUILDING);
            case SUCCESS, FAILED -> {
                repo.transition(sys, id, BUILDING);
                repo.transition(sys, id, status);
            }
            case CANCELLED -> repo.transition(sys, id, CANCELLED);
        }
        return id;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyFromAndTo")
    void transitionsFollowTheStateMachineAndIllegalOnesChangeNothing(DeploymentStatus from, DeploymentStatus to) {
        long id = deploymentIn(from);
        clock.advance(Duration.ofSeconds(42));
        if (LEGAL.contains(from + "->" + to)) {
            Deployment d = repo.transition(actors.scope(Actor.ORG_ADMIN), id, to);
            assertThat(d.status()).isEqualTo(to);
            if (to == BUILDING) {
                assertThat(d.startedAt()).isEqualTo(clock.instant());
                assertThat(d.finishedAt()).isNull();
            } else {
                assertThat(d.finishedAt()).isEqualTo(clock.instant());
                assertThat(d.buildTimeSeconds()).isEqualTo(from == BUILDING ? 42 : null);
            }
        } else {
            var before = DbSnapshot.of(db);
            assertThatThrownBy(() -> repo.transition(actors.scope(Actor.ORG_ADMIN), id, to))
                    .isInstanceOf(IllegalTransitionException.class)
                    .hasMessageContaining("cannot move from " + from.dbValue() + " to " + to.dbValue());
            assertThat(DbSnapshot.of(db)).isEqualTo(before);
        }
    }

    @Test
    void buildTimeIsComputedFromTheRecordedStartAndFinishTimes() {
        long id = repo.create(sys, actors.orgSite, new NewDeployment(null, null, null))
                .id();
        clock.advance(Duration.ofSeconds(5));
        repo.transition(sys, id, BUILDING);
        clock.advance(Duration.ofSeconds(95));
        Deployment done = repo.transition(sys, id, SUCCESS);
        assertThat(done.createdAt()).isEqualTo(T0);
        assertThat(done.startedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(100));
        assertThat(done.buildTimeSeconds()).isEqualTo(95);
    }

    @Test
    void orgMembersMayDeployAndTheDeployerIsRecorded() {
        // Members deploy the site's configured branch (another branch needs a manager: BranchAttackTest).
        Deployment d = repo.create(
                actors.scope(Actor.ORG_MEMBER), actors.orgSite, new NewDeployment("ABCDEF12", "Add login", "main"));
        assertThat(d.status()).isEqualTo(PENDING);
        assertThat(d.deployedBy()).isEqualTo(actors.id(Actor.ORG_MEMBER));
        assertThat(d.commitHash()).isEqualTo("abcdef12");
        assertThat(d.commitMessage()).isEqualTo("Add login");
        assertThat(d.branch()).isEqualTo("main");
        assertThat(auditActions()).containsExactly("deployment.create");
    }

    @Test
    void orgMembersCannotChangeTheStatusOfADeployment() {
        long id = deploymentIn(PENDING);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.transition(actors.scope(Actor.ORG_MEMBER), id, BUILDING))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aBranchDefaultsToTheSitesBranch() {
        assertThat(repo.create(sys, actors.orgSite, new NewDeployment(null, null, " "))
                        .branch())
                .isEqualTo("main");
    }

    @Test
    void badCommitHashIsRejectedAndNothingIsWritten() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.create(sys, actors.orgSite, new NewDeployment("not-a-hash!", null, null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("commitHash:");
        assertThatThrownBy(() -> repo.create(sys, actors.orgSite, new NewDeployment(null, "x".repeat(5000), null)))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void anInvisibleSiteIsReportedExactlyLikeAMissingOne() {
        long site = actors.orgSite;
        String hidden = messageOf(() -> repo.history(actors.scope(Actor.STRANGER), site, null, 10));
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.deleteFrom(SITES).where(SITES.ID.eq(site)).execute());
        String missing = messageOf(() -> repo.history(sys, site, null, 10));
        assertThat(hidden).isEqualTo(missing).isEqualTo("site " + site + " not found");
    }

    @Test
    void logChunksAreReadBackInOrder() {
        long id = deploymentIn(BUILDING);
        repo.appendLog(sys, id, "Cloning...\n");
        repo.appendLog(sys, id, "npm install\n");
        repo.appendLog(actors.scope(Actor.ORG_OWNER), id, "Build OK ✓\n");
        BuildLog log = repo.readLog(actors.scope(Actor.ORG_MEMBER), id);
        assertThat(log.text()).isEqualTo("Cloning...\nnpm install\nBuild OK ✓\n");
        assertThat(log.truncated()).isFalse();
        assertThat(log.archived()).isFalse();
        assertThat(count(DEPLOYMENT_LOG_CHUNKS, DEPLOYMENT_LOG_CHUNKS.DEPLOYMENT_ID.eq(id)))
                .isEqualTo(3);
        assertThat(repo.find(sys, id).logBytes())
                .isEqualTo("Cloning...\nnpm install\nBuild OK ✓\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        .length);
    }

    @Test
    void aLogOverTheCapKeepsWhatFitsAddsAMarkerAndDropsTheRest() {
        new SystemConfigRepository(db).set(sys, ConfigSettings.DEPLOYMENT_MAX_LOG_BYTES, 1024L);
        long id = deploymentIn(BUILDING);
        repo.appendLog(sys, id, "a".repeat(1000));
        int stored = repo.appendLog(sys, id, "é".repeat(20)); // 2 bytes each: only 12 fit
        assertThat(stored).isEqualTo(24);
        assertThat(repo.appendLog(sys, id, "more output")).isZero();
        BuildLog log = repo.readLog(sys, id);
        assertThat(log.truncated()).isTrue();
        assertThat(log.text()).isEqualTo("a".repeat(1000) + "é".repeat(12) + BuildLog.truncationMarker(1024));
    }

    @Test
    void logsAreAppendedOnlyWhileBuilding() {
        long pending = deploymentIn(PENDING);
        long done = deploymentIn(SUCCESS);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.appendLog(sys, pending, "x")).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> repo.appendLog(sys, done, "x")).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> repo.appendLog(sys, done, "")).isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void historyPagesNewestFirstWithoutGapsOrRepeats() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) ids.add(deploymentIn(PENDING));
        repo.create(sys, actors.personalSite, new NewDeployment(null, null, null)); // another site's: never listed
        List<Long> seen = new ArrayList<>();
        PageCursor before = null;
        int pages = 0;
        do {
            Page<Deployment> page = repo.history(actors.scope(Actor.ORG_MEMBER), actors.orgSite, before, 2);
            page.items().forEach(d -> seen.add(d.id()));
            before = page.next().orElse(null);
            pages++;
        } while (before != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(ids.reversed());
    }

    @Test
    void theRollbackTargetIsTheNewestSuccessfulDeployment() {
        assertThat(repo.latestSuccessful(sys, actors.orgSite)).isEmpty();
        deploymentIn(SUCCESS);
        long newestSuccess = deploymentIn(SUCCESS);
        deploymentIn(FAILED);
        deploymentIn(BUILDING);
        assertThat(repo.latestSuccessful(actors.scope(Actor.ORG_MEMBER), actors.orgSite))
                .map(Deployment::id)
                .contains(newestSuccess);
    }

    @Test
    void logsOlderThanTheArchivePeriodAreCompressedAndStillReadable() {
        long old = deploymentIn(BUILDING);
        repo.appendLog(sys, old, "line 1\n");
        repo.appendLog(sys, old, "line 2\n");
        repo.transition(sys, old, FAILED);
        clock.advance(Duration.ofDays(50));
        long recent = deploymentIn(BUILDING);
        repo.appendLog(sys, recent, "recent\n");
        repo.transition(sys, recent, SUCCESS);
        long running = deploymentIn(BUILDING);
        clock.advance(Duration.ofDays(41)); // old finished 91 days ago, recent 41
        int auditRows = count(AUDIT_LOG, org.jooq.impl.DSL.noCondition());

        assertThat(repo.archiveOldLogs(sys, 100)).isEqualTo(1);

        BuildLog archived = repo.readLog(actors.scope(Actor.ORG_MEMBER), old);
        assertThat(archived.archived()).isTrue();
        assertThat(archived.text()).isEqualTo("line 1\nline 2\n");
        assertThat(count(DEPLOYMENT_LOG_CHUNKS, DEPLOYMENT_LOG_CHUNKS.DEPLOYMENT_ID.eq(old)))
                .isZero();
        assertThat(repo.find(sys, old).status()).isEqualTo(FAILED);
        assertThat(repo.readLog(sys, recent).archived()).isFalse();
        assertThat(repo.find(sys, running).logArchivedAt()).isNull();
        assertThat(count(AUDIT_LOG, org.jooq.impl.DSL.noCondition())).isEqualTo(auditRows + 1);
        assertThat(repo.archiveOldLogs(sys, 100)).isZero();
    }

    @Test
    void archivalIsSwitchedOffByLogArchiveEnabledAndResumesWhenSwitchedOn() {
        long old = deploymentIn(BUILDING);
        repo.appendLog(sys, old, "kept in chunks\n");
        repo.transition(sys, old, FAILED);
        clock.advance(Duration.ofDays(91));
        SystemConfigRepository config = new SystemConfigRepository(db);
        config.set(sys, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED, false);
        var before = DbSnapshot.of(db);

        assertThat(repo.archiveOldLogs(sys, 100)).isZero();

        assertThat(DbSnapshot.of(db)).isEqualTo(before); // no archive row, no chunk deleted, no audit row
        BuildLog log = repo.readLog(sys, old);
        assertThat(log.archived()).isFalse();
        assertThat(log.text()).isEqualTo("kept in chunks\n");

        config.set(sys, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED, true);
        assertThat(repo.archiveOldLogs(sys, 100)).isEqualTo(1);
        assertThat(repo.readLog(sys, old).archived()).isTrue();
    }

    @Test
    void everyDeploymentChangeWritesExactlyOneAuditRowAndLogOutputWritesNone() {
        long id = repo.create(sys, actors.orgSite, new NewDeployment(null, null, null))
                .id();
        repo.transition(sys, id, BUILDING);
        repo.appendLog(sys, id, "x");
        repo.transition(sys, id, SUCCESS);
        assertThat(auditActions()).containsExactly("deployment.create", "deployment.status", "deployment.status");
        List<String> details = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ACTION.eq("deployment.status"))
                        .fetch(AUDIT_LOG.DETAILS));
        assertThat(details)
                .containsExactly(
                        "{\"from\":\"pending\",\"to\":\"building\"}", "{\"from\":\"building\",\"to\":\"success\"}");
    }

    @Test
    void storedTimesUseTheDatabaseTextFormat() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(),
                "SQLite stores times as UTC text; PostgreSQL as timestamptz (EngineRoundTripPropertyTest)");
        long id = deploymentIn(BUILDING);
        // Compared as raw text so the check does not go through the binding under test.
        assertThat(count(
                        DEPLOYMENTS,
                        org.jooq.impl.DSL.condition("id = ? and started_at = ?", id, StoredTime.format(T0))))
                .isEqualTo(1);
        assertThat(StoredTime.format(T0)).isEqualTo("2026-03-01 10:00:00.000");
    }

    private int count(org.jooq.Table<?> table, org.jooq.Condition where) {
        return db.read(TestDb.system(db), dsl -> dsl.fetchCount(table, where));
    }

    List<String> auditActions() {
        return TestDb.auditActions(db);
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
        } catch (NotFoundException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected NotFoundException");
    }
}
