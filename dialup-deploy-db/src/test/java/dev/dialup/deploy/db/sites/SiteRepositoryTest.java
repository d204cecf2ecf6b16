package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.PROCESSES;
import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class SiteRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    SiteRepository sites;
    Fixtures f;
    long alice;
    AccessScope aliceScope;

    @BeforeEach
    void open() {
        db = temp.db();
        sites = new SiteRepository(db);
        f = new Fixtures(db);
        alice = f.user("alice");
        aliceScope = new AccessScopes(db).forUser(alice);
    }

    @Test
    void creatingAPersonalSiteMakesTheCallerItsOwnerWithDefaultLimitsAndADerivedSlug() {
        Site s = sites.create(aliceScope, NewSite.personal("Café Déjà Vu", SiteType.STATIC));

        assertThat(s.ownerId()).isEqualTo(alice);
        assertThat(s.organizationId()).isNull();
        assertThat(s.slug()).isEqualTo("cafe-deja-vu");
        assertThat(s.config().branch()).isEqualTo("main");
        assertThat(new SiteLimitsRepository(db).get(aliceScope, s.id()))
                .isEqualTo(new ResourceLimits(512, 50, 1024, 1024, 1000));
    }

    @Test
    void derivedSlugsAvoidTakenOnesButATakenNameIsAConflict() {
        sites.create(aliceScope, new NewSite("Blog", "my-blog", SiteType.STATIC, null, null));
        Site second = sites.create(aliceScope, new NewSite("My Blog", null, SiteType.STATIC, null, null));
        assertThat(second.slug()).isEqualTo("my-blog-2");

        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> sites.create(aliceScope, NewSite.personal("BLOG", SiteType.STATIC)))
                .isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> sites.create(aliceScope, new NewSite("Other", "MY-BLOG", SiteType.STATIC, null, null)))
                .isInstanceOf(ConflictException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void updateReplacesTheConfigurationAndAuditsTheChangedFieldNames() {
        Site s = sites.create(aliceScope, NewSite.personal("Shop", SiteType.DYNAMIC));
        SiteConfig next = s.config()
                .withRepository("https://git.example/shop.git", "release")
                .withCommands("npm ci && npm run build", "node server.js")
                .withPort(3000)
                .withDomain("Shop.Example.com", "Shop")
                .withDescription("The shop")
                .withActive(false);

        Site updated = sites.update(aliceScope, s.id(), next);

        assertThat(updated.config())
                .isEqualTo(new SiteConfig(
                        "The shop",
                        "https://git.example/shop.git",
                        "release",
                        "npm ci && npm run build",
                        "node server.js",
                        3000,
                        "shop.example.com",
                        "shop",
                        false));
        assertThat(sites.find(aliceScope, s.id())).isEqualTo(updated);
        String details = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ACTION.eq("site.update"))
                        .fetchOne(AUDIT_LOG.DETAILS));
        assertThat(details)
                .isEqualTo(
                        "{\"changed\":[\"description\",\"repositoryUrl\",\"branch\",\"buildCommand\",\"startCommand\",\"port\",\"domain\",\"subdomain\",\"active\"]}");
    }

    @Test
    void keysetPagesCoverEverySiteOnceInNameOrderEvenWhenSitesAreAddedBetweenPages() {
        for (int i = 0; i < 23; i++) f.personalSite(String.format("site %02d", (i * 7) % 23), alice);
        List<String> seen = new ArrayList<>();
        PageCursor cursor = null;
        int pages = 0;
        do {
            Page<Site> page = sites.list(aliceScope, SiteFilter.ALL, cursor, 5);
            page.items().forEach(s -> seen.add(s.name()));
            cursor = page.next().orElse(null);
            if (pages++ == 1) f.personalSite("site 00a", alice); // sorts before the cursor: must not shift later pages
        } while (cursor != null);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 23; i++) expected.add(String.format("site %02d", i));
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo(5);
    }

    @Test
    void listFiltersByOrganizationTypeActiveFlagAndNameFragment() {
        long org = f.org("Acme", alice);
        AccessScope scope = new AccessScopes(db).forUser(alice);
        long web = f.orgSite("Acme Web", org);
        long api = f.orgSite("Acme API", org);
        f.personalSite("Private 100%_fun", alice);
        f.personalSite("Zone 0xy", alice); // would match an unescaped '%0%_%'
        sites.update(scope, api, SiteConfig.defaults().withActive(false));

        assertThat(ids(sites.list(scope, SiteFilter.ALL.withOrganization(org), null, 10)))
                .containsExactly(api, web);
        assertThat(ids(sites.list(scope, SiteFilter.ALL.withActive(false), null, 10)))
                .containsExactly(api);
        assertThat(ids(sites.list(scope, SiteFilter.ALL.withNameContaining("web"), null, 10)))
                .containsExactly(web);
        assertThat(sites.list(scope, SiteFilter.ALL.withNameContaining("0%_"), null, 10)
                        .items())
                .extracting(Site::name)
                .containsExactly("Private 100%_fun");
        assertThat(sites.list(scope, SiteFilter.ALL.withType(SiteType.DOCKER), null, 10)
                        .items())
                .isEmpty();
    }

    private static List<Long> ids(Page<Site> page) {
        return page.items().stream().map(Site::id).toList();
    }

    @Test
    void deletingASiteCascadesToItsChildrenAndUnlinksItsProcesses() {
        Site s = sites.create(aliceScope, NewSite.personal("Doomed", SiteType.DYNAMIC));
        new SiteDomainRepository(db).add(aliceScope, s.id(), "doomed.example.com");
        db.writeVoid(TestDb.system(db), tx -> {
            tx.insertInto(DEPLOYMENTS)
                    .set(DEPLOYMENTS.SITE_ID, s.id())
                    .set(DEPLOYMENTS.STATUS, "success")
                    .execute();
            tx.insertInto(PROCESSES)
                    .set(PROCESSES.ID, "p1")
                    .set(PROCESSES.SITE, "doomed")
                    .set(PROCESSES.PORT, 3000)
                    .set(PROCESSES.STARTTIME, Instant.ofEpochMilli(1_700_000_000_000L))
                    .set(PROCESSES.TYPE, "node")
                    .set(PROCESSES.SCRIPT, "index.js")
                    .set(PROCESSES.CWD, "/srv")
                    .set(PROCESSES.STATUS, "running")
                    .set(PROCESSES.SITE_ID, s.id())
                    .execute();
        });

        sites.delete(aliceScope, s.id());

        assertThatThrownBy(() -> sites.find(aliceScope, s.id())).isInstanceOf(NotFoundException.class);
        db.read(TestDb.system(db), dsl -> {
            assertThat(dsl.fetchCount(SITE_RESOURCE_LIMITS, SITE_RESOURCE_LIMITS.SITE_ID.eq(s.id())))
                    .isZero();
            assertThat(dsl.fetchCount(SITE_DOMAINS, SITE_DOMAINS.SITE_ID.eq(s.id())))
                    .isZero();
            assertThat(dsl.fetchCount(DEPLOYMENTS, DEPLOYMENTS.SITE_ID.eq(s.id())))
                    .isZero();
            assertThat(dsl.select(PROCESSES.SITE_ID)
                            .from(PROCESSES)
                            .where(PROCESSES.ID.eq("p1"))
                            .fetchOne()
                            .value1())
                    .isNull();
            String details = dsl.select(AUDIT_LOG.DETAILS)
                    .from(AUDIT_LOG)
                    .where(AUDIT_LOG.ACTION.eq("site.delete"))
                    .fetchOne(AUDIT_LOG.DETAILS);
            assertThat(details).contains("\"processesUnlinked\":1");
            return null;
        });
    }

    @Test
    void anInvisibleSiteIsReportedExactlyLikeAMissingOne() {
        long bob = f.user("bob");
        long bobsSite = f.personalSite("Bobs", bob);
        long missing = bobsSite + 1000;

        Throwable invisible = org.assertj.core.api.Assertions.catchThrowable(() -> sites.find(aliceScope, bobsSite));
        Throwable absent = org.assertj.core.api.Assertions.catchThrowable(() -> sites.find(aliceScope, missing));

        assertThat(invisible).isExactlyInstanceOf(NotFoundException.class);
        assertThat(absent).isExactlyInstanceOf(NotFoundException.class);
        assertThat(invisible.getMessage().replace(String.valueOf(bobsSite), "ID"))
                .isEqualTo(absent.getMessage().replace(String.valueOf(missing), "ID"));
        Throwable bySlug = org.assertj.core.api.Assertions.catchThrowable(() -> sites.findBySlug(aliceScope, "bobs"));
        Throwable noSlug = org.assertj.core.api.Assertions.catchThrowable(() -> sites.findBySlug(aliceScope, "nobody"));
        assertThat(bySlug.getMessage().replace("bobs", "SLUG"))
                .isEqualTo(noSlug.getMessage().replace("nobody", "SLUG"));
    }
}
