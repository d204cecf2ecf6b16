package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Domains;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.SiteDomains;
import dev.dialup.deploy.db.generated.tables.records.SiteDomainsRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;

/**
 * Custom domains of a site. Listing needs read rights; adding, choosing the primary and
 * removing need manage rights; marking verified is for the platform's verifier (system scope)
 * and system admins. A domain is globally unique (case-insensitive): one claimed by another
 * site is refused with the same {@code ConflictException} message whoever holds it.
 */
public final class SiteDomainRepository {
    private static final SiteDomains D = SITE_DOMAINS;

    private final DialupDatabase db;
    private final AuditLog audit;

    public SiteDomainRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /** Adds a domain (validated, lower-cased, IDN as punycode). The site's first domain becomes primary. */
    public SiteDomain add(AccessScope scope, long siteId, String domain) {
        String d = Domains.normalize(domain);
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            boolean first = !tx.fetchExists(D, D.SITE_ID.eq(siteId));
            // Uniqueness is the schema's: site_domains' own index and the site_host_names claim
            // shared with sites.domain. Same message whoever holds it: reveals no owner.
            String claimed = "domain " + d + " is already claimed";
            Function<Boolean, Long> insert = primary -> tx.insertInto(D)
                    .set(D.SITE_ID, siteId)
                    .set(D.DOMAIN, d)
                    .set(D.IS_PRIMARY, primary)
                    .set(D.SSL_ENABLED, true)
                    .set(D.CREATED_AT, StoredTime.truncate(db.clock().instant()))
                    .returning(D.ID)
                    .fetchOne()
                    .getId();
            long id = UniqueConstraints.conflictOn(
                    Map.of("site_domains.domain", claimed, "site_host_names.host", claimed),
                    () -> first ? firstDomain(insert) : insert.apply(false));
            SiteDomain added = toSiteDomain(selectBase(tx).where(D.ID.eq(id)).fetchOne());
            audit.record(
                    tx,
                    scope,
                    "domain.add",
                    "site_domain",
                    id,
                    site.getOrganizationId(),
                    Map.of("siteId", siteId, "domain", d, "primary", added.primary()));
            return added;
        });
    }

    /**
     * The site had no domain when this transaction looked: the new one becomes primary. If another writer
     * added the site's first domain meanwhile (many writers on PostgreSQL), the one-primary index
     * ({@code ux_site_domains_one_primary}) refuses it: the insert, run in a savepoint, is undone and the
     * domain is added as an ordinary one instead.
     */
    private long firstDomain(Function<Boolean, Long> insert) {
        try {
            return db.write(savepoint -> insert.apply(true));
        } catch (RuntimeException e) {
            if (!UniqueConstraints.violates(e, "site_domains.site_id")) throw e;
            return insert.apply(false);
        }
    }

    /** The site's domains, primary first, then by name. */
    public List<SiteDomain> list(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return selectBase(dsl)
                    .where(D.SITE_ID.eq(siteId))
                    .orderBy(D.IS_PRIMARY.desc().nullsLast(), D.DOMAIN, D.ID) // nulls placed alike on both engines
                    .fetch(SiteDomainRepository::toSiteDomain);
        });
    }

    /** Makes this domain the site's only primary (the previous one is cleared in the same transaction). */
    public SiteDomain setPrimary(AccessScope scope, long siteId, long domainId) {
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            SiteDomainsRecord dom = requireDomain(tx, siteId, domainId);
            tx.update(D)
                    .set(D.IS_PRIMARY, false)
                    .where(D.SITE_ID.eq(siteId))
                    .and(D.IS_PRIMARY.isTrue())
                    .and(D.ID.ne(domainId))
                    .execute();
            tx.update(D).set(D.IS_PRIMARY, true).where(D.ID.eq(domainId)).execute();
            audit.record(
                    tx,
                    scope,
                    "domain.set_primary",
                    "site_domain",
                    domainId,
                    site.getOrganizationId(),
                    Map.of("siteId", siteId, "domain", dom.getDomain()));
            return toSiteDomain(selectBase(tx).where(D.ID.eq(domainId)).fetchOne());
        });
    }

    /** Records that the platform verified the domain (DNS check): system scope or system admins. */
    public SiteDomain markVerified(AccessScope scope, long siteId, long domainId) {
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireVisibleSite(tx, scope, siteId);
            TenantFilter.requireAdmin(tx, scope, "marking a domain verified");
            SiteDomainsRecord dom = requireDomain(tx, siteId, domainId);
            tx.update(D)
                    .set(D.VERIFIED_AT, StoredTime.truncate(db.clock().instant()))
                    .where(D.ID.eq(domainId))
                    .execute();
            audit.record(
                    tx,
                    scope,
                    "domain.verify",
                    "site_domain",
                    domainId,
                    site.getOrganizationId(),
                    Map.of("siteId", siteId, "domain", dom.getDomain()));
            return toSiteDomain(selectBase(tx).where(D.ID.eq(domainId)).fetchOne());
        });
    }

    /** Removes the domain. Removing the primary leaves the site without one until another is chosen. */
    public void remove(AccessScope scope, long siteId, long domainId) {
        db.writeVoid(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            SiteDomainsRecord dom = requireDomain(tx, siteId, domainId);
            tx.deleteFrom(D).where(D.ID.eq(domainId)).execute();
            audit.record(
                    tx,
                    scope,
                    "domain.remove",
                    "site_domain",
                    domainId,
                    site.getOrganizationId(),
                    Map.of("siteId", siteId, "domain", dom.getDomain()));
        });
    }

    private static SiteDomainsRecord requireDomain(DSLContext dsl, long siteId, long domainId) {
        SiteDomainsRecord r = selectBase(dsl)
                .where(D.ID.eq(domainId))
                .and(D.SITE_ID.eq(siteId))
                .fetchOne();
        if (r == null) throw new NotFoundException("domain", domainId);
        return r;
    }

    private static SelectWhereStep<SiteDomainsRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(D);
    }

    private static SiteDomain toSiteDomain(SiteDomainsRecord r) {
        return new SiteDomain(
                r.getId(),
                r.getSiteId(),
                r.getDomain(),
                Boolean.TRUE.equals(r.getIsPrimary()),
                !Boolean.FALSE.equals(r.getSslEnabled()),
                r.getVerifiedAt(),
                r.getCreatedAt());
    }
}
