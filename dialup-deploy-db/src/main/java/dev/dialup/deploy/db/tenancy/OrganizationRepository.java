package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.generated.tables.OrganizationInvitations;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
import dev.dialup.deploy.db.sites.Slugs;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectJoinStep;
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

    private static final OrganizationInvitations I = ORGANIZATION_INVITATIONS;

    /** How long an invitation stays acceptable unless configured otherwise: 7 days. */
    public static final Duration DEFAULT_INVITATION_LIFETIME = Duration.ofDays(7);
    static final Duration MIN_INVITATION_LIFETIME = Duration.ofMinutes(5);
    static final Duration MAX_INVITATION_LIFETIME = Duration.ofDays(90);

    private final DialupDatabase db;
    private final AuditLog audit;
    private final Duration invitationLifetime;

    public OrganizationRepository(DialupDatabase db) {
        this(db, DEFAULT_INVITATION_LIFETIME);
    }

    /** With invitations that expire after {@code invitationLifetime} (5 minutes to 90 days). */
    public OrganizationRepository(DialupDatabase db, Duration invitationLifetime) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
        if (invitationLifetime == null || invitationLifetime.compareTo(MIN_INVITATION_LIFETIME) < 0
                || invitationLifetime.compareTo(MAX_INVITATION_LIFETIME) > 0) {
            throw new ValidationException("invitationLifetime", "must be between 5 minutes and 90 days");
        }
        this.invitationLifetime = invitationLifetime;
    }

    /**
     * Creates an organization owned by the calling user (who becomes its 'owner' member).
     * {@code slug} may be null: it is then derived from the name. Needs an active user scope.
     */
    public Organization create(AccessScope scope, String name, String slug, String description) {
        String n = Inputs.name("name", name);
        String s = slug == null ? null : Slugs.require(slug);
        String d = Inputs.optionalText("description", description, Inputs.TEXT_MAX);
        return db.write(tx -> {
            long owner = TenantFilter.requireActiveUser(tx, scope, "creating an organization");
            String finalSlug = s != null ? s : Slugs.unique(Slugs.slugify(n), c -> tx.fetchExists(O, O.SLUG.equalIgnoreCase(c)));
            long id = UniqueConstraints.conflictOn(CONFLICTS, () -> tx.insertInto(O)
                    .set(O.NAME, n).set(O.NAME_KEY, Inputs.nameKey(n)).set(O.SLUG, finalSlug).set(O.DESCRIPTION, d)
                    .set(O.OWNER_ID, owner).set(O.IS_ACTIVE, true)
                    .returning(O.ID).fetchOne().getId());
            audit.record(tx, scope, "organization.create", "organization", id, id, Map.of("name", n, "slug", finalSlug));
            return map(tx.selectFrom(O).where(O.ID.eq(id)).fetchOne());
        });
    }

    /** The organization, if visible (member of an active organization, or system admin). */
    public Organization find(AccessScope scope, long orgId) {
        return db.read(dsl -> map(TenantFilter.requireVisibleOrganization(dsl, scope, orgId)));
    }

    /** Active organizations the calling user belongs to, by name; empty for the system scope. */
    public List<Organization> listMine(AccessScope scope) {
        Inputs.notNull("scope", scope);
        if (scope.isSystem()) return List.of();
        long uid = scope.userId().orElseThrow();
        return db.read(dsl -> dsl.selectFrom(O).where(O.ID.in(TenantFilter.organizationsOf(uid, false)))
                .and(TenantFilter.activeUser(uid)).and(O.IS_ACTIVE.isTrue())
                .orderBy(O.NAME, O.ID).fetch(OrganizationRepository::map));
    }

    /** Renames the organization: owner/admin or system admin. The slug stays (links keep working). */
    public Organization rename(AccessScope scope, long orgId, String newName) {
        String n = Inputs.name("name", newName);
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "renaming an organization");
            UniqueConstraints.conflictOn(CONFLICTS,
                    () -> tx.update(O).set(O.NAME, n).set(O.NAME_KEY, Inputs.nameKey(n)).where(O.ID.eq(orgId)).execute());
            audit.record(tx, scope, "organization.rename", "organization", orgId, orgId, Map.of("from", org.getName(), "to", n));
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Deactivates: the owner or a system admin. Members keep their rows but the organization grants nothing. */
    public Organization deactivate(AccessScope scope, long orgId) {
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(tx, scope, orgId, "deactivating an organization");
            tx.update(O).set(O.IS_ACTIVE, false).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.deactivate", "organization", orgId, orgId, Map.of());
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Reactivates: system admins only (a deactivated organization is invisible to its members). */
    public Organization reactivate(AccessScope scope, long orgId) {
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireAdmin(tx, scope, "reactivating an organization");
            tx.update(O).set(O.IS_ACTIVE, true).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.reactivate", "organization", orgId, orgId, Map.of());
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Members with their roles, owner first then by username: any member, or system admin. */
    public List<Member> members(AccessScope scope, long orgId) {
        return db.read(dsl -> {
            TenantFilter.requireVisibleOrganization(dsl, scope, orgId);
            return memberBase(dsl).where(M.ORGANIZATION_ID.eq(orgId))
                    .orderBy(org.jooq.impl.DSL.when(M.ROLE.eq("owner"), 0).when(M.ROLE.eq("admin"), 1).otherwise(2), U.USERNAME)
                    .fetch(OrganizationRepository::mapMember);
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
        OrgRole r = assignable(role);
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireAdmin(tx, scope, "adding a member by id (organization owners and admins invite)");
            if (!tx.fetchExists(U, U.ID.eq(userId).and(U.IS_ACTIVE.isTrue()))) throw new NotFoundException("user", userId);
            if (tx.fetchExists(M, M.ORGANIZATION_ID.eq(orgId).and(M.USER_ID.eq(userId)))) {
                throw new ConflictException("user " + userId + " is already a member");
            }
            tx.insertInto(M).set(M.ORGANIZATION_ID, orgId).set(M.USER_ID, userId).set(M.ROLE, r.dbValue()).execute();
            audit.record(tx, scope, "organization.member_add", "user", userId, orgId, Map.of("role", r.dbValue()));
            return requireMember(tx, orgId, userId);
        });
    }

    /**
     * Removes a member: owner/admin or system admin; any member may remove themselves (leave).
     * The owner cannot be removed ({@link AccessDeniedException} for others,
     * {@link ConflictException} for the owner: transfer ownership first).
     */
    public void removeMember(AccessScope scope, long orgId, long userId) {
        db.writeVoid(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            boolean self = scope.userId().map(id -> id == userId).orElse(false);
            if (!self) TenantFilter.requireOrganizationManager(tx, scope, orgId, "removing a member");
            Member target = requireMember(tx, orgId, userId);
            guardOwner(tx, scope, org, target, "removed; transfer ownership first");
            tx.deleteFrom(M).where(M.ORGANIZATION_ID.eq(orgId)).and(M.USER_ID.eq(userId)).execute();
            audit.record(tx, scope, "organization.member_remove", "user", userId, orgId, Map.of("role", target.role().dbValue()));
        });
    }

    /** Changes a member's role between 'admin' and 'member': owner/admin or system admin; never the owner's. */
    public Member changeRole(AccessScope scope, long orgId, long userId, OrgRole role) {
        OrgRole r = assignable(role);
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "changing a member's role");
            Member target = requireMember(tx, orgId, userId);
            guardOwner(tx, scope, org, target, "given another role; transfer ownership instead");
            tx.update(M).set(M.ROLE, r.dbValue()).where(M.ORGANIZATION_ID.eq(orgId)).and(M.USER_ID.eq(userId)).execute();
            audit.record(tx, scope, "organization.member_role", "user", userId, orgId,
                    Map.of("from", target.role().dbValue(), "to", r.dbValue()));
            return requireMember(tx, orgId, userId);
        });
    }

    /**
     * Makes another member the owner: the owner or a system admin. The new owner must already
     * be a member with an active account — anyone else (stranger, missing or deactivated user)
     * is the same {@link NotFoundException} ("member N not found"): ownership is never pushed
     * onto someone who did not join. The old owner stays as 'admin' (V4 triggers).
     */
    public Organization transferOwnership(AccessScope scope, long orgId, long newOwnerId) {
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(tx, scope, orgId, "transferring ownership");
            if (!tx.fetchExists(M.join(U).on(U.ID.eq(M.USER_ID)),
                    M.ORGANIZATION_ID.eq(orgId).and(M.USER_ID.eq(newOwnerId)).and(U.IS_ACTIVE.isTrue()))) {
                throw new NotFoundException("member", newOwnerId);
            }
            if (org.getOwnerId() == newOwnerId) throw new ConflictException("user " + newOwnerId + " already owns the organization");
            tx.update(O).set(O.OWNER_ID, newOwnerId).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.transfer_ownership", "organization", orgId, orgId,
                    Map.of("from", org.getOwnerId(), "to", newOwnerId));
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    // Admins cannot change or remove the owner; the owner cannot drop their own owner role either.
    private static void guardOwner(DSLContext tx, AccessScope scope, OrganizationsRecord org, Member target, String what) {
        if (target.role() != OrgRole.OWNER) return;
        boolean actorIsOwner = scope.userId().map(id -> id.equals(org.getOwnerId())).orElse(false);
        if (!actorIsOwner && !TenantFilter.isAdmin(tx, scope)) {
            throw new AccessDeniedException("only the owner's own transfer changes the organization owner");
        }
        throw new ConflictException("the organization owner cannot be " + what);
    }

    private static OrgRole assignable(OrgRole role) {
        if (role == null) throw new ValidationException("role", "must not be empty");
        if (role == OrgRole.OWNER) throw new ValidationException("role", "owner is assigned only by transferring ownership");
        return role;
    }

    // --- invitations -----------------------------------------------------------------

    /**
     * Invites {@code usernameOrEmail} (an email if it contains '@', a username otherwise; same
     * format rules as registration) to join as 'admin' or 'member': the organization's owner or
     * admins, or a system admin. The account is not looked up: the result is the same whether
     * or not it exists, and only an account whose current username or email matches can
     * answer. A pending invitation for the same invitee is a {@link ConflictException}; a
     * deactivated organization invites nobody ({@link ConflictException}). Audited as
     * {@code organization.invite}.
     */
    public Invitation invite(AccessScope scope, long orgId, String usernameOrEmail, OrgRole role) {
        OrgRole r = assignable(role);
        String invitee = invitee(usernameOrEmail);
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "inviting a member");
            if (!Boolean.TRUE.equals(org.getIsActive())) throw new ConflictException("organization " + orgId + " is deactivated");
            Instant now = now();
            expireStale(tx, now, I.ORGANIZATION_ID.eq(orgId).and(I.INVITEE.eq(invitee)));
            if (tx.fetchExists(I, I.ORGANIZATION_ID.eq(orgId).and(I.INVITEE.eq(invitee)).and(I.STATUS.eq("pending")))) {
                throw new ConflictException("'" + invitee + "' already has a pending invitation to this organization");
            }
            long id = tx.insertInto(I)
                    .set(I.ORGANIZATION_ID, orgId).set(I.INVITEE, invitee).set(I.ROLE, r.dbValue())
                    .set(I.INVITER_ID, scope.userId().orElse(null)).set(I.STATUS, "pending")
                    .set(I.CREATED_AT, now).set(I.EXPIRES_AT, now.plus(invitationLifetime))
                    .returning(I.ID).fetchOne().getId();
            audit.record(tx, scope, "organization.invite", "invitation", id, orgId, Map.of("invitee", invitee, "role", r.dbValue()));
            return requireInvitation(tx, I.ID.eq(id), id);
        });
    }

    /** The organization's pending (unexpired) invitations, oldest first: owner/admins or a system admin. */
    public List<Invitation> invitations(AccessScope scope, long orgId) {
        return db.read(dsl -> {
            TenantFilter.requireVisibleOrganization(dsl, scope, orgId);
            TenantFilter.requireOrganizationManager(dsl, scope, orgId, "listing invitations");
            return invitationBase(dsl).where(I.ORGANIZATION_ID.eq(orgId)).and(I.STATUS.eq("pending")).and(I.EXPIRES_AT.gt(now()))
                    .orderBy(I.ID).fetch(OrganizationRepository::mapInvitation);
        });
    }

    /**
     * Withdraws a pending invitation: owner/admins or a system admin. An invitation that is not
     * pending in this organization is {@link NotFoundException}. Audited.
     */
    public void revokeInvitation(AccessScope scope, long orgId, long invitationId) {
        db.writeVoid(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "revoking an invitation");
            Invitation inv = requireInvitation(tx, I.ID.eq(invitationId).and(I.ORGANIZATION_ID.eq(orgId))
                    .and(I.STATUS.eq("pending")).and(I.EXPIRES_AT.gt(now())), invitationId);
            answer(tx, scope, inv, Invitation.Status.REVOKED);
            audit.record(tx, scope, "organization.invitation_revoke", "invitation", invitationId, orgId, Map.of("invitee", inv.invitee()));
        });
    }

    /**
     * Pending, unexpired invitations addressed to the calling user's current username or email,
     * in active organizations; empty for the system scope and deactivated users.
     */
    public List<Invitation> myInvitations(AccessScope scope) {
        if (scope.isSystem()) return List.of();
        long uid = scope.userId().orElseThrow();
        return db.read(dsl -> invitationBase(dsl).where(addressedTo(uid)).and(O.IS_ACTIVE.isTrue())
                .and(I.STATUS.eq("pending")).and(I.EXPIRES_AT.gt(now()))
                .orderBy(I.ID).fetch(OrganizationRepository::mapInvitation));
    }

    /**
     * Accepts an invitation addressed to the calling (active) user: they join with the
     * invitation's role and the invitation is used up. Anything else — another user's
     * invitation, an answered, expired or missing one, a deactivated organization — is the
     * same {@link NotFoundException}; already being a member is a {@link ConflictException}.
     * Audited as {@code organization.invitation_accept}.
     */
    public Member acceptInvitation(AccessScope scope, long invitationId) {
        return db.write(tx -> {
            long uid = TenantFilter.requireActiveUser(tx, scope, "accepting an invitation");
            Invitation inv = requireOwnInvitation(tx, uid, invitationId);
            if (tx.fetchExists(M, M.ORGANIZATION_ID.eq(inv.organizationId()).and(M.USER_ID.eq(uid)))) {
                throw new ConflictException("you are already a member of organization " + inv.organizationId());
            }
            tx.insertInto(M).set(M.ORGANIZATION_ID, inv.organizationId()).set(M.USER_ID, uid).set(M.ROLE, inv.role().dbValue()).execute();
            answer(tx, scope, inv, Invitation.Status.ACCEPTED);
            audit.record(tx, scope, "organization.invitation_accept", "invitation", invitationId, inv.organizationId(),
                    Map.of("role", inv.role().dbValue()));
            return requireMember(tx, inv.organizationId(), uid);
        });
    }

    /** Declines an invitation addressed to the calling user; same {@link NotFoundException} rules as accepting. Audited. */
    public void declineInvitation(AccessScope scope, long invitationId) {
        db.writeVoid(tx -> {
            long uid = TenantFilter.requireActiveUser(tx, scope, "declining an invitation");
            Invitation inv = requireOwnInvitation(tx, uid, invitationId);
            answer(tx, scope, inv, Invitation.Status.DECLINED);
            audit.record(tx, scope, "organization.invitation_decline", "invitation", invitationId, inv.organizationId(), Map.of());
        });
    }

    private Invitation requireOwnInvitation(DSLContext tx, long uid, long invitationId) {
        return requireInvitation(tx, I.ID.eq(invitationId).and(addressedTo(uid)).and(O.IS_ACTIVE.isTrue())
                .and(I.STATUS.eq("pending")).and(I.EXPIRES_AT.gt(now())), invitationId);
    }

    /** The invitee column equals the user's current username or email. */
    private static Condition addressedTo(long uid) {
        Users me = U.as("invitee_user");
        return I.INVITEE.in(DSL.select(DSL.lower(me.USERNAME)).from(me).where(me.ID.eq(uid)).and(me.IS_ACTIVE.isTrue())
                .unionAll(DSL.select(DSL.lower(me.EMAIL)).from(me).where(me.ID.eq(uid)).and(me.IS_ACTIVE.isTrue())));
    }

    private void answer(DSLContext tx, AccessScope scope, Invitation inv, Invitation.Status status) {
        int n = tx.update(I).set(I.STATUS, status.dbValue()).set(I.RESPONDED_AT, now()).set(I.RESPONDER_ID, scope.userId().orElse(null))
                .where(I.ID.eq(inv.id())).and(I.STATUS.eq("pending")).execute();
        if (n != 1) throw new NotFoundException("invitation", inv.id());
    }

    /** Marks pending invitations past their expiry as 'expired' (so a new one may be sent). */
    private static void expireStale(DSLContext tx, Instant now, Condition which) {
        tx.update(I).set(I.STATUS, "expired").set(I.RESPONDED_AT, now)
                .where(which).and(I.STATUS.eq("pending")).and(I.EXPIRES_AT.le(now)).execute();
    }

    private static String invitee(String usernameOrEmail) {
        if (usernameOrEmail == null) throw new ValidationException("invitee", "must not be empty");
        return usernameOrEmail.contains("@") ? Inputs.email(usernameOrEmail) : Inputs.username(usernameOrEmail);
    }

    private Instant now() {
        return StoredTime.truncate(db.clock().instant());
    }

    private Invitation requireInvitation(DSLContext dsl, Condition where, long id) {
        Invitation inv = invitationBase(dsl).where(where).fetchOne(OrganizationRepository::mapInvitation);
        if (inv == null) throw new NotFoundException("invitation", id);
        return inv;
    }

    private static SelectJoinStep<? extends Record> invitationBase(DSLContext dsl) {
        return dsl.select(I.ID, I.ORGANIZATION_ID, O.NAME, I.INVITEE, I.ROLE, I.STATUS, I.CREATED_AT, I.EXPIRES_AT)
                .from(I).join(O).on(O.ID.eq(I.ORGANIZATION_ID));
    }

    private static Invitation mapInvitation(Record r) {
        return new Invitation(r.get(I.ID), r.get(I.ORGANIZATION_ID), r.get(O.NAME), r.get(I.INVITEE), OrgRole.fromDb(r.get(I.ROLE)),
                Invitation.Status.fromDb(r.get(I.STATUS)), r.get(I.CREATED_AT), r.get(I.EXPIRES_AT));
    }

    private Member requireMember(DSLContext dsl, long orgId, long userId) {
        Member m = memberBase(dsl).where(M.ORGANIZATION_ID.eq(orgId)).and(M.USER_ID.eq(userId)).fetchOne(OrganizationRepository::mapMember);
        if (m == null) throw new NotFoundException("member", userId);
        return m;
    }

    private static SelectJoinStep<? extends Record> memberBase(DSLContext dsl) {
        return dsl.select(M.USER_ID, U.USERNAME, U.DISPLAY_NAME, M.ROLE, M.JOINED_AT).from(M).join(U).on(U.ID.eq(M.USER_ID));
    }

    private static Member mapMember(Record r) {
        return new Member(r.get(M.USER_ID), r.get(U.USERNAME), r.get(U.DISPLAY_NAME), OrgRole.fromDb(r.get(M.ROLE)), r.get(M.JOINED_AT));
    }

    private static Organization map(OrganizationsRecord r) {
        return new Organization(r.getId(), r.getName(), r.getSlug(), r.getDescription(), r.getOwnerId(),
                Boolean.TRUE.equals(r.getIsActive()), r.getCreatedAt(), r.getUpdatedAt());
    }
}
