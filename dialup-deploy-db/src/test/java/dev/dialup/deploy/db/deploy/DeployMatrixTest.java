package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.SystemConfigRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.ActorWorld.Rule;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.MatrixHarness;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cross-tenant matrix for every public method of DeploymentRepository, ProcessRepository,
 * EnvironmentRepository and SystemConfigRepository × every actor. Allowed calls succeed;
 * denied calls raise the documented error (NotFoundException for sites the actor cannot
 * see, AccessDeniedException for a visible site without the role or a reserved operation)
 * and leave every table unchanged ({@link MatrixHarness}). Actors: {@link ActorWorld}, each aiming
 * at {@link ActorWorld#targetSite}.
 */
@BothEngines
public class DeployMatrixTest {
    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    private static DialupDatabase db;

    public static Set<String> coveredMethods() {
        Set<String> names = new TreeSet<>();
        cases(null).forEach(c -> names.add(c.method()));
        return names;
    }

    /** Runs as the system scope before the call under test; returns what the call needs. */
    interface Arrange {
        Object prepare(long siteId);
    }

    interface Call {
        Object run(AccessScope scope, long siteId, Object prepared);
    }

    record Case(String method, Rule rule, Arrange arrange, Call call) {}

    @TestFactory
    Stream<DynamicContainer> everyMethodForEveryActor() {
        db = TEMP.db();
        World w = new World(db);
        return cases(w).stream()
                .map(c -> DynamicContainer.dynamicContainer(
                        c.method() + " [" + c.rule() + "]",
                        Stream.of(Actor.values()).map(a -> DynamicTest.dynamicTest(a.name(), () -> check(w, c, a)))));
    }

    private static void check(World w, Case c, Actor actor) throws Exception {
        long site = w.actors.targetSite(actor);
        Object prepared = c.arrange().prepare(site);
        AccessScope scope = w.actors.scope(actor);
        MatrixHarness.check(db, c.rule().outcome(actor), () -> c.call().run(scope, site, prepared));
    }

    /** The repositories and helpers the cases use; null when only the method names are wanted. */
    static final class World {
        final ActorWorld actors;
        final DeploymentRepository deployments;
        final ProcessRepository processes;
        final EnvironmentRepository environment;
        final SystemConfigRepository config;
        final AtomicInteger counter = new AtomicInteger();

        World(DialupDatabase db) {
            actors = ActorWorld.create(db);
            deployments = new DeploymentRepository(db);
            processes = new ProcessRepository(db);
            environment = new EnvironmentRepository(db, SecretsKeyset.generate());
            config = new SystemConfigRepository(db);
        }

        AccessScope sys() {
            return actors.system();
        }

        long deployment(long site, DeploymentStatus... path) {
            long id = deployments
                    .create(sys(), site, new NewDeployment("abc123", "msg", "main"))
                    .id();
            for (DeploymentStatus s : path) deployments.transition(sys(), id, s);
            return id;
        }

        String process(long site) {
            String id = "proc-" + counter.incrementAndGet();
            processes.register(
                    sys(),
                    ProcessSpec.container(id, site, "c" + counter.get(), 3000, Instant.parse("2026-01-01T00:00:00Z")));
            return id;
        }
    }

    private static List<Case> cases(World w) {
        List<Case> out = new ArrayList<>();
        Arrange nothing = site -> null;
        // Deployments
        out.add(new Case(
                "DeploymentRepository#create",
                Rule.READ_SITE,
                nothing,
                (s, site, p) -> w.deployments.create(s, site, new NewDeployment("deadbeef", "fix", "main"))));
        out.add(new Case(
                "DeploymentRepository#find",
                Rule.READ_SITE,
                site -> w.deployment(site),
                (s, site, p) -> w.deployments.find(s, (Long) p)));
        out.add(new Case(
                "DeploymentRepository#transition",
                Rule.MANAGE_SITE,
                site -> w.deployment(site),
                (s, site, p) -> w.deployments.transition(s, (Long) p, DeploymentStatus.BUILDING)));
        out.add(new Case(
                "DeploymentRepository#appendLog",
                Rule.MANAGE_SITE,
                site -> w.deployment(site, DeploymentStatus.BUILDING),
                (s, site, p) -> w.deployments.appendLog(s, (Long) p, "step 1\n")));
        out.add(new Case(
                "DeploymentRepository#readLog",
                Rule.READ_SITE,
                site -> {
                    long id = w.deployment(site, DeploymentStatus.BUILDING);
                    w.deployments.appendLog(w.sys(), id, "hello\n");
                    return id;
                },
                (s, site, p) -> w.deployments.readLog(s, (Long) p)));
        out.add(new Case(
                "DeploymentRepository#history",
                Rule.READ_SITE,
                site -> w.deployment(site),
                (s, site, p) -> w.deployments.history(s, site, null, 10)));
        out.add(new Case(
                "DeploymentRepository#latestSuccessful",
                Rule.READ_SITE,
                site -> w.deployment(site, DeploymentStatus.BUILDING, DeploymentStatus.SUCCESS),
                (s, site, p) -> w.deployments.latestSuccessful(s, site)));
        out.add(new Case(
                "DeploymentRepository#archiveOldLogs",
                Rule.ADMIN,
                site -> {
                    long id = w.deployment(site, DeploymentStatus.BUILDING);
                    w.deployments.appendLog(w.sys(), id, "old output\n");
                    w.deployments.transition(w.sys(), id, DeploymentStatus.SUCCESS);
                    db.writeVoid(
                            TestDb.system(db),
                            tx -> tx.update(DEPLOYMENTS)
                                    .set(DEPLOYMENTS.FINISHED_AT, Instant.now().minus(Duration.ofDays(200)))
                                    .where(DEPLOYMENTS.ID.eq(id))
                                    .execute());
                    return id;
                },
                (s, site, p) -> {
                    assertThat(w.deployments.archiveOldLogs(s, 100)).isPositive();
                    return null;
                }));
        // Processes: system scope only
        out.add(new Case(
                "ProcessRepository#register",
                Rule.SYSTEM,
                nothing,
                (s, site, p) -> w.processes.register(
                        s,
                        ProcessSpec.container(
                                "reg-" + w.counter.incrementAndGet(),
                                site,
                                "creg" + w.counter.get(),
                                3000,
                                Instant.now()))));
        out.add(new Case(
                "ProcessRepository#update",
                Rule.SYSTEM,
                site -> w.process(site),
                (s, site, p) -> w.processes.update(
                        s,
                        ProcessSpec.container((String) p, site, "cnew", 3001, Instant.now())
                                .withStatus("stopped"))));
        out.add(new Case("ProcessRepository#remove", Rule.SYSTEM, site -> w.process(site), (s, site, p) -> {
            w.processes.remove(s, (String) p);
            return null;
        }));
        out.add(new Case(
                "ProcessRepository#find",
                Rule.SYSTEM,
                site -> w.process(site),
                (s, site, p) -> w.processes.find(s, (String) p)));
        out.add(new Case(
                "ProcessRepository#listForSite",
                Rule.SYSTEM,
                site -> w.process(site),
                (s, site, p) -> w.processes.listForSite(s, site)));
        out.add(new Case(
                "ProcessRepository#recordHealthCheck",
                Rule.SYSTEM,
                site -> w.process(site),
                (s, site, p) -> w.processes.recordHealthCheck(s, (String) p, false, "timeout")));
        out.add(new Case(
                "ProcessRepository#dueForHealthCheck",
                Rule.SYSTEM,
                site -> w.process(site),
                (s, site, p) -> w.processes.dueForHealthCheck(s, Duration.ofSeconds(60), 10)));
        out.add(new Case(
                "ProcessRepository#unhealthy", Rule.SYSTEM, nothing, (s, site, p) -> w.processes.unhealthy(s, 10)));
        // Environment variables and secrets
        out.add(new Case(
                "EnvironmentRepository#set",
                Rule.MANAGE_SITE,
                nothing,
                (s, site, p) -> w.environment.set(s, site, "API_TOKEN", "s3cr3t-value", true)));
        out.add(new Case(
                "EnvironmentRepository#get",
                Rule.READ_SITE,
                site -> w.environment.set(w.sys(), site, "DB_PASSWORD", "hunter2", true),
                (s, site, p) -> w.environment.get(s, site, "DB_PASSWORD")));
        out.add(new Case(
                "EnvironmentRepository#list",
                Rule.READ_SITE,
                site -> w.environment.set(w.sys(), site, "NODE_ENV", "production", false),
                (s, site, p) -> w.environment.list(s, site)));
        out.add(new Case(
                "EnvironmentRepository#delete",
                Rule.MANAGE_SITE,
                site -> w.environment.set(w.sys(), site, "TEMP_VAR", "x", false),
                (s, site, p) -> {
                    w.environment.delete(s, site, "TEMP_VAR");
                    return null;
                }));
        out.add(new Case(
                "EnvironmentRepository#resolveForContainer",
                Rule.SYSTEM,
                site -> w.environment.set(w.sys(), site, "DB_PASSWORD", "hunter2", true),
                (s, site, p) -> w.environment.resolveForContainer(s, site)));
        out.add(new Case(
                "EnvironmentRepository#reencryptSecrets",
                Rule.ADMIN,
                nothing,
                (s, site, p) -> w.environment.reencryptSecrets(s, 10, null)));
        out.add(new Case(
                "EnvironmentRepository#keysInUse", Rule.ADMIN, nothing, (s, site, p) -> w.environment.keysInUse(s)));
        out.add(new Case(
                "EnvironmentRepository#canRetire",
                Rule.ADMIN,
                nothing,
                (s, site, p) -> w.environment.canRetire(s, 42)));
        // System config
        out.add(new Case(
                "SystemConfigRepository#get",
                Rule.ACTIVE,
                nothing,
                (s, site, p) -> w.config.get(s, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER)));
        out.add(new Case("SystemConfigRepository#list", Rule.ACTIVE, nothing, (s, site, p) -> w.config.list(s)));
        out.add(new Case("SystemConfigRepository#set", Rule.ADMIN, nothing, (s, site, p) -> {
            w.config.set(s, ConfigSettings.PLATFORM_NAME, "dialup-" + w.counter.incrementAndGet());
            return null;
        }));
        return out;
    }
}
