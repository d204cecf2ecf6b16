package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
import dev.dialup.deploy.db.sites.Slugs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;
import org.jooq.impl.DSL;

/**
 * Organizations and their members. Visible to their members while active and to system
 * admins; managed (rename, invitations, roles) by the owner and admins; deactivated and
 * transferred by the owner (or a system admin). Exactly one owner at all times: the schema
 * keeps {@code organizations.owner_id} and the single 'owner' member in step (V4 triggers).
 *
 * <p><b>Membership is by invitation.</b> Owners and admins {@link #invite} a username or an
 * email; the account whose current username or email matches sees it in
 * {@link #myInvitations} and {@link #acceptInvitation accepts} or {@link #declineInvitation
 * declines} it with its own scope. Invitations expire ({@link #DEFAULT_INVITATION_LIFETIME}
 * unless the constructor says otherwise), are answered once, carry no token, and every step is
 * audited. Inviting never looks up the account, so its result (and its work) is the same
 * whether or not the account exists. {@link #addMember} (adding a user by id without their
 * consent) is kept for system admins and the system scope only. Rules in docs/tenancy.md.
 */
public final class OrganizationRepository {
    private static final Organizations O = ORGANIZATIONS;
    private static final OrganizationMembers M = ORGANIZATION_MEMBERS;
    private static final Users U = USERS;
    /** Unique constraints of organizations: names compare on their NFKC_Casefold key (V52), slugs case-insensitively. */
    private static final Map<String, String> CONFLICTS = Map.of(
            "organizations.name", "organization name is taken",
            "organizations.slug", "organization slug is taken");

    /** How long an invitation stays acceptable unless configured otherwise: 7 days. */
    public static final Duration DEFAULT_INVITATION_LIFETIME = Duration.ofDays(7);

    static final Duration MIN_INVITATION_LIFETIME = Duration.ofMinutes(5);
    static final Duration MAX_INVITATION_LIFETIME = Duration.ofDays(90);

    private final DialupDatabase db;
    private final AuditLog audit;
    private final OrganizationInvitationStore invitations;

    public OrganizationRepository(DialupDatabase db) {
        this(db, DEFAULT_INVITATION_LIFETIME);
    }

