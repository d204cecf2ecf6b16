package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

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
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.OrganizationInvitations;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
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
 * The invitation half of {@link OrganizationRepository} (its public methods delegate here; the
 * rules are in their javadoc and docs/tenancy.md). One pending invitation per organization and
 * invitee rests on the partial unique index {@code uq_organization_invitations_pending} (V40).
 */
final class OrganizationInvitationStore {
    private static final OrganizationInvitations I = ORGANIZATION_INVITATIONS;
    private static final Organizations O = ORGANIZATIONS;
    private static final Users U = USERS;

    private final DialupDatabase db;
    private final AuditLog audit;
    private final Duration lifetime;

    OrganizationInvitationStore(DialupDatabase db, AuditLog audit, Duration lifetime) {
        this.db = db;
        this.audit = audit;
        this.lifetime = lifetime;
    }

    Invitation invite(AccessScope scope, long orgId, String usernameOrEmail, OrgRole role) {
        OrgRole r = Memberships.assignable(role);
        String invitee = invitee(usernameOrEmail);
        return db.write(scope, tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "inviting a member");
            if (!Boolean.TRUE.equals(org.getIsActive()))
                throw new ConflictException("organization " + orgId + " is deactivated");
            Instant now = now();
            expireStale(tx, now, I.ORGANIZATION_ID.eq(orgId).and(I.INVITEE.eq(invitee)));
            String pending = "'" + invitee + "' already has a pending invitation to this organization";
            long id = UniqueConstraints.conflictOn(
                    Map.of("organization_invitations.invitee", pending),
                    () -> tx.insertInto(I)
                            .set(I.ORGANIZATION_ID, orgId)
                            .set(I.INVITEE, invitee)
                            .set(I.ROLE, r.dbValue())
                            .set(I.INVITER_ID, scope.userId().orElse(null))
                            .set(I.STATUS, "pending")
                            .set(I.CREATED_AT, now)
                            .set(I.EXPIRES_AT, now.plus(lifetime))
                            .returning(I.ID)
                            .fetchOne()
                            .getId());
            audit.record(
                    tx,
                    scope,
                    "organization.invite",
                    "invitation",
                    id,
                    orgId,
                    Map.of("invitee", invitee, "role", r.dbValue()));
            return require(tx, I.ID.eq(id), id);
        });
    }

    List<Invitation> pending(AccessScope scope, long orgId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleOrganization(dsl, scope, orgId);
            TenantFilter.requireOrganizationManager(dsl, scope, orgId, "listing invitations");
            return selectBase(dsl)
                    .where(I.ORGANIZATION_ID.eq(orgId))
                    .and(I.STATUS.eq("pending"))
                    .and(I.EXPIRES_AT.gt(now()))
                    .orderBy(I.ID)
                    .fetch(OrganizationInvitationStore::toInvitation);
        });
    }

    void revoke(AccessScope scope, long orgId, long invitationId) {
        db.writeVoid(scope, tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(tx, scope, orgId, "revoking an invitation");
            Invitation inv = require(
                    tx,
                    I.ID.eq(invitationId)
                            .and(I.ORGANIZATION_ID.eq(orgId))
                            .and(I.STATUS.eq("pending"))
                            .and(I.EXPIRES_AT.gt(now())),
                    invitationId);
            answer(tx, scope, inv, Invitation.Status.REVOKED);
            audit.record(
                    tx,
                    scope,
                    "organization.invitation_revoke",
                    "invitation",
                    invitationId,
                    orgId,
                    Map.of("invitee", inv.invitee()));
        });
    }

    List<Invitation> mine(AccessScope scope) {
        if (scope.isSystem()) return List.of();
        long uid = scope.userId().orElseThrow();
        return db.read(
                scope,
                dsl -> selectBase(dsl)
                        .where(addressedTo(uid))
                        .and(O.IS_ACTIVE.isTrue())
                        .and(I.STATUS.eq("pending"))
                        .and(I.EXPIRES_AT.gt(now()))
                        .orderBy(I.ID)
                        .fetch(OrganizationInvitationStore::toInvitation));
    }

    Member accept(AccessScope scope, long invitationId) {
        return db.write(scope, tx -> {
            long uid = TenantFilter.requireActiveUser(tx, scope, "accepting an invitation");
            Invitation inv = requireOwn(tx, uid, invitationId);
            Memberships.add(
                    tx,
                    inv.organizationId(),
                    uid,
                    inv.role(),
                    "you are already a member of organization " + inv.organizationId());
            answer(tx, scope, inv, Invitation.Status.ACCEPTED);
            audit.record(
                    tx,
                    scope,
                    "organization.invitation_accept",
                    "invitation",
                    invitationId,
                    inv.organizationId(),
                    Map.of("role", inv.role().dbValue()));
            return Memberships.require(tx, inv.organizationId(), uid);
        });
    }

    void decline(AccessScope scope, long invitationId) {
        db.writeVoid(scope, tx -> {
            long uid = TenantFilter.requireActiveUser(tx, scope, "declining an invitation");
            Invitation inv = requireOwn(tx, uid, invitationId);
            answer(tx, scope, inv, Invitation.Status.DECLINED);
            audit.record(
                    tx,
                    scope,
                    "organization.invitation_decline",
                    "invitation",
                    invitationId,
                    inv.organizationId(),
                    Map.of());
        });
    }

    private Invitation requireOwn(DSLContext tx, long uid, long invitationId) {
        return require(
                tx,
                I.ID.eq(invitationId)
                        .and(addressedTo(uid))
                        .and(O.IS_ACTIVE.isTrue())
                        .and(I.STATUS.eq("pending"))
                        .and(I.EXPIRES_AT.gt(now())),
                invitationId);
    }

    /** The invitee column equals the user's current username or email. */
    private static Condition addressedTo(long uid) {
        Users me = U.as("invitee_user");
        return I.INVITEE.in(DSL.select(DSL.lower(me.USERNAME))
                .from(me)
                .where(me.ID.eq(uid))
                .and(me.IS_ACTIVE.isTrue())
                .unionAll(DSL.select(DSL.lower(me.EMAIL))
                        .from(me)
                        .where(me.ID.eq(uid))
                        .and(me.IS_ACTIVE.isTrue())));
    }

    private void answer(DSLContext tx, AccessScope scope, Invitation inv, Invitation.Status status) {
        int n = tx.update(I)
                .set(I.STATUS, status.dbValue())
                .set(I.RESPONDED_AT, now())
                .set(I.RESPONDER_ID, scope.userId().orElse(null))
                .where(I.ID.eq(inv.id()))
                .and(I.STATUS.eq("pending"))
                .execute();
        if (n != 1) throw new NotFoundException("invitation", inv.id());
    }

    /** Marks pending invitations past their expiry as 'expired' (so a new one may be sent). */
    private static void expireStale(DSLContext tx, Instant now, Condition which) {
        tx.update(I)
                .set(I.STATUS, "expired")
                .set(I.RESPONDED_AT, now)
                .where(which)
                .and(I.STATUS.eq("pending"))
                .and(I.EXPIRES_AT.le(now))
                .execute();
    }

    private static String invitee(String usernameOrEmail) {
        if (usernameOrEmail == null) throw new ValidationException("invitee", "must not be empty");
        return usernameOrEmail.contains("@") ? Inputs.email(usernameOrEmail) : Inputs.username(usernameOrEmail);
    }

    private Instant now() {
        return StoredTime.truncate(db.clock().instant());
    }

    private Invitation require(DSLContext dsl, Condition where, long id) {
        Invitation inv = selectBase(dsl).where(where).fetchOne(OrganizationInvitationStore::toInvitation);
        if (inv == null) throw new NotFoundException("invitation", id);
        return inv;
    }

    private static SelectJoinStep<? extends Record> selectBase(DSLContext dsl) {
        return dsl.select(I.ID, I.ORGANIZATION_ID, O.NAME, I.INVITEE, I.ROLE, I.STATUS, I.CREATED_AT, I.EXPIRES_AT)
                .from(I)
                .join(O)
                .on(O.ID.eq(I.ORGANIZATION_ID));
    }

    private static Invitation toInvitation(Record r) {
        return new Invitation(
                r.get(I.ID),
                r.get(I.ORGANIZATION_ID),
                r.get(O.NAME),
                r.get(I.INVITEE),
                OrgRole.fromDb(r.get(I.ROLE)),
                Invitation.Status.fromDb(r.get(I.STATUS)),
                r.get(I.CREATED_AT),
                r.get(I.EXPIRES_AT));
    }
}
