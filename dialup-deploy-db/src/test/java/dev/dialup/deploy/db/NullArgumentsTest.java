package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.SystemConfigRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.ProcessRepository;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.UsageRecorder;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The null rule (docs/architecture.md): a null where a value is required — the scope included —
 * is a ValidationException naming the parameter, never a NullPointerException, and writes nothing.
 */
@BothEngines
class NullArgumentsTest {
    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    static DialupDatabase db;
    static AccessScope owner;
    static long site;
    static Map<String, java.util.List<String>> world;

    private static AccessScope system() {
        return TestDb.system(db, "null-test");
    }

    @BeforeAll
    static void open() {
        db = TEMP.db();
        Fixtures f = new Fixtures(db);
        long u = f.user("owner");
        site = f.personalSite("Null Site", u);
        owner = new AccessScopes(db).forUser(u);
        world = DbSnapshot.of(db);
    }

    static Arguments call(String description, String field, Runnable call) {
        return Arguments.of(description, field, call);
    }

    static Stream<Arguments> nulls() {
        SiteRepository sites = new SiteRepository(db);
        SiteDomainRepository domains = new SiteDomainRepository(db);
        SiteLimitsRepository limits = new SiteLimitsRepository(db);
        OrganizationRepository orgs = new OrganizationRepository(db);
        UserRepository users = new UserRepository(db);
        DeploymentRepository deployments = new DeploymentRepository(db);
        ProcessRepository processes = new ProcessRepository(db);
        EnvironmentRepository env = new EnvironmentRepository(db, SecretsKeyset.generate());
        SystemConfigRepository config = new SystemConfigRepository(db);
        UsageRepository usage = new UsageRepository(db);
        return Stream.of(
                call("site create without a site", "site", () -> sites.create(owner, null)),
                call("site update without a config", "config", () -> sites.update(owner, site, null)),
                call("site find without a scope", "scope", () -> sites.find(null, site)),
                call("site list without a scope", "scope", () -> sites.list(null, null, null, 10)),
                call("site delete without a scope", "scope", () -> sites.delete(null, site)),
                call("domain add without a domain", "domain", () -> domains.add(owner, site, null)),
                call("domain list without a scope", "scope", () -> domains.list(null, site)),
                call("limits set without limits", "limits", () -> limits.set(owner, site, null)),
                call("organization create without a name", "name", () -> orgs.create(owner, null, null, null)),
                call("organizations of no scope", "scope", () -> orgs.listMine(null)),
                call("member added without a role", "role", () -> orgs.addMember(owner, 1, 1, null)),
                call(
                        "register without a username",
                        "username",
                        () -> users.register(system(), null, "a@example.com", "a fine password", null)),
                call(
                        "register without a scope",
                        "scope",
                        () -> users.register(null, "someone", "a@example.com", "a fine password", null)),
                call("deployment without a request", "request", () -> deployments.create(owner, site, null)),
                call(
                        "deployment transition without a status",
                        "status",
                        () -> deployments.transition(system(), 1, null)),
                call("process register without a spec", "spec", () -> processes.register(system(), null)),
                call("process find without an id", "processId", () -> processes.find(system(), null)),
                call("process remove without an id", "processId", () -> processes.remove(system(), null)),
                call(
                        "health check without an id",
                        "processId",
                        () -> processes.recordHealthCheck(system(), null, true, null)),
                call("due checks without a window", "olderThan", () -> processes.dueForHealthCheck(system(), null, 10)),
                call("env set without a value", "value", () -> env.set(owner, site, "KEY", null, true)),
                call("env set without a key", "key", () -> env.set(owner, site, null, "v", false)),
                call("config get without a setting", "setting", () -> config.get(system(), null)),
                call("usage sample without a sample", "sample", () -> usage.record(system(), null)),
                call("usage recorder without a scope", "scope", () -> usage.recorder(null)),
                call("usage recorder without settings", "settings", () -> usage.recorder(system(), null)),
                call("recorded usage sample without a sample", "sample", () -> {
                    try (UsageRecorder recorder = usage.recorder(system())) {
                        recorder.record(null);
                    }
                }),
                call(
                        "config set without a value",
                        "platform.name",
                        () -> config.set(system(), ConfigSettings.PLATFORM_NAME, null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nulls")
    void aNullArgumentIsAValidationExceptionNamingTheParameter(String description, String field, Runnable call) {
        Throwable t = catchThrowable(call::run);

        assertThat(t).as(description).isInstanceOf(ValidationException.class);
        assertThat(((ValidationException) t).field()).isEqualTo(field);
        assertThat(DbSnapshot.of(db)).isEqualTo(world);
    }
}