    /** With invitations that expire after {@code invitationLifetime} (5 minutes to 90 days). */
    public OrganizationRepository(DialupDatabase db, Duration invitationLifetime) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
        if (invitationLifetime == null
                || invitationLifetime.compareTo(MIN_INVITATION_LIFETIME) < 0
                || invitationLifetime.compareTo(MAX_INVITATION_LIFETIME) > 0) {
            throw new ValidationException("invitationLifetime", "must be between 5 minutes and 90 days");
        }
        this.invitations = new OrganizationInvitationStore(db, audit, invitationLifetime);
    }

    /**
     * Creates an organization owned by the calling user (who becomes its 'owner' member).
     * {@code slug} may be null: it is then derived from the name. Needs an active user scope.
     */
    public Organization create(AccessScope scope, String name, String slug, String description) {
        String n = Inputs.name("name", name);
        String s = slug == null ? null : Slugs.require(slug);
        String d = Inputs.optionalText("description", description, Inputs.TEXT_MAX);
        return db.write(scope, tx -> {
            long owner = TenantFilter.requireActiveUser(tx, scope, "creating an organization");
            // A derived slug steps aside when another writer takes it meanwhile; every uniqueness rule
            // itself is a UNIQUE constraint.
            Function<String, Long> insert = chosen -> tx.insertInto(O)
                    .set(O.NAME, n)
                    .set(O.NAME_KEY, Inputs.nameKey(n))
                    .set(O.SLUG, chosen)
                    .set(O.DESCRIPTION, d)
                    .set(O.OWNER_ID, owner)
                    .set(O.IS_ACTIVE, true)
                    .returning(O.ID)
                    .fetchOne()
                    .getId();
            long id = UniqueConstraints.conflictOn(
                    CONFLICTS,
                    () -> s != null
                            ? insert.apply(s)
                            : Slugs.insertDerived(
                                    db,
                                    Slugs.slugify(n),
                                    c -> tx.fetchExists(O, O.SLUG.equalIgnoreCase(c)),
                                    "organizations.slug",
                                    insert));
            OrganizationsRecord created = selectBase(tx).where(O.ID.eq(id)).fetchOne();
            audit.record(
                    tx,
                    scope,
                    "organization.create",
                    "organization",
                    id,
                    id,
                    Map.of("name", n, "slug", created.getSlug()));
            return toOrganization(created);
        });
    }

    /** The organization, if visible (member of an active organization, or system admin). */
    public Organization find(AccessScope scope, long orgId) {
        return db.read(scope, dsl -> toOrganization(TenantFilter.requireVisibleOrganization(dsl, scope, orgId)));
    }

    /** Active organizations the calling user belongs to, by name; empty for the system scope. */
    public List<Organization> listMine(AccessScope scope) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return List.of();
        long uid = scope.userId().orElseThrow();
        return db.read(
                scope,
                dsl -> selectBase(dsl)
                        .where(O.ID.in(TenantFilter.organizationIds(dsl, uid)))
                        .orderBy(O.NAME, O.ID)
                        .fetch(OrganizationRepository::toOrganization));
    }

    /** Renames the organization: owner/admin or system admin. The slug stays (links keep working). */
    public Organization rename(AccessScope scope, long orgId, String newName) {
        String n = Inputs.name("name", newName);
        return db.write(scope, tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "renaming an organization");
            UniqueConstraints.conflictOn(
                    CONFLICTS,
                    () -> tx.update(O)
                            .set(O.NAME, n)
                            .set(O.NAME_KEY, Inputs.nameKey(n))
                            .where(O.ID.eq(orgId))
                            .execute());
            audit.record(
                    tx,
                    scope,
                    "organization.rename",
                    "organization",
                    orgId,
                    orgId,
                    Map.of("from", org.getName(), "to", n));
            return toOrganization(selectBase(tx).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Deactivates: the owner or a system admin. Members keep their rows but the organization grants nothing. */
    public Organization deactivate(AccessScope scope, long orgId) {
        return db.write(scope, tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(tx, scope, orgId, "deactivating an organization");
            tx.update(O).set(O.IS_ACTIVE, false).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.deactivate", "organization", orgId, orgId, Map.of());
            return toOrganization(selectBase(tx).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Reactivates: system admins only (a deactivated organization is invisible to its members). */
    public Organization reactivate(AccessScope scope, long orgId) {
        return db.write(scope, tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireAdmin(tx, scope, "reactivating an organization");
            tx.update(O).set(O.IS_ACTIVE, true).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.reactivate", "organization", orgId, orgId, Map.of());
            return toOrganization(selectBase(tx).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Members with their roles, owner first then by username: any member, or system admin. */
    public List<Member> members(AccessScope scope, long orgId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleOrganization(dsl, scope, orgId);
            return Memberships.selectBase(dsl)
                    .where(M.ORGANIZATION_ID.eq(orgId))
                    .orderBy(
                            DSL.when(M.ROLE.eq("owner"), 0)
                                    .when(M.ROLE.eq("admin"), 1)
                                    .otherwise(2),
                            U.USERNAME)
                    .fetch(Memberships::toMember);
        });
    }

    /**
     * Adds an active user by id as 'admin' or 'member', without an invitation: system admins
     * and the system scope only (platform support, migrations, provisioning — they can see
     * every account anyway). Organization owners and admins {@link #invite} instead
     * ({@link AccessDeniedException} here). An unknown or deactivated user is
     * {@link NotFoundException}; an existing member is a {@link ConflictException}.
     */
    public Member addMember(AccessScope scope, long orgId, long userId, OrgRole role) {
        OrgRole r = Memberships.assignable(role);
        return db.write(scope, tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireAdmin(tx, scope, "adding a member by id (organization owners and admins invite)");
            if (!tx.fetchExists(U, U.ID.eq(userId).and(U.IS_ACTIVE.isTrue())))
                throw new NotFoundException("user", userId);
            Memberships.add(tx, orgId, userId, r, "user " + userId + " is already a member");
            audit.record(tx, scope, "organization.member_add", "user", userId, orgId, Map.of("role", r.dbValue()));
            return Memberships.require(tx, orgId, userId);
        });
    }

    /**
     * Removes a member: owner/admin or system admin; any member may remove themselves (leave).
     * The owner cannot be removed ({@link AccessDeniedException} for others,
     * {@link ConflictException} for the owner: transfer ownership first).
     */
    public void removeMember(AccessScope scope, long orgId, long userId) {
        db.writeVoid(scope, tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            boolean self = scope.userId().map(id -> id == userId).orElse(false);
            if (!self) TenantFilter.requireOrganizationManager(tx, scope, orgId, "removing a member");
            Member target = Memberships.require(tx, orgId, userId);
            guardOwner(tx, scope, org, target, "removed; transfer ownership first");
            tx.deleteFrom(M)
                    .where(M.ORGANIZATION_ID.eq(orgId))
                    .and(M.USER_ID.eq(userId))
                    .execute();
            audit.record(
                    tx,
                    scope,
                    "organization.member_remove",
                    "user",
                    userId,
                    orgId,
                    Map.of("role", target.role().dbValue()));
        });
    }

    /** Changes a member's role between 'admin' and 'member': owner/admin or system admin; never the owner's. */
    public Member changeRole(AccessScope scope, long orgId, long userId, OrgRole role) {
        OrgRole r = Memberships.assignable(role);
        return db.write(scope, tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "changing a member's role");
            Member target = Memberships.require(tx, orgId, userId);
            guardOwner(tx, scope, org, target, "given another role; transfer ownership instead");
            tx.update(M)
                    .set(M.ROLE, r.dbValue())
                    .where(M.ORGANIZATION_ID.eq(orgId))
                    .and(M.USER_ID.eq(userId))
                    .execute();
            audit.record(
                    tx,
                    scope,
                    "organization.member_role",
                    "user",
                    userId,
                    orgId,
                    Map.of("from", target.role().dbValue(), "to", r.dbValue()));
            return Memberships.require(tx, orgId, userId);
        });
    }

    /**
     * Makes another member the owner: the owner or a system admin. The new owner must already
     * be a member with an active account — anyone else (stranger, missing or deactivated user)
     * is the same {@link NotFoundException} ("member N not found"): ownership is never pushed
     * onto someone who did not join. The old owner stays as 'admin' (V4 triggers).
     */
    public Organization transferOwnership(AccessScope scope, long orgId, long newOwnerId) {
        return db.write(scope, tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(tx, scope, orgId, "transferring ownership");
            if (!tx.fetchExists(
                    M.join(U).on(U.ID.eq(M.USER_ID)),
                    M.ORGANIZATION_ID.eq(orgId).and(M.USER_ID.eq(newOwnerId)).and(U.IS_ACTIVE.isTrue()))) {
                throw new NotFoundException("member", newOwnerId);
            }
            if (org.getOwnerId() == newOwnerId)
                throw new ConflictException("user " + newOwnerId + " already owns the organization");
            tx.update(O).set(O.OWNER_ID, newOwnerId).where(O.ID.eq(orgId)).execute();
            audit.record(
                    tx,
                    scope,
                    "organization.transfer_ownership",
                    "organization",
                    orgId,
                    orgId,
                    Map.of("from", org.getOwnerId(), "to", newOwnerId));
            return toOrganization(selectBase(tx).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    // Admins cannot change or remove the owner; the owner cannot drop their own owner role either.
    private static void guardOwner(
            DSLContext tx, AccessScope scope, OrganizationsRecord org, Member target, String what) {
        if (target.role() != OrgRole.OWNER) return;
        boolean actorIsOwner =
                scope.userId().map(id -> id.equals(org.getOwnerId())).orElse(false);
        if (!actorIsOwner && !TenantFilter.isAdmin(tx, scope)) {
            throw new AccessDeniedException("only the owner's own transfer changes the organization owner");
        }
        throw new ConflictException("the organization owner cannot be " + what);
    }

    // --- invitations (OrganizationInvitationStore) -----------------------------------

    /**
     * Invites {@code usernameOrEmail} (an email if it contains '@', a username otherwise; same
     * format rules as registration) to join as 'admin' or 'member': the organization's owner or
     * admins, or a system admin. The account is not looked up: the result is the same whether
     * or not it exists, and only an account whose current username or email matches can
     * answer. A pending invitation for the same invitee is a {@link ConflictException} (the
     * schema's partial unique index decides); a deactivated organization invites nobody
     * ({@link ConflictException}). Audited as {@code organization.invite}.
     */
    public Invitation invite(AccessScope scope, long orgId, String usernameOrEmail, OrgRole role) {
        return invitations.invite(scope, orgId, usernameOrEmail, role);
    }

    /** The organization's pending (unexpired) invitations, oldest first: owner/admins or a system admin. */
    public List<Invitation> invitations(AccessScope scope, long orgId) {
        return invitations.pending(scope, orgId);
    }

    /**
     * Withdraws a pending invitation: owner/admins or a system admin. An invitation that is not
     * pending in this organization is {@link NotFoundException}. Audited.
     */
    public void revokeInvitation(AccessScope scope, long orgId, long invitationId) {
        invitations.revoke(scope, orgId, invitationId);
    }

    /**
     * Pending, unexpired invitations addressed to the calling user's current username or email,
     * in active organizations; empty for the system scope and deactivated users.
     */
    public List<Invitation> myInvitations(AccessScope scope) {
        return invitations.mine(scope);
    }

    /**
     * Accepts an invitation addressed to the calling (active) user: they join with the
     * invitation's role and the invitation is used up. Anything else — another user's
     * invitation, an answered, expired or missing one, a deactivated organization — is the
     * same {@link NotFoundException}; already being a member is a {@link ConflictException}.
     * Audited as {@code organization.invitation_accept}.
     */
    public Member acceptInvitation(AccessScope scope, long invitationId) {
        return invitations.accept(scope, invitationId);
    }

    /** Declines an invitation addressed to the calling user; same {@link NotFoundException} rules as accepting. Audited. */
    public void declineInvitation(AccessScope scope, long invitationId) {
        invitations.decline(scope, invitationId);
    }

    private static SelectWhereStep<OrganizationsRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(O);
    }

    private static Organization toOrganization(OrganizationsRecord r) {
        return new Organization(
                r.getId(),
                r.getName(),
                r.getSlug(),
                r.getDescription(),
                r.getOwnerId(),
                Boolean.TRUE.equals(r.getIsActive()),
                r.getCreatedAt(),
                r.getUpdatedAt());
    }
}
