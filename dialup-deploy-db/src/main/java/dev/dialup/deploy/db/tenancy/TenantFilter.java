package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.generated.tables.AuditLog;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
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
 *
 * <p>Beyond sites it also decides users (visible to themselves and system admins),
 * organizations (visible to their members while active, and to system admins; managed by
 * owner/admin) and audit rows (system admins all, organization owners/admins their
 * organization's). docs/tenancy.md is the table of these rules.
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

    /** Users the scope may see: itself; every user for system admins and the system scope. */
    public static Condition userVisible(AccessScope scope, Users u) {
        if (!scope.isActive()) return DSL.falseCondition();
        if (scope.isAdmin()) return DSL.trueCondition();
        return u.ID.eq(scope.userId().orElseThrow());
    }

    /** Organizations the scope may see: active ones it belongs to; all for system admins. */
    public static Condition organizationVisible(AccessScope scope, Organizations o) {
        if (!scope.isActive()) return DSL.falseCondition();
        if (scope.isAdmin()) return DSL.trueCondition();
        return scope.organizations().isEmpty() ? DSL.falseCondition() : o.ID.in(scope.organizations());
    }

    /** Audit rows the scope may read: all for system admins; its managed organizations' rows otherwise. */
    public static Condition auditVisible(AccessScope scope, AuditLog a) {
        if (!scope.isActive()) return DSL.falseCondition();
        if (scope.isAdmin()) return DSL.trueCondition();
        var managed = scope.managedOrganizations();
        return managed.isEmpty() ? DSL.falseCondition() : a.ORGANIZATION_ID.in(managed);
    }

    /** The organization if visible; invisible and missing raise the same {@link NotFoundException}. */
    public static OrganizationsRecord requireVisibleOrganization(DSLContext dsl, AccessScope scope, long orgId) {
        OrganizationsRecord org = dsl.selectFrom(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(orgId))
                .and(organizationVisible(scope, ORGANIZATIONS)).fetchOne();
        if (org == null) {
            throw new NotFoundException("organization", orgId);
        }
        return org;
    }

    /** Owner/admin of the organization, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationManager(AccessScope scope, long orgId, String operation) {
        if (scope.isActive() && scope.isAdmin()) return;
        if (!scope.roleIn(orgId).map(OrgRole::canManage).orElse(false)) {
            throw new AccessDeniedException(operation + " needs the organization's owner or an admin");
        }
    }

    /** The organization's owner, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationOwner(AccessScope scope, long orgId, String operation) {
        if (scope.isActive() && scope.isAdmin()) return;
        if (scope.roleIn(orgId).orElse(null) != OrgRole.OWNER) {
            throw new AccessDeniedException(operation + " needs the organization's owner");
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
