package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.time.Instant;
import java.util.Map;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Phase 3 rules enforced by the schema itself (they back up the repositories' validation). */
class SchemaIntegrityTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    Fixtures f;

    @BeforeEach
    void open() {
        db = temp.db();
        f = new Fixtures(db);
    }

    private Map<Long, String> roles(long org) {
        return db.read(dsl -> dsl.select(ORGANIZATION_MEMBERS.USER_ID, ORGANIZATION_MEMBERS.ROLE)
                .from(ORGANIZATION_MEMBERS)
                .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(org))
                .fetchMap(ORGANIZATION_MEMBERS.USER_ID, ORGANIZATION_MEMBERS.ROLE));
    }

    @Test
    void everySiteGetsExactlyOneLimitsRowWithThePlanDefaults() {
        long u = f.user("ann");
        long site = f.personalSite("blog", u);
        var limits = db.read(dsl -> dsl.selectFrom(SITE_RESOURCE_LIMITS)
                .where(SITE_RESOURCE_LIMITS.SITE_ID.eq(site))
                .fetch());
        assertThat(limits).hasSize(1);
        assertThat(limits.get(0).getMaxCpuPercent()).isEqualTo(50);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITE_RESOURCE_LIMITS)
                        .set(SITE_RESOURCE_LIMITS.SITE_ID, site)
                        .execute()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("UNIQUE");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.update(SITE_RESOURCE_LIMITS)
                        .set(SITE_RESOURCE_LIMITS.MAX_MEMORY_MB, -1)
                        .where(SITE_RESOURCE_LIMITS.SITE_ID.eq(site))
                        .execute()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("CHECK");
    }

    @Test
    void theOrganizationOwnerIsAlwaysItsOwnerMemberAndTransferMovesTheRole() {
        long owner = f.user("owner");
        long next = f.user("next");
        long org = f.org("Acme", owner);
        assertThat(roles(org)).isEqualTo(Map.of(owner, "owner"));

        db.writeVoid(tx -> tx.update(ORGANIZATIONS)
                .set(ORGANIZATIONS.OWNER_ID, next)
                .where(ORGANIZATIONS.ID.eq(org))
                .execute());
        assertThat(roles(org)).isEqualTo(Map.of(owner, "admin", next, "owner"));
    }

    @Test
    void theOwnerCannotBeDemotedRemovedOrDuplicatedExceptByTransfer() {
        long owner = f.user("owner");
        long other = f.user("other");
        long org = f.org("Acme", owner);
        f.member(org, other, OrgRole.MEMBER);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.update(ORGANIZATION_MEMBERS)
                        .set(ORGANIZATION_MEMBERS.ROLE, "member")
                        .where(ORGANIZATION_MEMBERS.USER_ID.eq(owner))
                        .execute()))
                .hasMessageContaining("transferring ownership");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.deleteFrom(ORGANIZATION_MEMBERS)
                        .where(ORGANIZATION_MEMBERS.USER_ID.eq(owner))
                        .execute()))
                .hasMessageContaining("cannot be removed");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.update(ORGANIZATION_MEMBERS)
                        .set(ORGANIZATION_MEMBERS.ROLE, "owner")
                        .where(ORGANIZATION_MEMBERS.USER_ID.eq(other))
                        .execute()))
                .hasMessageContaining("owner role");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.update(ORGANIZATION_MEMBERS)
                        .set(ORGANIZATION_MEMBERS.ROLE, "boss")
                        .where(ORGANIZATION_MEMBERS.USER_ID.eq(other))
                        .execute()))
                .hasMessageContaining("CHECK");
        assertThat(roles(org)).isEqualTo(Map.of(owner, "owner", other, "member"));
    }

    @Test
    void aDomainBelongsToOneSiteCaseInsensitivelyAndASiteHasAtMostOnePrimary() {
        long u = f.user("ann");
        long a = f.personalSite("a", u);
        long b = f.personalSite("b", u);
        db.writeVoid(tx -> tx.insertInto(SITE_DOMAINS)
                .set(SITE_DOMAINS.SITE_ID, a)
                .set(SITE_DOMAINS.DOMAIN, "example.com")
                .set(SITE_DOMAINS.IS_PRIMARY, true)
                .execute());
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITE_DOMAINS)
                        .set(SITE_DOMAINS.SITE_ID, b)
                        .set(SITE_DOMAINS.DOMAIN, "EXAMPLE.com")
                        .execute()))
                .hasMessageContaining("UNIQUE");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITE_DOMAINS)
                        .set(SITE_DOMAINS.SITE_ID, a)
                        .set(SITE_DOMAINS.DOMAIN, "www.example.com")
                        .set(SITE_DOMAINS.IS_PRIMARY, true)
                        .execute()))
                .hasMessageContaining("UNIQUE");
    }

    @Test
    void updatedAtIsKeptCurrentOnUpdate() {
        long u = f.user("ann");
        long site = f.personalSite("blog", u);
        Instant old = Instant.parse("2020-01-01T00:00:00Z");
        db.writeVoid(tx -> tx.update(SITES)
                .set(SITES.UPDATED_AT, old)
                .where(SITES.ID.eq(site))
                .execute());
        db.writeVoid(tx -> tx.update(SITES)
                .set(SITES.DESCRIPTION, "new")
                .where(SITES.ID.eq(site))
                .execute());
        Instant updated = db.read(dsl -> dsl.select(SITES.UPDATED_AT)
                .from(SITES)
                .where(SITES.ID.eq(site))
                .fetchOne(SITES.UPDATED_AT));
        assertThat(updated).isAfter(Instant.now().minusSeconds(60));
        db.writeVoid(tx -> tx.update(USERS)
                .set(USERS.UPDATED_AT, old)
                .where(USERS.ID.eq(u))
                .execute());
        db.writeVoid(tx -> tx.update(USERS)
                .set(USERS.DISPLAY_NAME, "Ann")
                .where(USERS.ID.eq(u))
                .execute());
        Instant userUpdated = db.read(dsl ->
                dsl.select(USERS.UPDATED_AT).from(USERS).where(USERS.ID.eq(u)).fetchOne(USERS.UPDATED_AT));
        assertThat(userUpdated).isAfter(old);
    }

    @Test
    void siteTypesAndDeploymentStatusesAreLimitedByChecks() {
        long u = f.user("ann");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITES)
                        .set(SITES.NAME, "x")
                        .set(SITES.SLUG, "x")
                        .set(SITES.OWNER_ID, u)
                        .set(SITES.SITE_TYPE, "mainframe")
                        .execute()))
                .hasMessageContaining("CHECK");
        long site = f.personalSite("ok", u);
        assertThatThrownBy(() -> db.writeVoid(
                        tx -> tx.execute("INSERT INTO deployments (site_id, status) VALUES (?, 'exploded')", site)))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.execute(
                        "INSERT INTO site_usage_daily (site_id, date, max_memory_mb) VALUES (?, '2026-01-01', -5)",
                        site)))
                .hasMessageContaining("CHECK");
    }

    @Test
    void theAuditLogIsAppendOnlyExceptForRowsOlderThanTheRetention() {
        Instant recent = Instant.now().minusSeconds(3600);
        Instant ancient = Instant.now().minusSeconds(400L * 86400);
        db.writeVoid(tx -> {
            for (Instant at : new Instant[] {recent, ancient}) {
                tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTOR_LABEL, "system:test")
                        .set(AUDIT_LOG.ACTION, "x")
                        .set(AUDIT_LOG.TARGET_TYPE, "t")
                        .set(AUDIT_LOG.CREATED_AT, at)
                        .execute();
            }
        });
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.update(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTION, "forged")
                        .where(AUDIT_LOG.CREATED_AT.eq(recent))
                        .execute()))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.deleteFrom(AUDIT_LOG)
                        .where(AUDIT_LOG.CREATED_AT.eq(recent))
                        .execute()))
                .hasMessageContaining("retention");
        int pruned = db.write(tx ->
                tx.deleteFrom(AUDIT_LOG).where(AUDIT_LOG.CREATED_AT.eq(ancient)).execute());
        assertThat(pruned).isEqualTo(1);
        int left = db.read(dsl -> dsl.fetchCount(AUDIT_LOG));
        assertThat(left).isEqualTo(1);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTOR_LABEL, "x")
                        .set(AUDIT_LOG.ACTION, "x")
                        .set(AUDIT_LOG.TARGET_TYPE, "t")
                        .set(AUDIT_LOG.DETAILS, "{not json")
                        .execute()))
                .hasMessageContaining("CHECK");
    }
}
