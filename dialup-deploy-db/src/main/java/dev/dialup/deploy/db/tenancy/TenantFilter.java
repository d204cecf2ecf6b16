package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.generated.tables.AuditLog;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import org.jooq.Condition;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.Select;
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
 *
 * <p><b>Current facts.</b> An {@link AccessScope} says only who is asking. Every condition
 * here embeds (uncorrelated) sub-queries on {@code users}, {@code organization_members} and
 * {@code organizations}, and every {@code require…}/{@code can…} check queries them with the
 * running transaction's {@link DSLContext}: decisions use the caller's current
 * {@code is_active}/{@code is_admin} and current memberships in active organizations, read in
 * the same SQLite snapshot as the work they guard. Deactivated users see nothing; deactivated
 * organizations grant nothing; a demotion or removal takes effect on the next statement.
 *
 * <p><b>System scope.</b> Accepted only by the database that minted it: conditions and checks
 * compare it with {@link DialupDatabase#inTransaction()} (so they must run inside that
 * database's {@code read}/{@code write}), {@link #requireSystem} with the database passed in.
 * A foreign system scope is an {@link AccessDeniedException}.
 *
 * <p>Beyond sites it also decides users (visible to themselves and system admins),
 * organizations (visible to their members while active, and to system admins; managed by
 * owner/admin) and audit rows (system admins all, organization owners/admins their
 * organization's). docs/tenancy.md is the table of these rules.
 */
public final class TenantFilter {
    private static final Users SU = USERS.as("scope_user");
    private static final OrganizationMembers SM = ORGANIZATION_MEMBERS.as("scope_member");
    private static final Organizations SO = ORGANIZATIONS.as("scope_org");
    private static final List<String> MANAGER_ROLES = List.of(OrgRole.OWNER.dbValue(), OrgRole.ADMIN.dbValue());

    private TenantFilter() {}

    // --- current facts, as SQL ---------------------------------------------------------

    /**
     * True for this database's own system scope, false for a user scope; a system scope minted
     * by another database (or used outside any transaction) is refused.
     */
    private static boolean ownSystem(AccessScope scope) {
        Inputs.notNull("scope", scope); // the null rule: every public method reaches this or uid() first
        if (!scope.isSystem()) return false;
        if (!scope.isSystemOf(DialupDatabase.inTransaction())) {
            throw new AccessDeniedException("this system scope was not minted by this database");
        }
        return true;
    }

    private static long uid(AccessScope scope) {
        Inputs.notNull("scope", scope);
        return scope.userId().orElseThrow();
    }

    /** The user's row exists and is active now. */
    static Condition activeUser(long uid) {
        return DSL.exists(DSL.selectOne().from(SU).where(SU.ID.eq(uid)).and(SU.IS_ACTIVE.isTrue()));
    }

    /** The user is an active system admin now. */
    static Condition activeAdmin(long uid) {
        return DSL.exists(DSL.selectOne().from(SU).where(SU.ID.eq(uid)).and(SU.IS_ACTIVE.isTrue()).and(SU.IS_ADMIN.isTrue()));
    }

    /** Ids of the active organizations the user belongs to now ({@code managedOnly}: as owner or admin). */
    static Select<Record1<Long>> organizationsOf(long uid, boolean managedOnly) {
        Condition c = SM.USER_ID.eq(uid).and(SO.IS_ACTIVE.isTrue());
        if (managedOnly) c = c.and(SM.ROLE.in(MANAGER_ROLES));
        return DSL.select(SM.ORGANIZATION_ID).from(SM).join(SO).on(SO.ID.eq(SM.ORGANIZATION_ID)).where(c);
    }

    private static boolean holds(DSLContext dsl, Condition c) {
        return dsl.fetchExists(DSL.selectOne().where(c));
    }

    // --- sites -------------------------------------------------------------------------

    /** Sites the scope may read. */
    public static Condition siteVisible(AccessScope scope, Sites s) {
        if (ownSystem(scope)) return DSL.trueCondition();
        long uid = uid(scope);
        return activeAdmin(uid).or(activeUser(uid).and(s.OWNER_ID.eq(uid).or(s.ORGANIZATION_ID.in(organizationsOf(uid, false)))));
    }

    public static Condition siteVisible(AccessScope scope) {
        Inputs.notNull("scope", scope);
        return siteVisible(scope, SITES);
    }

    /** Sites the scope may manage (configuration, limits, domains, env vars, delete). */
    public static Condition siteManageable(AccessScope scope, Sites s) {
        if (ownSystem(scope)) return DSL.trueCondition();
        long uid = uid(scope);
        return activeAdmin(uid).or(activeUser(uid).and(s.OWNER_ID.eq(uid).or(s.ORGANIZATION_ID.in(organizationsOf(uid, true)))));
    }

    /** Whether the scope may manage this site row now (queried in {@code dsl}'s transaction). */
    public static boolean canManage(DSLContext dsl, AccessScope scope, SitesRecord site) {
        if (ownSystem(scope)) return true;
        return dsl.fetchExists(DSL.selectOne().from(SITES).where(SITES.ID.eq(site.getId())).and(siteManageable(scope, SITES)));
    }

    /**
     * The site if the scope can see it. Invisible and missing sites raise the same
     * {@link NotFoundException}.
     */
    public static SitesRecord requireVisibleSite(DSLContext dsl, AccessScope scope, long siteId) {
        Inputs.notNull("scope", scope);
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
        Inputs.notNull("scope", scope);
        SitesRecord site = requireVisibleSite(dsl, scope, siteId);
        if (!canManage(dsl, scope, site)) {
            throw new AccessDeniedException("managing site " + siteId + " needs its owner, an organization owner/admin or a system admin");
        }
        return site;
    }

    // --- roles -------------------------------------------------------------------------

    /**
     * For platform-component APIs (ingest, enforcement, orchestration): only a system scope
     * minted by {@code db} passes; user scopes and other databases' system scopes are refused.
     */
    public static void requireSystem(DialupDatabase db, AccessScope scope, String operation) {
        Inputs.notNull("scope", scope);
        if (!scope.isSystem()) {
            throw new AccessDeniedException(operation + " is reserved for the system scope");
        }
        if (!scope.isSystemOf(db)) {
            throw new AccessDeniedException(operation + ": this system scope was not minted by this database");
        }
    }

    /** True for this database's system scope and for users who are active system admins now. */
    public static boolean isAdmin(DSLContext dsl, AccessScope scope) {
        if (ownSystem(scope)) return true;
        return holds(dsl, activeAdmin(uid(scope)));
    }

    /** For operations reserved to system admins (and the system scope); checked on the current user row. */
    public static void requireAdmin(DSLContext dsl, AccessScope scope, String operation) {
        if (!isAdmin(dsl, scope)) {
            throw new AccessDeniedException(operation + " needs a system admin");
        }
    }

    /**
     * The calling user's id if the scope is a user's and that user is active now;
     * {@link AccessDeniedException} for the system scope and deactivated users.
     */
    public static long requireActiveUser(DSLContext dsl, AccessScope scope, String operation) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem() || !holds(dsl, activeUser(uid(scope)))) {
            throw new AccessDeniedException(operation + " needs an active user");
        }
        return uid(scope);
    }

    /** Users the scope may see: itself; every user for system admins and the system scope. */
    public static Condition userVisible(AccessScope scope, Users u) {
        if (ownSystem(scope)) return DSL.trueCondition();
        long uid = uid(scope);
        return activeAdmin(uid).or(activeUser(uid).and(u.ID.eq(uid)));
    }

    /** Organizations the scope may see: active ones it belongs to; all for system admins. */
    public static Condition organizationVisible(AccessScope scope, Organizations o) {
        if (ownSystem(scope)) return DSL.trueCondition();
        long uid = uid(scope);
        return activeAdmin(uid).or(activeUser(uid).and(o.ID.in(organizationsOf(uid, false))));
    }

    /** Audit rows the scope may read: all for system admins; its managed organizations' rows otherwise. */
    public static Condition auditVisible(AccessScope scope, AuditLog a) {
        if (ownSystem(scope)) return DSL.trueCondition();
        long uid = uid(scope);
        return activeAdmin(uid).or(activeUser(uid).and(a.ORGANIZATION_ID.in(organizationsOf(uid, true))));
    }

    /** True when the scope's user is active and owner/admin of at least one active organization now. */
    public static boolean managesAnyOrganization(DSLContext dsl, AccessScope scope) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return false;
        long uid = uid(scope);
        return holds(dsl, activeUser(uid).and(DSL.exists(organizationsOf(uid, true))));
    }

    /** The organization if visible; invisible and missing raise the same {@link NotFoundException}. */
    public static OrganizationsRecord requireVisibleOrganization(DSLContext dsl, AccessScope scope, long orgId) {
        Inputs.notNull("scope", scope);
        OrganizationsRecord org = dsl.selectFrom(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(orgId))
                .and(organizationVisible(scope, ORGANIZATIONS)).fetchOne();
        if (org == null) {
            throw new NotFoundException("organization", orgId);
        }
        return org;
    }

    /** The caller's current role in the (active) organization, if any; empty for the system scope. */
    public static Optional<OrgRole> roleIn(DSLContext dsl, AccessScope scope, long orgId) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return Optional.empty();
        long uid = uid(scope);
        String role = dsl.select(SM.ROLE).from(SM).join(SO).on(SO.ID.eq(SM.ORGANIZATION_ID))
                .where(SM.USER_ID.eq(uid)).and(SM.ORGANIZATION_ID.eq(orgId)).and(SO.IS_ACTIVE.isTrue())
                .and(activeUser(uid)).fetchOne(SM.ROLE);
        return Optional.ofNullable(role).map(OrgRole::fromDb);
    }

    /** Owner/admin of the organization, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationManager(DSLContext dsl, AccessScope scope, long orgId, String operation) {
        if (isAdmin(dsl, scope)) return;
        if (!roleIn(dsl, scope, orgId).map(OrgRole::canManage).orElse(false)) {
            throw new AccessDeniedException(operation + " needs the organization's owner or an admin");
        }
    }

    /** The organization's owner, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationOwner(DSLContext dsl, AccessScope scope, long orgId, String operation) {
        if (isAdmin(dsl, scope)) return;
        if (roleIn(dsl, scope, orgId).orElse(null) != OrgRole.OWNER) {
            throw new AccessDeniedException(operation + " needs the organization's owner");
        }
    }

    /**
     * The site if the scope may deploy it: everyone who may read it (personal owner, any
     * member of its organization, system admins, the system scope). Invisible and missing
     * sites raise the same {@link NotFoundException}. See docs/deployments.md.
     */
    public static SitesRecord requireDeployableSite(DSLContext dsl, AccessScope scope, long siteId) {
        Inputs.notNull("scope", scope);
        return requireVisibleSite(dsl, scope, siteId);
    }

    /** Whether the scope may read secret values of this (visible) site: its managers and the system scope. */
    public static boolean canReadSecrets(DSLContext dsl, AccessScope scope, SitesRecord site) {
        return canManage(dsl, scope, site);
    }

    /** For reads of non-tenant platform data (system config): this database's system scope or an active user. */
    public static void requireActive(DSLContext dsl, AccessScope scope, String operation) {
        if (ownSystem(scope)) return;
        if (!holds(dsl, activeUser(uid(scope)))) {
            throw new AccessDeniedException(operation + " needs an active account");
        }
    }
}
