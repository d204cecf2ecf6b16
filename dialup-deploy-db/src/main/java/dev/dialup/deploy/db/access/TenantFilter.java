package dev.dialup.deploy.db.access;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.engine.FactsRow;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.generated.tables.AuditLog;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
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
 * <p><b>Current facts.</b> An {@link AccessScope} says only who is asking. Every condition and
 * every {@code require…}/{@code can…}/{@code is…} check starts by reading the caller's
 * <em>facts</em> — the user row's {@code is_active}/{@code is_admin} and the user's roles in
 * <em>active</em> organizations — with one indexed query ({@code users} by primary key, left-joined
 * to {@code organization_members} by its {@code (user_id, organization_id)} index and to
 * {@code organizations} by primary key; on PostgreSQL the same facts from the row-level security mirrors
 * through {@code dialup_rls_facts}, which answers for the transaction's own identity, or for anyone when the
 * caller sees every row — docs/tenancy.md)
 * on the running transaction's {@link DSLContext}. The
 * decision is then made from those facts: a condition is the plain
 * {@code owner_id = ? OR organization_id IN (?, …)} the pre-issue-9 scopes produced (on PostgreSQL
 * {@code organization_id = any(?)} with one array parameter, so the statement and its server-side
 * plan are shared by users with any number of organizations) (or
 * {@code FALSE}/{@code TRUE} for deactivated users and system admins). Facts and the query they
 * guard run in the same transaction — one SQLite snapshot for a read, the write lock for a
 * write — so the decision uses exactly the facts the work sees: deactivated users see nothing,
 * deactivated organizations grant nothing, a demotion or removal takes effect on the next call.
 * Facts are never cached beyond the transaction that read them; on PostgreSQL a read transaction's facts
 * are read once, in its first round trip, and serve every decision in it — one REPEATABLE READ snapshot, in
 * which a second read of them would return the same row ({@link FactsRow}). (Until the performance work of
 * issue 9 the conditions embedded the same look-ups as sub-queries; rendering those on every call
 * cost more than the look-up itself — docs/PERFORMANCE.md.)
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

    private TenantFilter() {}

    // --- current facts -----------------------------------------------------------------

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

    /**
     * A user's facts as of the running transaction. {@code active} is false for a missing user;
     * {@code admin} is true only for an <em>active</em> system admin; {@code roles} holds the
     * user's role in each <em>active</em> organization (empty when the user is inactive: an
     * inactive user reaches nothing through organizations). {@code arrays}: the engine binds the
     * organization ids as one array ({@code DatabaseEngine#bindsIdListsAsArrays}).
     */
    record Facts(long userId, boolean active, boolean admin, Map<Long, OrgRole> roles, boolean arrays) {
        Facts(long userId, boolean active, boolean admin, Map<Long, OrgRole> roles) {
            this(userId, active, admin, roles, false);
        }

        /** Ids of the active organizations the user belongs to ({@code managedOnly}: as owner or admin). */
        List<Long> organizations(boolean managedOnly) {
            List<Long> ids = new ArrayList<>(roles.size());
            roles.forEach((id, role) -> {
                if (!managedOnly || role.canManage()) ids.add(id);
            });
            return ids;
        }

        /**
         * Rows reachable through the user's organizations or personal ownership: {@code FALSE} for
         * an inactive user, {@code TRUE} for an active admin, otherwise the literal-id condition.
         */
        Condition reach(Field<Long> owner, Field<Long> organization, boolean managedOnly) {
            if (!active) return DSL.falseCondition();
            if (admin) return DSL.trueCondition();
            Condition viaOrg = organization == null
                    ? DSL.falseCondition()
                    : arrays
                            // One array parameter (PostgreSQL): the same statement for any number of organizations.
                            ? organization.eq(DSL.any(organizations(managedOnly).toArray(Long[]::new)))
                            : organization.in(organizations(managedOnly));
            return owner == null ? viaOrg : owner.eq(userId).or(viaOrg);
        }
    }

    /**
     * The facts query: the user row by primary key and, in the same row, its memberships in active
     * organizations as {@code "orgId:role,orgId:role,…"} (a correlated {@code group_concat} over
     * the {@code (user_id, organization_id)} index, each organization by primary key). Built once
     * and rendered once; each call binds only the user id and reads one row.
     * (Rendering a larger query per call, or reading one JDBC row per membership, is what cost
     * the time — docs/PERFORMANCE.md.)
     */
    private static final Select<?> FACTS = DSL.select(
                    SU.IS_ACTIVE,
                    SU.IS_ADMIN,
                    DSL.field(DSL.select(DSL.groupConcat(
                                    DSL.concat(SM.ORGANIZATION_ID.cast(String.class), DSL.inline(":"), SM.ROLE)))
                            .from(SM)
                            .join(SO)
                            .on(SO.ID.eq(SM.ORGANIZATION_ID))
                            .where(SM.USER_ID.eq(SU.ID))
                            .and(SO.IS_ACTIVE.isTrue())))
            .from(SU)
            .where(SU.ID.eq(DSL.param("uid", Long.class)));
    /**
     * Per dialect family of every engine: the engine's own facts statement ({@code DatabaseEngine#factsSql};
     * PostgreSQL reads its row-level security mirrors), else {@link #FACTS} rendered once, at class initialisation,
     * then reused by every call. (Not filled lazily: a map filled by a lambda on first use hides a
     * broken lambda from mutation testing, whose minion JVM keeps the filled map.)
     */
    private static final Map<SQLDialect, String> FACTS_SQL = Engines.all().stream()
            .collect(Collectors.toUnmodifiableMap(
                    e -> e.dialect().family(),
                    e -> e.factsSql() != null
                            ? e.factsSql()
                            : DSL.using(e.dialect().family()).render(FACTS)));

    /**
     * The user's facts as of {@code dsl}'s running transaction: the row the core already read in a read
     * transaction's first round trip when there is one for this user ({@link FactsRow#attached}; same snapshot, so
     * the same row a query now would return), else read now with one indexed query on the transaction's connection.
     */
    static Facts facts(DSLContext dsl, long uid) {
        FactsRow row = FactsRow.attached(dsl, uid);
        if (row == null) {
            row = dsl.connectionResult(c -> {
                try (PreparedStatement ps =
                        c.prepareStatement(FACTS_SQL.get(dsl.dialect().family()))) {
                    ps.setLong(1, uid);
                    try (ResultSet rs = ps.executeQuery()) {
                        return FactsRow.read(rs, uid);
                    }
                }
            });
        }
        // A missing user, and NULL flags, count as inactive / not admin (like IS TRUE in SQL).
        if (!row.active()) {
            return new Facts(uid, false, false, Map.of());
        }
        return new Facts(
                uid,
                true,
                row.admin(),
                roles(row.memberships()),
                Engines.forDialect(dsl.dialect()).bindsIdListsAsArrays());
    }

    /** {@code "12:owner,40:member"} as a map; null (no membership in an active organization) as an empty one. */
    static Map<Long, OrgRole> roles(String memberships) {
        Map<Long, OrgRole> roles = new LinkedHashMap<>();
        for (String item : memberships == null ? new String[0] : memberships.split(",")) {
            int colon = item.indexOf(':');
            roles.put(Long.parseLong(item, 0, colon, 10), OrgRole.fromDb(item.substring(colon + 1)));
        }
        return roles;
    }

    /** The scope's facts; the caller has already handled the system scope. */
    private static Facts facts(DSLContext dsl, AccessScope scope) {
        return facts(dsl, uid(scope));
    }

    // --- sites -------------------------------------------------------------------------

    /** Sites the scope may read, decided on the caller's facts read now in {@code dsl}'s transaction. */
    public static Condition siteVisible(DSLContext dsl, AccessScope scope, Sites s) {
        return ownSystem(scope) ? DSL.trueCondition() : facts(dsl, scope).reach(s.OWNER_ID, s.ORGANIZATION_ID, false);
    }

    private static boolean canManage(Facts f, SitesRecord site) {
        if (!f.active()) return false;
        return f.admin()
                || Objects.equals(site.getOwnerId(), f.userId())
                || f.roles()
                        .getOrDefault(site.getOrganizationId(), OrgRole.MEMBER)
                        .canManage();
    }

    /** Whether the scope may manage this site row now (facts read in {@code dsl}'s transaction). */
    public static boolean canManage(DSLContext dsl, AccessScope scope, SitesRecord site) {
        if (ownSystem(scope)) return true;
        return canManage(facts(dsl, scope), site);
    }

    private static SitesRecord requireVisibleSite(DSLContext dsl, Condition visible, long siteId) {
        SitesRecord site =
                dsl.selectFrom(SITES).where(SITES.ID.eq(siteId)).and(visible).fetchOne();
        if (site == null) {
            throw new NotFoundException("site", siteId);
        }
        return site;
    }

    /**
     * The site if the scope can see it. Invisible and missing sites raise the same
     * {@link NotFoundException}.
     */
    public static SitesRecord requireVisibleSite(DSLContext dsl, AccessScope scope, long siteId) {
        return requireVisibleSite(dsl, siteVisible(dsl, scope, SITES), siteId);
    }

    /**
     * The site if the scope may manage it: {@link NotFoundException} when invisible or
     * missing, {@link AccessDeniedException} when visible without the needed role.
     */
    public static SitesRecord requireManageableSite(DSLContext dsl, AccessScope scope, long siteId) {
        if (ownSystem(scope)) return requireVisibleSite(dsl, DSL.trueCondition(), siteId);
        Facts f = facts(dsl, scope);
        SitesRecord site = requireVisibleSite(dsl, f.reach(SITES.OWNER_ID, SITES.ORGANIZATION_ID, false), siteId);
        if (!canManage(f, site)) {
            throw new AccessDeniedException(
                    "managing site " + siteId + " needs its owner, an organization owner/admin or a system admin");
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
        return facts(dsl, scope).admin();
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
        if (scope.isSystem() || !facts(dsl, scope).active()) {
            throw new AccessDeniedException(operation + " needs an active user");
        }
        return uid(scope);
    }

    /** Users the scope may see: itself; every user for system admins and the system scope. */
    public static Condition userVisible(DSLContext dsl, AccessScope scope, Users u) {
        return ownSystem(scope) ? DSL.trueCondition() : facts(dsl, scope).reach(u.ID, null, false);
    }

    /** Organizations the scope may see: active ones it belongs to; all for system admins. */
    public static Condition organizationVisible(DSLContext dsl, AccessScope scope, Organizations o) {
        return ownSystem(scope) ? DSL.trueCondition() : facts(dsl, scope).reach(null, o.ID, false);
    }

    /** Audit rows the scope may read: all for system admins; its managed organizations' rows otherwise. */
    public static Condition auditVisible(DSLContext dsl, AccessScope scope, AuditLog a) {
        return ownSystem(scope) ? DSL.trueCondition() : facts(dsl, scope).reach(null, a.ORGANIZATION_ID, true);
    }

    /** True when the scope's user is active and owner/admin of at least one active organization now. */
    public static boolean managesAnyOrganization(DSLContext dsl, AccessScope scope) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return false;
        return !facts(dsl, scope).organizations(true).isEmpty();
    }

    /**
     * Ids of the active organizations the calling user belongs to now, in no particular order;
     * empty for a deactivated user. Only for user scopes.
     */
    public static List<Long> organizationIds(DSLContext dsl, long uid) {
        return facts(dsl, uid).organizations(false);
    }

    /** The organization if visible; invisible and missing raise the same {@link NotFoundException}. */
    public static OrganizationsRecord requireVisibleOrganization(DSLContext dsl, AccessScope scope, long orgId) {
        OrganizationsRecord org = dsl.selectFrom(ORGANIZATIONS)
                .where(ORGANIZATIONS.ID.eq(orgId))
                .and(organizationVisible(dsl, scope, ORGANIZATIONS))
                .fetchOne();
        if (org == null) {
            throw new NotFoundException("organization", orgId);
        }
        return org;
    }

    /** The caller's current role in the (active) organization, if any; empty for the system scope. */
    public static Optional<OrgRole> roleIn(DSLContext dsl, AccessScope scope, long orgId) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return Optional.empty();
        return Optional.ofNullable(facts(dsl, scope).roles().get(orgId));
    }

    /** Owner/admin of the organization, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationManager(DSLContext dsl, AccessScope scope, long orgId, String operation) {
        if (ownSystem(scope)) return;
        Facts f = facts(dsl, scope);
        if (!f.admin() && !f.roles().getOrDefault(orgId, OrgRole.MEMBER).canManage()) {
            throw new AccessDeniedException(operation + " needs the organization's owner or an admin");
        }
    }

    /** The organization's owner, or a system admin; {@link AccessDeniedException} otherwise. */
    public static void requireOrganizationOwner(DSLContext dsl, AccessScope scope, long orgId, String operation) {
        if (ownSystem(scope)) return;
        Facts f = facts(dsl, scope);
        if (!f.admin() && f.roles().get(orgId) != OrgRole.OWNER) {
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
    public static boolean canReadSecrets(DSLContext dsl, AccessScope scope, SitesRecord site) {
        return canManage(dsl, scope, site);
    }

    /** For reads of non-tenant platform data (system config): this database's system scope or an active user. */
    public static void requireActive(DSLContext dsl, AccessScope scope, String operation) {
        if (ownSystem(scope)) return;
        if (!facts(dsl, scope).active()) {
            throw new AccessDeniedException(operation + " needs an active account");
        }
    }
}
