package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_HOST_NAMES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Domains;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Host names (issue 10, Domains): IDNA2008 / UTS #46 processing, IP literals and DNS limits
 * refused, and one global, case-insensitive owner per host name across sites.domain,
 * site_domains and subdomains, enforced by UNIQUE constraints and reported as ConflictException.
 */
@BothEngines
class HostNamesTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    SiteRepository sites;
    SiteDomainRepository domains;
    AccessScope alice, bob;
    long aliceSite, bobSite;

    @BeforeEach
    void open() {
        db = temp.db();
        sites = new SiteRepository(db);
        domains = new SiteDomainRepository(db);
        Fixtures f = new Fixtures(db);
        long a = f.user("alice");
        long b = f.user("bob");
        aliceSite = f.personalSite("Alice Site", a);
        bobSite = f.personalSite("Bob Site", b);
        alice = new AccessScopes(db).forUser(a);
        bob = new AccessScopes(db).forUser(b);
    }

    @ParameterizedTest(name = "{0} is stored as {1}")
    @CsvSource({
        "straße.example, xn--strae-oqa.example",
        "Bücher.Example., xn--bcher-kva.example",
        "XN--STRAE-OQA.example, xn--strae-oqa.example",
        "ＥＸＡＭＰＬＥ．ＣＯＭ, example.com",
        "1.2.3.4.example, 1.2.3.4.example",
        "0x10.example, 0x10.example",
        "a-b.example, a-b.example",
        "παράδειγμα.δοκιμή, xn--hxajbheg2az3al.xn--jxalpdlp"
    })
    void hostNamesAreStoredAsIdna2008Punycode(String input, String stored) {
        assertThat(Domains.normalize(input)).isEqualTo(stored);
        assertThat(domains.add(alice, aliceSite, input).domain()).isEqualTo(stored);
        assertThat(sites.find(alice, aliceSite).config().domain()).isNull();
        assertThat(domains.list(alice, aliceSite))
                .extracting(SiteDomain::domain)
                .containsExactly(stored);
    }

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1|must be a host name, not an IP address (its last label is numeric)",
                "0x7f.1|must be a host name, not an IP address (its last label is numeric)",
                "127.0.0.0x1|must be a host name, not an IP address (its last label is numeric)",
                "0177.0.0.1|must be a host name, not an IP address (its last label is numeric)",
                "2130706433|must be a host name, not an IP address (its last label is numeric)",
                "example.0x|must be a host name, not an IP address (its last label is numeric)",
                "１２７．０．０．１|must be a host name, not an IP address (its last label is numeric)",
                "example.123|must be a host name, not an IP address (its last label is numeric)",
                "::1|must be a host name, not an IP address",
                "[::1]|must be a host name, not an IP address",
                "2001:db8::1|must be a host name, not an IP address",
                "[127.0.0.1]|must be a host name, not an IP address",
                "-bad.example|labels must not start or end with '-'",
                "bad-.example|labels must not start or end with '-'",
                "a..example|must not contain empty labels",
                ".example.com|must not contain empty labels",
                "ab--cd.example|labels must not have '--' in the third and fourth position unless they are punycode (xn--)",
                "a_b.example|contains a character that is not allowed in host names",
                "localhost|needs at least two labels (example.com)"
            })
    void badHostNamesAreRefusedAndNothingIsWritten(String input, String problem) {
        var before = DbSnapshot.of(db);

        Throwable t = catchThrowable(() -> domains.add(alice, aliceSite, input));

        assertThat(t).isInstanceOf(ValidationException.class).hasMessage("domain: " + problem);
        assertThat(catchThrowable(() ->
                        sites.update(alice, aliceSite, SiteConfig.defaults().withDomain(input, null))))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: " + problem);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void dnsLengthLimitsAreOctetsOfTheAsciiForm() {
        String label63 = "a".repeat(63);
        String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
        assertThat(name253).hasSize(253);
        assertThat(Domains.normalize(name253)).isEqualTo(name253);
        var before = DbSnapshot.of(db);
        assertThat(catchThrowable(() -> domains.add(alice, aliceSite, "a".repeat(64) + ".example")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: labels must be at most 63 octets");
        assertThat(catchThrowable(() -> domains.add(alice, aliceSite, name253 + "b")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: must be at most 253 octets");
        assertThat(catchThrowable(() -> domains.add(alice, aliceSite, "b." + name253)))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: must be at most 253 octets");
        // Limits apply to the punycode form: 60 'ü' are 60 characters but a far longer ASCII label.
        assertThat(catchThrowable(() -> domains.add(alice, aliceSite, "ü".repeat(60) + ".example")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: labels must be at most 63 octets");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aSiteDomainCannotTakeAHostAnotherTenantClaimedAsACustomDomain() {
        domains.add(bob, bobSite, "shop.example");
        var before = DbSnapshot.of(db);

        Throwable t = catchThrowable(
                () -> sites.update(alice, aliceSite, SiteConfig.defaults().withDomain("SHOP.example", null)));

        assertThat(t).isInstanceOf(ConflictException.class).hasMessage("domain shop.example is already claimed");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aCustomDomainCannotTakeAHostAnotherTenantUsesAsSiteDomain() {
        sites.update(bob, bobSite, SiteConfig.defaults().withDomain("Straße.example", null));
        var before = DbSnapshot.of(db);

        Throwable other = catchThrowable(() -> domains.add(alice, aliceSite, "xn--strae-oqa.EXAMPLE"));
        Throwable own = catchThrowable(() -> domains.add(bob, bobSite, "straße.example"));

        assertThat(other)
                .isInstanceOf(ConflictException.class)
                .hasMessage("domain xn--strae-oqa.example is already claimed");
        assertThat(own).isInstanceOf(ConflictException.class).hasMessage(other.getMessage());
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void twoSitesCannotShareASiteDomainOrASubdomain() {
        sites.update(bob, bobSite, SiteConfig.defaults().withDomain("bob.example", "shop"));
        var before = DbSnapshot.of(db);

        Throwable domain = catchThrowable(
                () -> sites.update(alice, aliceSite, SiteConfig.defaults().withDomain("BOB.example", null)));
        Throwable sub = catchThrowable(
                () -> sites.update(alice, aliceSite, SiteConfig.defaults().withDomain(null, "SHOP")));
        Throwable created = catchThrowable(() -> sites.create(
                alice,
                new NewSite(
                        "Shop Two",
                        null,
                        SiteType.STATIC,
                        null,
                        SiteConfig.defaults().withDomain(null, "shop"))));

        assertThat(domain).isInstanceOf(ConflictException.class).hasMessage("domain bob.example is already claimed");
        assertThat(sub).isInstanceOf(ConflictException.class).hasMessage("subdomain shop is already taken");
        assertThat(created).isInstanceOf(ConflictException.class).hasMessage("subdomain shop is already taken");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void claimsFollowChangesAndDeletionsSoAFreedHostCanBeTakenAgain() {
        sites.update(bob, bobSite, SiteConfig.defaults().withDomain("moving.example", "moving"));
        SiteDomain custom = domains.add(bob, bobSite, "custom.example");
        assertThat(claims())
                .containsExactly(Map.entry("custom.example", bobSite), Map.entry("moving.example", bobSite));

        sites.update(bob, bobSite, SiteConfig.defaults().withDomain("moved.example", null));
        domains.remove(bob, bobSite, custom.id());
        assertThat(claims()).containsExactly(Map.entry("moved.example", bobSite));

        sites.update(alice, aliceSite, SiteConfig.defaults().withDomain("moving.example", "moving"));
        domains.add(alice, aliceSite, "custom.example");
        sites.delete(bob, bobSite);
        assertThat(claims())
                .containsExactly(Map.entry("custom.example", aliceSite), Map.entry("moving.example", aliceSite));
        domains.add(alice, aliceSite, "moved.example");
    }

    @Test
    void theConstraintHoldsForWritersThatSkipTheRepositories() {
        domains.add(bob, bobSite, "raw.example");
        var before = DbSnapshot.of(db);

        Throwable t = catchThrowable(() -> db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SITES)
                        .set(SITES.DOMAIN, "RAW.example")
                        .where(SITES.ID.eq(aliceSite))
                        .execute()));

        assertThat(t)
                .hasMessageContaining(
                        TempDatabase.onPostgres()
                                ? "unique constraint \"site_host_names_pkey\""
                                : "UNIQUE constraint failed: site_host_names.host");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    private List<Map.Entry<String, Long>> claims() {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.select(SITE_HOST_NAMES.HOST, SITE_HOST_NAMES.SITE_ID)
                        .from(SITE_HOST_NAMES)
                        .orderBy(SITE_HOST_NAMES.HOST)
                        .fetch(r -> Map.entry(r.value1(), r.value2())));
    }
}
