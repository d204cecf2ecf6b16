package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.PROCESSES;
import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Domains;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;
import org.jooq.impl.DSL;

/**
 * Sites: create, find, list, update, delete. Reading needs {@link TenantFilter#siteVisible},
 * changing needs {@link TenantFilter#requireManageableSite}; rules in docs/tenancy.md.
 */
public final class SiteRepository {
    private static final Sites S = SITES;
    public static final int REPOSITORY_URL_MAX = RepositoryUrls.MAX_LENGTH;
    public static final int COMMAND_MAX = 4096;

    private final DialupDatabase db;
    private final AuditLog audit;

    public SiteRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /**
     * Creates a site. Personal sites ({@code organizationId} null) belong to the calling user;
     * organization sites need the organization's owner/admin or a system admin. Names and slugs
     * are global ({@code ConflictException} when taken); the limits row comes from a trigger.
     */
    public Site create(AccessScope scope, NewSite site) {
        Inputs.notNull("site", site);
        String name = Inputs.name("name", site.name());
        String slug = site.slug() == null ? null : Slugs.require(site.slug());
        if (site.type() == null) throw new ValidationException("type", "must not be empty");
        SiteConfig config = checkConfig(site.config() == null ? SiteConfig.defaults() : site.config());
        return db.write(scope, tx -> {
            Long owner = null;
            if (site.organizationId() == null) {
                owner = TenantFilter.requireActiveUser(
                        tx, scope, "a personal site (the system scope creates organization sites only)");
            } else {
                TenantFilter.requireVisibleOrganization(tx, scope, site.organizationId());
                TenantFilter.requireOrganizationManager(
                        tx, scope, site.organizationId(), "creating an organization site");
            }
            // A derived slug skips the ones taken, and steps aside when another writer takes it meanwhile;
            // every uniqueness rule itself is a UNIQUE constraint.
            Long ownerId = owner;
            Function<String, Long> insert = finalSlug -> tx.insertInto(S)
                    .set(S.NAME, name)
                    .set(S.NAME_KEY, Inputs.nameKey(name))
                    .set(S.SLUG, finalSlug)
                    .set(S.OWNER_ID, ownerId)
                    .set(S.ORGANIZATION_ID, site.organizationId())
                    .set(S.SITE_TYPE, site.type().dbValue())
                    .set(configValues(config))
                    .returning(S.ID)
                    .fetchOne()
                    .getId();
            long id = UniqueConstraints.conflictOn(
                    conflicts(config),
                    () -> slug != null
                            ? insert.apply(slug)
                            : Slugs.insertDerived(
                                    db,
                                    Slugs.slugify(name),
                                    c -> tx.fetchExists(S, S.SLUG.equalIgnoreCase(c)),
                                    "sites.slug",
                                    insert));
            SitesRecord created = selectBase(tx).where(S.ID.eq(id)).fetchOne();
            audit.record(
                    tx,
                    scope,
                    "site.create",
                    "site",
                    id,
                    site.organizationId(),
                    Map.of(
                            "name",
                            name,
                            "slug",
                            created.getSlug(),
                            "type",
                            site.type().dbValue()));
            return toSite(created);
        });
    }

