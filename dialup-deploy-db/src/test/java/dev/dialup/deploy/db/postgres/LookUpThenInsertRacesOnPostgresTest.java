package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteDomain;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.tenancy.Organization;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.TestDb;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the library decides from a look-up must not fail because another writer changed the answer between the
 * look-up and the insert (on PostgreSQL the look-up cannot see a row committed after the transaction's
 * snapshot). The other writer is simulated deterministically: it commits on a connection of its own after the
 * write has taken its snapshot. Before the fixes:
 *
 * <ul>
 *   <li>a slug derived from the name (the caller chose none) gave {@code ConflictException("... slug is
 *       taken")}; now the insert steps aside to the next free slug;
 *   <li>a site's "first" domain, added while another writer added the site's first domain, failed with the raw
 *       driver exception of the one-primary index; now it is added as an ordinary domain.
 * </ul>
 *
 * Found by reviewing the check-then-insert paths for {@link MultiProcessWritersTest}.
 */
class LookUpThenInsertRacesOnPostgresTest {
    static PgTestServer.Database pg;
    static DialupDatabase db;
    static long founder;
    static long elsewhere;
    static AccessScope scope;
    static long site;

    @BeforeAll
    static void open() {
        pg = PgTestServer.freshMigratedDatabase("slug_race");
        db = DialupDatabase.builder().location(pg.location()).allowSystemScope().build();
        founder = new Fixtures(db).user("founder");
        elsewhere = new Fixtures(db).user("elsewhere");
        scope = new AccessScopes(db).forUser(founder);
        site = new Fixtures(db).personalSite("Domain Race Site", founder);
    }

    @AfterAll
    static void close() {
        if (db != null) db.close();
        if (pg != null) pg.close();
    }

    @Test
    void organizationSlugTakenMeanwhileStepsAside() {
        Organization o = afterAnotherWriterCommits(
                // Owned by another user: an organization of the founder's own would also change the founder's
                // row-level security mirror row (V72), and this write's update of that row would then be retried as a
                // serialization failure — in a fresh snapshot that already sees the slug.
                "INSERT INTO organizations (name, slug, owner_id) VALUES ('Acme Elsewhere', 'acme', " + elsewhere + ")",
                () -> new OrganizationRepository(db).create(scope, "Acme", null, null));

        assertThat(o.slug()).isEqualTo("acme-2");
        assertThat(auditRows("organization.create")).isEqualTo(1);
    }

    @Test
    void siteSlugTakenMeanwhileStepsAside() {
        Site s = afterAnotherWriterCommits(
                "INSERT INTO sites (name, slug, owner_id, site_type) VALUES ('Shop Elsewhere', 'shop', " + founder
                        + ", 'static')",
                () -> new SiteRepository(db).create(scope, NewSite.personal("Shop", SiteType.STATIC)));

        assertThat(s.slug()).isEqualTo("shop-2");
        assertThat(auditRows("site.create")).isEqualTo(1);
    }

    @Test
    void firstDomainAddedMeanwhileMakesThisOneOrdinary() {
        SiteDomain added = afterAnotherWriterCommits(
                "INSERT INTO site_domains (site_id, domain, is_primary) VALUES (" + site + ", 'first.race.test', true)",
                () -> new SiteDomainRepository(db).add(scope, site, "second.race.test"));

        assertThat(added.primary()).isFalse();
        assertThat(new SiteDomainRepository(db).list(scope, site))
                .extracting(SiteDomain::domain, SiteDomain::primary)
                .containsExactly(tuple("first.race.test", true), tuple("second.race.test", false));
        assertThat(auditRows("domain.add")).isEqualTo(1);
    }

    /** Runs {@code call} inside a write whose snapshot is older than the other writer's committed row. */
    private static <T> T afterAnotherWriterCommits(String otherWriter, Supplier<T> call) {
        return db.write(TestDb.system(db), tx -> {
            tx.fetchCount(USERS); // this transaction's snapshot is taken here
            try (Connection c = pg.connect();
                    Statement st = c.createStatement()) {
                st.executeUpdate(otherWriter); // autocommit: committed now, invisible to the snapshot
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return call.get(); // joins the write
        });
    }

    private static int auditRows(String action) {
        return db.read(TestDb.system(db), dsl -> dsl.fetchCount(AUDIT_LOG, AUDIT_LOG.ACTION.eq(action)));
    }
}
