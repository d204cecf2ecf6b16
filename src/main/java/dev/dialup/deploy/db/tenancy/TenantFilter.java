package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The one place tenancy is decided for sites and everything hanging off them (limits,
 * usage, domains, deployments, environment variables). Every repository query on tenant
 * data ANDs one of these conditions; nothing else decides visibility.
 *
 * <ul>
 *   <li>read a site: its personal owner, any member of its (active) organization, system admins;</li>
 *   <li>manage a site: its personal owner, owner/admin of its organization, system admins.</li>
 * </ul>
 * Deactivated users see nothing (their scope carries no roles); deactivated organizations
 * grant nothing (their roles are not loaded into scopes).
 */
public final class TenantFilter {
    private TenantFilter() {}

    /** Sites the scope may read. */
    public static Condition siteVisible(AccessScope scope, Sites s) {
        if (!scope.isActive()) return DSL.falseCondition();
        if (scope.isAdmin()) return DSL.trueCondition();
        long uid = scope.userId().orElseThrow();
        Condition own = s.OWNER_ID.eq(uid);
        return scope.organizations().isEmpty() ? own : own.or(s.ORGANIZATION_ID.in(scope.organizations()));
    }

    public static Condition siteVisible(AccessScope scope) {
        return siteVisible(scope, SITES);
    }

    /** Sites the scope may manage (configuration, limits, domains, env vars, delete). */
    public static Condition siteManageable(AccessScope scope, Sites s) {
        if (!scope.isActive()) return DSL.falseCondition();
        if (scope.isAdmin()) return DSL.trueCondition();
        long uid = scope.userId().orElseThrow();
        Condition own = s.OWNER_ID.eq(uid);
        var managed = scope.managedOrganizations();
        return managed.isEmpty() ? own : own.or(s.ORGANIZATION_ID.in(managed));
    }

    /** Whether the scope may manage this (already visible) site row. */
    public static boolean canManage(AccessScope scope, SitesRecord site) {
        if (!scope.isActive()) return false;
        if (scope.isAdmin()) return true;
        long uid = scope.userId().orElseThrow();
        if (site.getOwnerId() != null) return site.getOwnerId() == uid;
        return scope.roleIn(site.getOrganizationId()).map(OrgRole::canManage).orElse(false);
    }

    /**
     * The site if the scope can see it. Invisible and missing sites raise the same
     * {@link NotFoundException}.
     */
    public static SitesRecord requireVisibleSite(DSLContext dsl, AccessScope scope, long siteId) {
        SitesRecord site = dsl.selectFrom(SITES).where(SITES.ID.eq(siteId)).and(siteVisible(scope, SITES)).fetchOne();
        if (site == null) {
            throw new NotFoundException("site", siteId);
        }
        return site;
    }

    /**
     * The site if the scope may manage it: {@link NotFoundException} when invisible or
     * missing, {@link AccessDeniedException} when visible without the needed role.
     */
    public static SitesRecord requireManageableSite(DSLContext dsl, AccessScope scope, long siteId) {
        SitesRecord site = requireVisibleSite(dsl, scope, siteId);
        if (!canManage(scope, site)) {
            throw new AccessDeniedException("managing site " + siteId + " needs its owner, an organization owner/admin or a system admin");
        }
        return site;
    }

    /** For platform-component APIs (ingest, enforcement, orchestration): only the system scope passes. */
    public static void requireSystem(AccessScope scope, String operation) {
        if (!scope.isSystem()) {
            throw new AccessDeniedException(operation + " is reserved for the system scope");
        }
    }

    /** For operations reserved to system admins (and the system scope). */
    public static void requireAdmin(AccessScope scope, String operation) {
        if (!scope.isActive() || !scope.isAdmin()) {
            throw new AccessDeniedException(operation + " needs a system admin");
        }
    }

    /**
     * The site if the scope may deploy it: everyone who may read it (personal owner, any
     * member of its organization, system admins, the system scope). Invisible and missing
     * sites raise the same {@link NotFoundException}. See docs/deployments.md.
     */
    public static SitesRecord requireDeployableSite(DSLContext dsl, AccessScope scope, long siteId) {
        return requireVisibleSite(dsl, scope, siteId);
    }

    /** Whether the scope may read secret values of this (visible) site: its managers and the system scope. */
    public static boolean canReadSecrets(AccessScope scope, SitesRecord site) {
        return canManage(scope, site);
    }

    /** For reads of non-tenant platform data (system config): any active scope. */
    public static void requireActive(AccessScope scope, String operation) {
        if (!scope.isActive()) {
            throw new AccessDeniedException(operation + " needs an active account");
        }
    }
}
