package dev.dialup.deploy.db.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input at every repository edge: a typed {@link ValidationException} naming the field,
 * and not one row written anywhere. The caller is always allowed to make the call, so only
 * the input is wrong.
 */
@BothEngines
class BadInputTest {
    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    static DialupDatabase db;
    static ActorWorld w;
    static Map<String, List<String>> world;

    @BeforeAll
    static void open() {
        db = TEMP.db();
        w = ActorWorld.create(db).withLoginsAndHistory();
        world = DbSnapshot.of(db);
    }

    static final String CONTROL = "bad\u0007name";
    static final String NUL = "bad\u0000name";

    static Stream<Arguments> badInputs() {
        UserRepository users = new UserRepository(db);
        OrganizationRepository orgs = new OrganizationRepository(db);
        SiteRepository sites = new SiteRepository(db);
        SiteLimitsRepository limits = new SiteLimitsRepository(db);
        SiteDomainRepository domains = new SiteDomainRepository(db);
        AccessScope sys = w.systemScope;
        AccessScope owner = w.scopes.get(Actor.ORG_OWNER);
        long me = w.id(Actor.ORG_OWNER);
        Consumer<String> username = u -> users.register(sys, u, "fine@example.com", "a fine password", null);
        Consumer<String> email = e -> users.register(sys, "fine", e, "a fine password", null);
        Consumer<String> password = p -> users.register(sys, "fine", "fine@example.com", p, null);
        Consumer<String> orgSlug = s -> orgs.create(owner, "Fine Org", s, null);
        Consumer<String> siteSlug =
                s -> sites.create(owner, new NewSite("Fine Site", s, SiteType.STATIC, null, SiteConfig.defaults()));
        Consumer<String> domain = d -> domains.add(owner, w.orgSite, d);
        return Stream.of(
                bad("username", "empty username", username, ""),
                bad("username", "blank username", username, "   "),
                bad("username", "null username", username, null),
                bad("username", "too short username", username, "ab"),
                bad("username", "33-character username", username, "a".repeat(33)),
                bad("username", "username with a space", username, "ann smith"),
                bad("username", "username with a control character", username, CONTROL),
                bad("username", "username with NUL", username, NUL),
                bad("username", "username with an emoji", username, "ann\uD83D\uDE00"),
                bad("username", "username ending in a dot", username, "ann."),
                bad("email", "empty email", email, ""),
                bad("email", "email without @", email, "ann.example.com"),
                bad("email", "email with two @", email, "ann@b@example.com"),
                bad("email", "email without domain dot", email, "ann@localhost"),
                bad("email", "email with a space", email, "ann smith@example.com"),
                bad("email", "email with a control character", email, "ann\u0001@example.com"),
                bad("email", "oversized email", email, "a".repeat(250) + "@example.com"),
                bad("email", "email with 65-character local part", email, "a".repeat(65) + "@example.com"),
                bad("password", "empty password", password, ""),
                bad("password", "short password", password, "short"),
                bad("password", "73-byte password", password, "p".repeat(73)),
                bad("password", "73-byte multi-byte password", password, "\u00e9".repeat(36) + "p"),
                bad("password", "password with a control character", password, "long enough\u0000password"),
                bad("slug", "empty organization slug", orgSlug, ""),
                bad("slug", "organization slug with upper-case and space", orgSlug, "my org"),
                bad("slug", "64-character organization slug", orgSlug, "a".repeat(64)),
                bad("slug", "organization slug with double dash", orgSlug, "a--b"),
                bad("slug", "organization slug with a control character", orgSlug, "org\u0007"),
                bad("slug", "site slug with leading dash", siteSlug, "-site"),
                bad("slug", "site slug with underscore", siteSlug, "my_site"),
                bad("slug", "blank site slug", siteSlug, " "),
                bad("domain", "empty domain", domain, ""),
                bad("domain", "single-label domain", domain, "localhost"),
                bad("domain", "domain with a space", domain, "my site.example"),
                bad("domain", "domain with a control character", domain, "exa\u0007mple.com"),
                bad("domain", "wildcard domain", domain, "*.example.com"),
                bad("domain", "IP address", domain, "10.0.0.1"),
                bad("domain", "label longer than 63", domain, "a".repeat(64) + ".example.com"),
                bad("domain", "domain longer than 253", domain, ("abcdefghi.").repeat(26) + "com"),
                bad("domain", "label with leading dash", domain, "-bad.example.com"),
                bad("domain", "domain with a path", domain, "example.com/path"),
                bad("name", "empty organization name", n -> orgs.create(owner, n, null, null), ""),
                bad(
                        "name",
                        "organization name with a control character",
                        n -> orgs.create(owner, n, null, null),
                        CONTROL),
                bad("name", "101-character organization name", n -> orgs.create(owner, n, null, null), "n".repeat(101)),
                bad("name", "empty rename", n -> orgs.rename(owner, w.orgA, n), ""),
                bad("name", "empty site name", n -> sites.create(owner, NewSite.personal(n, SiteType.STATIC)), " "),
                bad(
                        "name",
                        "site name with a newline",
                        n -> sites.create(owner, NewSite.personal(n, SiteType.STATIC)),
                        "two\nlines"),
                bad(
                        "displayName",
                        "display name with a control character",
                        n -> users.register(sys, "fine", "fine@example.com", "a fine password", n),
                        CONTROL),
                bad(
                        "port",
                        "port zero",
                        p -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withPort(Integer.parseInt(p))),
                        "0"),
                bad(
                        "port",
                        "port 65536",
                        p -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withPort(Integer.parseInt(p))),
                        "65536"),
                bad(
                        "repositoryUrl",
                        "repository URL without scheme",
                        u -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withRepository(u, "main")),
                        "example.com/repo.git"),
                bad(
                        "branch",
                        "branch with a space",
                        b -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withRepository(null, b)),
                        "my branch"),
                bad(
                        "subdomain",
                        "subdomain with a dot",
                        s -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withDomain(null, s)),
                        "a.b"),
                bad(
                        "domain",
                        "site domain that is not a host",
                        d -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withDomain(d, null)),
                        "not a host"),
                bad(
                        "buildCommand",
                        "build command with a control character",
                        c -> sites.update(
                                owner, w.orgSite, SiteConfig.defaults().withCommands(c, null)),
                        "npm run build\u001b[0m"),
                bad(
                        "memoryMb",
                        "zero memory limit",
                        v -> limits.set(
                                owner, w.orgSite, new ResourceLimits(Integer.parseInt(v), 50, 1024, 1024, 1000)),
                        "0"),
                bad(
                        "cpuPercent",
                        "negative CPU limit",
                        v -> limits.set(
                                owner, w.orgSite, new ResourceLimits(512, Integer.parseInt(v), 1024, 1024, 1000)),
                        "-5"),
                bad(
                        "diskMb",
                        "disk limit above the system maximum",
                        v -> limits.set(owner, w.orgSite, new ResourceLimits(512, 50, Integer.parseInt(v), 1024, 1000)),
                        "1048577"),
                bad(
                        "role",
                        "owner role handed out by addMember",
                        v -> orgs.addMember(owner, w.orgA, w.outsider, OrgRole.valueOf(v)),
                        "OWNER"),
                bad("limit", "page size zero", v -> sites.list(owner, null, null, Integer.parseInt(v)), "0"),
                bad("limit", "page size above 500", v -> sites.list(owner, null, null, Integer.parseInt(v)), "501"),
                bad(
                        "newPassword",
                        "73-byte password on change",
                        v -> users.changePassword(owner, me, ActorWorld.PASSWORD, v),
                        "x".repeat(73)));
    }

    static Arguments bad(String field, String description, Consumer<String> call, String input) {
        return Arguments.of(description, field, call, input);
    }

    @ParameterizedTest(name = "{0} is refused")
    @MethodSource("badInputs")
    void badInputRaisesATypedErrorAndWritesNothing(
            String description, String field, Consumer<String> call, String input) {
        Throwable t = catchThrowable(() -> call.accept(input));

        assertThat(t).as(description).isInstanceOf(ValidationException.class);
        assertThat(((ValidationException) t).field()).isEqualTo(field);
        if (input != null && input.length() >= 8) {
            assertThat(t.getMessage()).as("the message does not echo the input").doesNotContain(input);
        }
        assertThat(DbSnapshot.of(db)).isEqualTo(world);
    }
}
