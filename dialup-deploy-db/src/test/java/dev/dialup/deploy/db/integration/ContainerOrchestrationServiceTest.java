package dev.dialup.deploy.db.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.Deployment;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.HealthStatus;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.deploy.ProcessInfo;
import dev.dialup.deploy.db.deploy.ProcessSpec;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class ContainerOrchestrationServiceTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    ActorWorld actors;
    SecretsKeyset keyset = SecretsKeyset.generate();
    ContainerOrchestration orchestrator;
    AccessScope sys;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        orchestrator = new ContainerOrchestrationService(db, keyset);
        sys = db.systemScope("orchestrator");
    }

    @Test
    void theOrchestratorStartsAContainerWithTheSitesDecryptedEnvironment() {
        EnvironmentRepository env = new EnvironmentRepository(db, keyset);
        env.set(actors.scope(Actor.ORG_ADMIN), actors.orgSite, "DATABASE_URL", "postgres://u:pw@db/acme", true);
        env.set(actors.scope(Actor.ORG_ADMIN), actors.orgSite, "NODE_ENV", "production", false);
        assertThat(orchestrator.environmentFor(sys, actors.orgSite))
                .containsExactly(
                        Map.entry("DATABASE_URL", "postgres://u:pw@db/acme"), Map.entry("NODE_ENV", "production"));

        ProcessInfo p = orchestrator.registerContainer(
                sys, ProcessSpec.container("acme-web-1", actors.orgSite, "9f1c2e", 3000, clock.instant()));
        assertThat(orchestrator.containersOfSite(sys, actors.orgSite)).containsExactly(p);
        assertThat(orchestrator.dueForHealthCheck(sys, 10))
                .extracting(ProcessInfo::id)
                .containsExactly("acme-web-1");
        orchestrator.recordHealthCheck(sys, "acme-web-1", true, null);
        assertThat(orchestrator.dueForHealthCheck(sys, 10)).isEmpty();
        clock.advance(Duration.ofSeconds(61)); // health.check_interval_seconds = 60
        assertThat(orchestrator.dueForHealthCheck(sys, 10))
                .extracting(ProcessInfo::healthStatus)
                .containsExactly(HealthStatus.HEALTHY);
        orchestrator.updateContainer(
                sys,
                ProcessSpec.container("acme-web-1", actors.orgSite, "9f1c2e", 3000, clock.instant())
                        .withStatus("stopped"));
        assertThat(orchestrator.unhealthy(sys, 10)).isEmpty();
        orchestrator.removeContainer(sys, "acme-web-1");
        assertThat(orchestrator.containersOfSite(sys, actors.orgSite)).isEmpty();
    }

    @Test
    void deploymentHistoryAndRollbackTargetComeFromTheDeployments() {
        DeploymentRepository deployments = new DeploymentRepository(db);
        long good = deployments
                .create(sys, actors.orgSite, new NewDeployment("aaaa1111", null, null))
                .id();
        deployments.transition(sys, good, DeploymentStatus.BUILDING);
        deployments.transition(sys, good, DeploymentStatus.SUCCESS);
        long bad = deployments
                .create(sys, actors.orgSite, new NewDeployment("bbbb2222", null, null))
                .id();
        deployments.transition(sys, bad, DeploymentStatus.BUILDING);
        deployments.transition(sys, bad, DeploymentStatus.FAILED);
        assertThat(orchestrator.deploymentHistory(sys, actors.orgSite, null, 10).items())
                .extracting(Deployment::id)
                .containsExactly(bad, good);
        assertThat(orchestrator.rollbackTarget(sys, actors.orgSite))
                .map(Deployment::commitHash)
                .contains("aaaa1111");
    }

    @Test
    void everyOrchestrationCallNeedsTheSystemScope() {
        AccessScope admin = actors.scope(Actor.SYSTEM_ADMIN);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> orchestrator.environmentFor(admin, actors.orgSite))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orchestrator.deploymentHistory(admin, actors.orgSite, null, 10))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orchestrator.rollbackTarget(admin, actors.orgSite))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orchestrator.dueForHealthCheck(admin, 10)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orchestrator.registerContainer(
                        admin, ProcessSpec.container("x", actors.orgSite, "c", 1, clock.instant())))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
