package dev.dialup.deploy.db.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.SystemConfigRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unicode at the edges (issue 10): lone surrogates refused wherever text is accepted; bidi
 * controls and invisible format characters refused in what other people see; names unique on
 * their NFKC_Casefold key. Every refusal writes nothing; every accepted value round-trips exactly.
 */
@BothEngines
class UnicodeInputTest {
    static final String LONE_HIGH = "ab\uD800cd";
    static final String LONE_LOW = "ab\uDC00cd";
    static final String SURROGATE_PROBLEM = "must be valid Unicode (it contains a lone UTF-16 surrogate)";
    static final String INVISIBLE_PROBLEM = "must not contain bidi controls or invisible format characters";

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    UserRepository users;
    OrganizationRepository orgs;
    SiteRepository sites;
    EnvironmentRepository env;
    DeploymentRepository deployments;
    SystemConfigRepository config;
    AccessScope owner;
    long site;
    long deployment;
    long plainOrg;
    long ownerId;

    private AccessScope system() {
        return TestDb.system(db, "unicode-test");
    }

    @BeforeEach
    void open() {
        db = temp.db();
        users = new UserRepository(db);
        orgs = new OrganizationRepository(db);
        sites = new SiteRepository(db);
        env = new EnvironmentRepository(db, SecretsKeyset.generate());
        deployments = new DeploymentRepository(db);
        config = new SystemConfigRepository(db);
        Fixtures f = new Fixtures(db);
        long u = f.user("owner");
        ownerId = u;
        plainOrg = f.org("Plain Org", u);
        owner = new AccessScopes(db).forUser(u);
        site = f.personalSite("Unicode Site", u);
        deployment = deployments
                .create(system(), site, new NewDeployment(null, null, null))
                .id();
        deployments.transition(system(), deployment, DeploymentStatus.BUILDING);
    }

    record Call(String description, String field, Consumer<String> call) {}

    Stream<Call> textInputs() {
        return Stream.of(
                new Call(
                        "display name",
                        "displayName",
                        v -> users.register(system(), "newuser", "new@example.com", "a fine password", v)),
                new Call("organization name", "name", v -> orgs.create(owner, v, null, null)),
                new Call(
                        "site name",
                        "name",
                        v -> sites.create(owner, new NewSite(v, null, SiteType.STATIC, null, SiteConfig.defaults()))),
                new Call(
                        "site description",
                        "description",
                        v -> sites.update(owner, site, SiteConfig.defaults().withDescription(v))),
                new Call("plain env value", "value", v -> env.set(owner, site, "PLAIN", v, false)),
                new Call("secret env value", "value", v -> env.set(owner, site, "SECRET", v, true)),
                new Call("build log chunk", "chunk", v -> deployments.appendLog(system(), deployment, v)),
                new Call(
                        "commit message",
                        "commitMessage",
                        v -> deployments.create(system(), site, new NewDeployment(null, v, null))),
                new Call("platform.name", "platform.name", v -> config.set(system(), ConfigSettings.PLATFORM_NAME, v)),
                new Call(
                        "password",
                        "password",
                        v -> users.register(system(), "newuser", "new@example.com", "password" + v, null)));
    }

