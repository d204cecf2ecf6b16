package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Users;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectJoinStep;

/**
 * The {@code organization_members} rows, read and written in one place for
 * {@link OrganizationRepository} and its invitations. No access checks: callers check first.
 */
final class Memberships {
    private static final OrganizationMembers M = ORGANIZATION_MEMBERS;
    private static final Users U = USERS;

    private Memberships() {}

    /**
     * Inserts a membership. One per user and organization rests on the schema's
     * {@code UNIQUE(user_id, organization_id)}: a second one is {@code ConflictException(alreadyMember)}
     * whatever a look-up before said, and nothing of it is written.
     */
    static void add(DSLContext tx, long orgId, long userId, OrgRole role, String alreadyMember) {
        UniqueConstraints.conflictOn(
                Map.of("organization_members.user_id", alreadyMember),
                () -> tx.insertInto(M)
                        .set(M.ORGANIZATION_ID, orgId)
                        .set(M.USER_ID, userId)
                        .set(M.ROLE, role.dbValue())
                        .execute());
    }

    /** The membership, or {@code NotFoundException("member", userId)}. */
    static Member require(DSLContext dsl, long orgId, long userId) {
        Member m = selectBase(dsl)
                .where(M.ORGANIZATION_ID.eq(orgId))
                .and(M.USER_ID.eq(userId))
                .fetchOne(Memberships::toMember);
        if (m == null) throw new NotFoundException("member", userId);
        return m;
    }

    /** A role that may be given directly or by invitation: 'admin' or 'member', never 'owner'. */
    static OrgRole assignable(OrgRole role) {
        if (role == null) throw new ValidationException("role", "must not be empty");
        if (role == OrgRole.OWNER)
            throw new ValidationException("role", "owner is assigned only by transferring ownership");
        return role;
    }

    static SelectJoinStep<? extends Record> selectBase(DSLContext dsl) {
        return dsl.select(M.USER_ID, U.USERNAME, U.DISPLAY_NAME, M.ROLE, M.JOINED_AT)
                .from(M)
                .join(U)
                .on(U.ID.eq(M.USER_ID));
    }

    static Member toMember(Record r) {
        return new Member(
                r.get(M.USER_ID),
                r.get(U.USERNAME),
                r.get(U.DISPLAY_NAME),
                OrgRole.fromDb(r.get(M.ROLE)),
                r.get(M.JOINED_AT));
    }
}
