package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class SiteDomainRepositoryTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123Z");

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(Clock.fixed(NOW, ZoneOffset.UTC));

    DialupDatabase db;
    SiteDomainRepository domains;
    AccessScope alice;
    long site, otherSite;

    @BeforeEach
    void open() {
        db = temp.db();
        domains = new SiteDomainRepository(db);
        Fixtures f = new Fixtures(db);
        long a = f.user("alice");
        site = f.personalSite("Alice Site", a);
        otherSite = f.personalSite("Bob Site", f.user("bob"));
        alice = new AccessScopes(db).forUser(a);
    }

    @Test
    void domainsAreLowerCasedAndInternationalNamesStoredAsPunycode() {
        assertThat(domains.add(alice, site, " Bücher.Example. ").domain()).isEqualTo("xn--bcher-kva.example");
        assertThat(domains.add(alice, site, "WWW.Example.COM").domain()).isEqualTo("www.example.com");
    }

    @Test
    void theFirstDomainIsPrimaryAndSettingAnotherPrimaryClearsTheOldOne() {
        SiteDomain first = domains.add(alice, site, "a.example.com");
        SiteDomain second = domains.add(alice, site, "b.example.com");
        assertThat(first.primary()).isTrue();
        assertThat(second.primary()).isFalse();

        domains.setPrimary(alice, site, second.id());

        assertThat(domains.list(alice, site))
                .extracting(SiteDomain::domain, SiteDomain::primary)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("b.example.com", true),
                        org.assertj.core.groups.Tuple.tuple("a.example.com", false));
        int primaries = db.read(
                TestDb.system(db),
                dsl -> dsl.fetchCount(
                        SITE_DOMAINS, SITE_DOMAINS.SITE_ID.eq(site).and(SITE_DOMAINS.IS_PRIMARY.isTrue())));
        assertThat(primaries).isEqualTo(1);
    }

    @Test
    void aDomainClaimedByAnySiteIsRefusedWithTheSameMessageWhoeverHoldsIt() {
        AccessScope system = db.systemScope("test");
        domains.add(system, otherSite, "taken.example.com");
        domains.add(alice, site, "mine.example.com");
        var before = DbSnapshot.of(db);

        Throwable othersDomain = catchThrowable(() -> domains.add(alice, site, "TAKEN.example.com"));
        Throwable ownDomain = catchThrowable(() -> domains.add(alice, site, "MINE.example.com"));

        assertThat(othersDomain).isExactlyInstanceOf(ConflictException.class);
        assertThat(ownDomain).isExactlyInstanceOf(ConflictException.class);
        assertThat(othersDomain.getMessage())
                .doesNotContain("Bob", "bob", String.valueOf(otherSite))
                .isEqualTo(ownDomain.getMessage().replace("mine", "taken"));
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void onlyThePlatformMarksADomainVerified() {
        SiteDomain d = domains.add(alice, site, "a.example.com");
        assertThatThrownBy(() -> domains.markVerified(alice, site, d.id()))
                .isInstanceOf(dev.dialup.deploy.db.AccessDeniedException.class);

        SiteDomain verified = domains.markVerified(db.systemScope("dns-verifier"), site, d.id());

        assertThat(verified.verifiedAt()).isEqualTo(NOW);
    }

    @Test
    void removingADomainFreesItForAnotherSite() {
        SiteDomain d = domains.add(alice, site, "a.example.com");
        domains.remove(alice, site, d.id());

        assertThat(domains.list(alice, site)).isEmpty();
        assertThat(domains.add(db.systemScope("test"), otherSite, "a.example.com")
                        .siteId())
                .isEqualTo(otherSite);
    }
}