    @Test
    void loneSurrogatesAreRefusedEverywhereTextIsAccepted() {
        var before = DbSnapshot.of(db);
        textInputs().forEach(c -> {
            for (String bad : new String[] {LONE_HIGH, LONE_LOW, "\uDBFF", "x\uDC00\uD800y"}) {
                Throwable t = catchThrowable(() -> c.call().accept(bad));
                assertThat(t)
                        .as(c.description())
                        .isInstanceOf(ValidationException.class)
                        .hasMessage(c.field() + ": " + SURROGATE_PROBLEM);
            }
        });
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    static Stream<Arguments> invisible() {
        return Stream.of(
                        "\u202E",
                        "\u202A",
                        "\u202D",
                        "\u2066",
                        "\u2069",
                        "\u200E",
                        "\u200F",
                        "\u061C",
                        "\u200B",
                        "\u2060",
                        "\uFEFF",
                        "\u00AD",
                        "\uDB40\uDC41")
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "U+{0} is refused in names people see")
    @MethodSource("invisible")
    void bidiControlsAndInvisibleFormatCharactersAreRefusedInNamesPeopleSee(String ch) {
        var before = DbSnapshot.of(db);
        String evil = "admin" + ch + "txt";
        for (Call c : new Call[] {
            new Call(
                    "display name",
                    "displayName",
                    v -> users.register(system(), "newuser", "new@example.com", "a fine password", v)),
            new Call("organization name", "name", v -> orgs.create(owner, v, null, null)),
            new Call("organization rename", "name", v -> orgs.rename(owner, plainOrg, v)),
            new Call(
                    "site name",
                    "name",
                    v -> sites.create(owner, new NewSite(v, null, SiteType.STATIC, null, SiteConfig.defaults()))),
            new Call("platform.name", "platform.name", v -> config.set(system(), ConfigSettings.PLATFORM_NAME, v))
        }) {
            Throwable t = catchThrowable(() -> c.call().accept(evil));
            assertThat(t)
                    .as(c.description())
                    .isInstanceOf(ValidationException.class)
                    .hasMessage(c.field() + ": " + INVISIBLE_PROBLEM);
        }
        // Usernames and slugs are ASCII by their own rules; the same characters never get in.
        assertThat(catchThrowable(
                        () -> users.register(system(), "ad" + ch + "min", "new@example.com", "a fine password", null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("username: ");
        assertThat(catchThrowable(() -> orgs.create(owner, "Fine Org", "fine" + ch + "org", null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("slug: ");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aJoinerThatDoesNotJoinTwoVisibleCharactersIsRefused() {
        var before = DbSnapshot.of(db);
        for (String name : new String[] {"admin\u200D", "\u200Cadmin", "ad \u200D min", "ad\u200D\u200Dmin"}) {
            assertThat(catchThrowable(() -> orgs.create(owner, name, null, null)))
                    .as(name)
                    .isInstanceOf(ValidationException.class)
                    .hasMessage("name: " + INVISIBLE_PROBLEM);
        }
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void visibleUnicodeRoundTripsExactly() {
        String emojiFamily = "Zoë 👩\u200D💻"; // ZWJ between two emoji: allowed
        String persian = "می\u200Cخواهم"; // ZWNJ inside a word: allowed
        String rtl = "שלום עולם";
        assertThat(users.register(system(), "zoe", "zoe@example.com", "a fine password", emojiFamily)
                        .displayName())
                .isEqualTo(emojiFamily);
        assertThat(orgs.create(owner, persian, null, null).name()).isEqualTo(persian);
        assertThat(sites.create(owner, new NewSite(rtl, null, SiteType.STATIC, null, SiteConfig.defaults()))
                        .name())
                .isEqualTo(rtl);
        env.set(owner, site, "SECRET", "🔑 clé", true);
        assertThat(env.get(owner, site, "SECRET").secretValue().reveal()).isEqualTo("🔑 clé");
        env.set(owner, site, "PLAIN", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", false);
        assertThat(env.get(owner, site, "PLAIN").plainValue()).isEqualTo("𝔘𝔫𝔦𝔠𝔬𝔡𝔢");
        deployments.appendLog(system(), deployment, "built ✅ 🚀\n");
        assertThat(deployments.readLog(system(), deployment).text()).isEqualTo("built ✅ 🚀\n");
        config.set(system(), ConfigSettings.PLATFORM_NAME, "Dialup ☎");
        assertThat(config.get(system(), ConfigSettings.PLATFORM_NAME)).isEqualTo("Dialup ☎");
    }

    @Test
    void organizationNamesAreUniqueOnTheirCaseFoldedNormalizedKey() {
        orgs.create(owner, "ÄRZTE", null, null);
        var before = DbSnapshot.of(db);

        for (String twin : new String[] {"ärzte", "A\u0308rzte", "ÄrZtE"}) {
            assertThat(catchThrowable(() -> orgs.create(owner, twin, null, null)))
                    .as(twin)
                    .isInstanceOf(ConflictException.class)
                    .hasMessage("organization name is taken");
        }
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void siteNamesAreUniqueOnTheirCaseFoldedNormalizedKeyAndARenameToTheSameKeyIsAllowed() {
        sites.create(owner, new NewSite("Straße", null, SiteType.STATIC, null, SiteConfig.defaults()));
        long org = orgs.create(owner, "Ärzte", null, null).id();
        var before = DbSnapshot.of(db);

        assertThat(catchThrowable(() -> sites.create(
                        owner, new NewSite("STRASSE", null, SiteType.STATIC, null, SiteConfig.defaults()))))
                .isInstanceOf(ConflictException.class)
                .hasMessage("site name is taken");
        assertThat(catchThrowable(() ->
                        sites.create(owner, new NewSite("ﬆraße", null, SiteType.STATIC, null, SiteConfig.defaults()))))
                .isInstanceOf(ConflictException.class)
                .hasMessage("site name is taken");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        AccessScope ownerNow = new AccessScopes(db).forUser(ownerId);
        assertThat(orgs.rename(ownerNow, org, "ÄRZTE").name()).isEqualTo("ÄRZTE");
        long other = orgs.create(owner, "Zahnärzte", null, null).id();
        var beforeRename = DbSnapshot.of(db);
        assertThat(catchThrowable(() -> orgs.rename(new AccessScopes(db).forUser(ownerId), other, "ärzte")))
                .isInstanceOf(ConflictException.class)
                .hasMessage("organization name is taken");
        assertThat(DbSnapshot.of(db)).isEqualTo(beforeRename);
    }

    @Test
    void usernamesAndEmailsAreAsciiSoTheirCaseInsensitiveIndexesAreComplete() {
        users.register(system(), "arzt", "arzt@example.com", "a fine password", null);
        var before = DbSnapshot.of(db);

        assertThat(catchThrowable(() -> users.register(system(), "ärzt", "x@example.com", "a fine password", null)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("username: may contain only a-z");
        assertThat(catchThrowable(() -> users.register(system(), "ARZT", "y@example.com", "a fine password", null)))
                .isInstanceOf(ConflictException.class)
                .hasMessage("username is taken");
        assertThat(catchThrowable(() -> users.register(system(), "other", "ärzt@example.com", "a fine password", null)))
                .isInstanceOf(ValidationException.class)
                .hasMessage("email: has an invalid part before '@'");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