    /** The site if visible; otherwise {@link NotFoundException} exactly as for a missing one. */
    public Site find(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> toSite(TenantFilter.requireVisibleSite(dsl, scope, siteId)));
    }

    /** The site with this slug (any case) if visible. */
    public Site findBySlug(AccessScope scope, String slug) {
        String s = Inputs.required("slug", slug).toLowerCase(Locale.ROOT);
        return db.read(scope, dsl -> {
            SitesRecord r = selectBase(dsl)
                    .where(S.SLUG.equalIgnoreCase(s))
                    .and(TenantFilter.siteVisible(dsl, scope, S))
                    .fetchOne();
            if (r == null) throw new NotFoundException("site", s);
            return toSite(r);
        });
    }

    /**
     * Visible sites matching {@code filter}, sorted by (name, id) — names are unique, so the
     * order is total — one page after {@code after} (null for the first page).
     */
    public Page<Site> list(AccessScope scope, SiteFilter filter, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        SiteFilter f = filter == null ? SiteFilter.ALL : filter;
        String contains = Inputs.optionalLine("nameContains", f.nameContains(), Inputs.NAME_MAX);
        return db.read(scope, dsl -> {
            Condition where = TenantFilter.siteVisible(dsl, scope, S);
            if (f.organizationId() != null) where = where.and(S.ORGANIZATION_ID.eq(f.organizationId()));
            if (f.type() != null) where = where.and(S.SITE_TYPE.eq(f.type().dbValue()));
            if (f.active() != null) where = where.and(S.IS_ACTIVE.eq(f.active()));
            if (contains != null) where = where.and(S.NAME.containsIgnoreCase(contains));
            if (after != null) where = where.and(DSL.row(S.NAME, S.ID).gt(after.key(), after.id()));
            var rows = selectBase(dsl)
                    .where(where)
                    .orderBy(S.NAME, S.ID)
                    .limit(n + 1)
                    .fetch(SiteRepository::toSite);
            return Page.of(rows, n, s -> new PageCursor(s.name(), s.id()));
        });
    }

    /** Replaces the site's configuration: manage rights. One {@code site.update} audit row listing changed fields. */
    public Site update(AccessScope scope, long siteId, SiteConfig config) {
        SiteConfig c = checkConfig(Inputs.notNull("config", config));
        return db.write(scope, tx -> {
            SitesRecord before = TenantFilter.requireManageableSite(tx, scope, siteId);
            SiteConfig old = toSite(before).config();
            UniqueConstraints.conflictOn(
                    conflicts(c),
                    () -> tx.update(S)
                            .set(configValues(c))
                            .where(S.ID.eq(siteId))
                            .execute());
            audit.record(
                    tx,
                    scope,
                    "site.update",
                    "site",
                    siteId,
                    before.getOrganizationId(),
                    Map.of("changed", changedFields(old, c)));
            return toSite(selectBase(tx).where(S.ID.eq(siteId)).fetchOne());
        });
    }

    /**
     * Deletes the site: manage rights. Limits, usage, deployments, domains and environment
     * variables cascade (FKs); legacy {@code processes} rows have no ON DELETE, so they are
     * unlinked ({@code site_id = NULL}) in the same transaction and survive.
     */
    public void delete(AccessScope scope, long siteId) {
        db.writeVoid(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            int unlinked = tx.update(PROCESSES)
                    .setNull(PROCESSES.SITE_ID)
                    .where(PROCESSES.SITE_ID.eq(siteId))
                    .execute();
            tx.deleteFrom(S).where(S.ID.eq(siteId)).execute();
            audit.record(
                    tx,
                    scope,
                    "site.delete",
                    "site",
                    siteId,
                    site.getOrganizationId(),
                    Map.of("name", site.getName(), "slug", site.getSlug(), "processesUnlinked", unlinked));
        });
    }

    /**
     * Messages for the unique constraints a site write can violate: the same text whoever holds
     * the value, so a conflict reveals no other tenant's site.
     */
    private static Map<String, String> conflicts(SiteConfig c) {
        return Map.of(
                "sites.name",
                "site name is taken",
                "sites.slug",
                "site slug is taken",
                "sites.subdomain",
                "subdomain " + c.subdomain() + " is already taken",
                "site_host_names.host",
                "domain " + c.domain() + " is already claimed");
    }

    private static Map<org.jooq.Field<?>, Object> configValues(SiteConfig c) {
        Map<org.jooq.Field<?>, Object> m = new LinkedHashMap<>();
        m.put(S.DESCRIPTION, c.description());
        m.put(S.REPOSITORY_URL, c.repositoryUrl());
        m.put(S.BRANCH, c.branch());
        m.put(S.BUILD_COMMAND, c.buildCommand());
        m.put(S.START_COMMAND, c.startCommand());
        m.put(S.PORT, c.port());
        m.put(S.DOMAIN, c.domain());
        m.put(S.SUBDOMAIN, c.subdomain());
        m.put(S.IS_ACTIVE, c.active());
        return m;
    }

    /** Validates and normalises every field; repository URLs follow {@link RepositoryUrls}. */
    static SiteConfig checkConfig(SiteConfig c) {
        String url = RepositoryUrls.normalize(c.repositoryUrl());
        String branch = Branches.optional("branch", c.branch());
        Integer port = c.port();
        if (port != null && (port < 1 || port > 65535))
            throw new ValidationException("port", "must be between 1 and 65535");
        String domain = c.domain() == null || c.domain().isBlank() ? null : Domains.normalize(c.domain());
        String sub =
                c.subdomain() == null || c.subdomain().isBlank() ? null : Domains.label("subdomain", c.subdomain());
        return new SiteConfig(
                Inputs.optionalText("description", c.description(), Inputs.TEXT_MAX),
                url,
                branch == null ? "main" : branch,
                Inputs.optionalText("buildCommand", c.buildCommand(), COMMAND_MAX),
                Inputs.optionalText("startCommand", c.startCommand(), COMMAND_MAX),
                port,
                domain,
                sub,
                c.active());
    }

    private static java.util.List<String> changedFields(SiteConfig a, SiteConfig b) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (!Objects.equals(a.description(), b.description())) out.add("description");
        if (!Objects.equals(a.repositoryUrl(), b.repositoryUrl())) out.add("repositoryUrl");
        if (!Objects.equals(a.branch(), b.branch())) out.add("branch");
        if (!Objects.equals(a.buildCommand(), b.buildCommand())) out.add("buildCommand");
        if (!Objects.equals(a.startCommand(), b.startCommand())) out.add("startCommand");
        if (!Objects.equals(a.port(), b.port())) out.add("port");
        if (!Objects.equals(a.domain(), b.domain())) out.add("domain");
        if (!Objects.equals(a.subdomain(), b.subdomain())) out.add("subdomain");
        if (a.active() != b.active()) out.add("active");
        return out;
    }

    private static SelectWhereStep<SitesRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(S);
    }

    static Site toSite(SitesRecord r) {
        SiteConfig config = new SiteConfig(
                r.getDescription(),
                r.getRepositoryUrl(),
                r.getBranch(),
                r.getBuildCommand(),
                r.getStartCommand(),
                r.getPort(),
                r.getDomain(),
                r.getSubdomain(),
                !Boolean.FALSE.equals(r.getIsActive()));
        return new Site(
                r.getId(),
                r.getName(),
                r.getSlug(),
                r.getOwnerId(),
                r.getOrganizationId(),
                SiteType.fromDb(r.getSiteType()),
                config,
                r.getCreatedAt(),
                r.getUpdatedAt());
    }
}
