package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.audit.AuditLog;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.OrganizationsRecord;
import dev.dialup.deploy.db.sites.Slugs;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectJoinStep;

/**
 * Organizations and their members. Visible to their members while active and to system
 * admins; managed (rename, members, roles) by the owner and admins; deactivated and
 * transferred by the owner (or a system admin). Exactly one owner at all times: the schema
 * keeps {@code organizations.owner_id} and the single 'owner' member in step (V4 triggers).
 */
public final class OrganizationRepository {
    private static final Organizations O = ORGANIZATIONS;
    private static final OrganizationMembers M = ORGANIZATION_MEMBERS;
    private static final Users U = USERS;

    private final DialupDatabase db;
    private final AuditLog audit;

    public OrganizationRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /**
     * Creates an organization owned by the calling user (who becomes its 'owner' member).
     * {@code slug} may be null: it is then derived from the name. Needs an active user scope.
     */
    public Organization create(AccessScope scope, String name, String slug, String description) {
        long owner = requireUser(scope, "creating an organization");
        String n = Inputs.name("name", name);
        String s = slug == null ? null : Slugs.require(slug);
        String d = Inputs.optionalText("description", description, Inputs.TEXT_MAX);
        return db.write(tx -> {
            if (tx.fetchExists(O, O.NAME.equalIgnoreCase(n))) throw new ConflictException("organization name is taken");
            String finalSlug = s != null ? s : Slugs.unique(Slugs.slugify(n), c -> tx.fetchExists(O, O.SLUG.equalIgnoreCase(c)));
            if (s != null && tx.fetchExists(O, O.SLUG.equalIgnoreCase(s))) throw new ConflictException("organization slug is taken");
            long id = tx.insertInto(O)
                    .set(O.NAME, n).set(O.SLUG, finalSlug).set(O.DESCRIPTION, d).set(O.OWNER_ID, owner).set(O.IS_ACTIVE, true)
                    .returning(O.ID).fetchOne().getId();
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
        if (!scope.isActive() || scope.organizations().isEmpty()) return List.of();
        return db.read(dsl -> dsl.selectFrom(O).where(O.ID.in(scope.organizations())).and(O.IS_ACTIVE.isTrue())
                .orderBy(O.NAME, O.ID).fetch(OrganizationRepository::map));
    }

    /** Renames the organization: owner/admin or system admin. The slug stays (links keep working). */
    public Organization rename(AccessScope scope, long orgId, String newName) {
        String n = Inputs.name("name", newName);
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(scope, orgId, "renaming an organization");
            if (tx.fetchExists(O, O.NAME.equalIgnoreCase(n).and(O.ID.ne(orgId)))) throw new ConflictException("organization name is taken");
            tx.update(O).set(O.NAME, n).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.rename", "organization", orgId, orgId, Map.of("from", org.getName(), "to", n));
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Deactivates: the owner or a system admin. Members keep their rows but the organization grants nothing. */
    public Organization deactivate(AccessScope scope, long orgId) {
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(scope, orgId, "deactivating an organization");
            tx.update(O).set(O.IS_ACTIVE, false).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.deactivate", "organization", orgId, orgId, Map.of());
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    /** Reactivates: system admins only (a deactivated organization is invisible to its members). */
    public Organization reactivate(AccessScope scope, long orgId) {
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireAdmin(scope, "reactivating an organization");
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
     * Adds an active user as 'admin' or 'member' (the owner role changes only by
     * {@link #transferOwnership}): owner/admin or system admin. An unknown or deactivated
     * user is {@link NotFoundException}; an existing member is a {@link ConflictException}.
     */
    public Member addMember(AccessScope scope, long orgId, long userId, OrgRole role) {
        OrgRole r = assignable(role);
        return db.write(tx -> {
            TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(scope, orgId, "adding a member");
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
            if (!self) TenantFilter.requireOrganizationManager(scope, orgId, "removing a member");
            Member target = requireMember(tx, orgId, userId);
            guardOwner(scope, org, target, "removed; transfer ownership first");
            tx.deleteFrom(M).where(M.ORGANIZATION_ID.eq(orgId)).and(M.USER_ID.eq(userId)).execute();
            audit.record(tx, scope, "organization.member_remove", "user", userId, orgId, Map.of("role", target.role().dbValue()));
        });
    }

    /** Changes a member's role between 'admin' and 'member': owner/admin or system admin; never the owner's. */
    public Member changeRole(AccessScope scope, long orgId, long userId, OrgRole role) {
        OrgRole r = assignable(role);
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationManager(scope, orgId, "changing a member's role");
            Member target = requireMember(tx, orgId, userId);
            guardOwner(scope, org, target, "given another role; transfer ownership instead");
            tx.update(M).set(M.ROLE, r.dbValue()).where(M.ORGANIZATION_ID.eq(orgId)).and(M.USER_ID.eq(userId)).execute();
            audit.record(tx, scope, "organization.member_role", "user", userId, orgId,
                    Map.of("from", target.role().dbValue(), "to", r.dbValue()));
            return requireMember(tx, orgId, userId);
        });
    }

    /**
     * Makes another active user the owner: the owner or a system admin. The old owner stays
     * as 'admin'; a new owner who was not a member is added (V4 triggers do both).
     */
    public Organization transferOwnership(AccessScope scope, long orgId, long newOwnerId) {
        return db.write(tx -> {
            OrganizationsRecord org = TenantFilter.requireVisibleOrganization(tx, scope, orgId);
            TenantFilter.requireOrganizationOwner(scope, orgId, "transferring ownership");
            if (!tx.fetchExists(U, U.ID.eq(newOwnerId).and(U.IS_ACTIVE.isTrue()))) throw new NotFoundException("user", newOwnerId);
            if (org.getOwnerId() == newOwnerId) throw new ConflictException("user " + newOwnerId + " already owns the organization");
            tx.update(O).set(O.OWNER_ID, newOwnerId).where(O.ID.eq(orgId)).execute();
            audit.record(tx, scope, "organization.transfer_ownership", "organization", orgId, orgId,
                    Map.of("from", org.getOwnerId(), "to", newOwnerId));
            return map(tx.selectFrom(O).where(O.ID.eq(orgId)).fetchOne());
        });
    }

    // Admins cannot change or remove the owner; the owner cannot drop their own owner role either.
    private static void guardOwner(AccessScope scope, OrganizationsRecord org, Member target, String what) {
        if (target.role() != OrgRole.OWNER) return;
        boolean actorIsOwner = scope.userId().map(id -> id.equals(org.getOwnerId())).orElse(false);
        if (!actorIsOwner && !(scope.isActive() && scope.isAdmin())) {
            throw new AccessDeniedException("only the owner's own transfer changes the organization owner");
        }
        throw new ConflictException("the organization owner cannot be " + what);
    }

    private static OrgRole assignable(OrgRole role) {
        if (role == null) throw new ValidationException("role", "must not be empty");
        if (role == OrgRole.OWNER) throw new ValidationException("role", "owner is assigned only by transferring ownership");
        return role;
    }


    private static long requireUser(AccessScope scope, String operation) {
        if (!scope.isActive() || scope.userId().isEmpty()) {
            throw new AccessDeniedException(operation + " needs an active user");
        }
        return scope.userId().get();
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
