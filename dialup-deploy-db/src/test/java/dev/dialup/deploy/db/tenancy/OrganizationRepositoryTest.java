package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class OrganizationRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    OrganizationRepository orgs;
    Fixtures f;
    long alice, bob, carol;

    @BeforeEach
    void open() {
        db = temp.db();
        orgs = new OrganizationRepository(db);
        f = new Fixtures(db);
        alice = f.user("alice");
        bob = f.user("bob");
        carol = f.user("carol");
    }

    AccessScope scope(long id) {
        return new AccessScopes(db).forUser(id);
    }

    /** Alice invites the user, who accepts: the way owners add members. */
    void join(long orgId, long userId, OrgRole role) {
        String username = db.read(
                TestDb.system(db),
                dsl -> dsl.select(dev.dialup.deploy.db.generated.Tables.USERS.USERNAME)
                        .from(dev.dialup.deploy.db.generated.Tables.USERS)
                        .where(dev.dialup.deploy.db.generated.Tables.USERS.ID.eq(userId))
                        .fetchOne(dev.dialup.deploy.db.generated.Tables.USERS.USERNAME));
        Invitation invitation = orgs.invite(scope(alice), orgId, username, role);
        orgs.acceptInvitation(scope(userId), invitation.id());
    }

    int ownerRows(long orgId) {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.fetchCount(
                        ORGANIZATION_MEMBERS,
                        ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(orgId).and(ORGANIZATION_MEMBERS.ROLE.eq("owner"))));
    }

    @Test
    void theCreatorBecomesTheOwnerMemberAndTheSlugIsDerivedFromTheName() {
        Organization org = orgs.create(scope(alice), "Acme Corp", null, "We make things");

        assertThat(org.slug()).isEqualTo("acme-corp");
        assertThat(org.ownerId()).isEqualTo(alice);
        assertThat(orgs.members(scope(alice), org.id()))
                .extracting(Member::userId, Member::role)
                .containsExactly(tuple(alice, OrgRole.OWNER));
        java.util.Optional<OrgRole> role =
                db.read(TestDb.system(db), dsl -> TenantFilter.roleIn(dsl, scope(alice), org.id()));
        assertThat(role).contains(OrgRole.OWNER);
    }

    @Test
    void aTakenNameOrSlugIsAConflictIgnoringCase() {
        orgs.create(scope(alice), "Acme", "acme", null);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> orgs.create(scope(bob), "ACME", null, null)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> orgs.create(scope(bob), "Other", "ACME", null)).isInstanceOf(ConflictException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void transferringOwnershipDemotesTheOldOwnerToAdminAndKeepsExactlyOneOwner() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        join(org, bob, OrgRole.MEMBER);

        Organization after = orgs.transferOwnership(scope(alice), org, bob);

        assertThat(after.ownerId()).isEqualTo(bob);
        assertThat(orgs.members(scope(bob), org))
                .extracting(Member::userId, Member::role)
                .containsExactlyInAnyOrder(tuple(bob, OrgRole.OWNER), tuple(alice, OrgRole.ADMIN));
        assertThat(ownerRows(org)).isEqualTo(1);
        // The old owner is now an admin: may manage members, may no longer transfer or deactivate.
        assertThatThrownBy(() -> orgs.transferOwnership(scope(alice), org, alice))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orgs.deactivate(scope(alice), org)).isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void transferringToANonMemberIsNotFoundAndChangesNothing() {
        // Issue 9: ownership is never pushed onto someone who did not join (was: the non-member became owner).
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> orgs.transferOwnership(scope(alice), org, carol))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("member " + carol + " not found");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(ownerRows(org)).isEqualTo(1);
    }

    @Test
    void transferringToADeactivatedOrUnknownUserIsNotFoundAndChangesNothing() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        f.deactivateUser(carol);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> orgs.transferOwnership(scope(alice), org, carol))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> orgs.transferOwnership(scope(alice), org, 9999))
                .isInstanceOf(NotFoundException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void adminsCannotChangeOrRemoveTheOwnerAndTheOwnerCannotLeave() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        join(org, bob, OrgRole.ADMIN);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> orgs.removeMember(scope(bob), org, alice)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orgs.changeRole(scope(bob), org, alice, OrgRole.MEMBER))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> orgs.removeMember(scope(alice), org, alice)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> orgs.changeRole(scope(alice), org, bob, OrgRole.OWNER))
                .isInstanceOf(dev.dialup.deploy.db.ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void membersMayLeaveButNotRemoveOthers() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        join(org, bob, OrgRole.MEMBER);
        join(org, carol, OrgRole.MEMBER);

        assertThatThrownBy(() -> orgs.removeMember(scope(bob), org, carol)).isInstanceOf(AccessDeniedException.class);
        orgs.removeMember(scope(bob), org, bob);

        assertThat(orgs.members(scope(alice), org)).extracting(Member::userId).containsExactlyInAnyOrder(alice, carol);
        assertThatThrownBy(() -> orgs.find(scope(bob), org)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void addingAnExistingMemberIsAConflict() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        AccessScope root = scope(f.admin("root"));
        orgs.addMember(root, org, bob, OrgRole.MEMBER);
        assertThatThrownBy(() -> orgs.addMember(root, org, bob, OrgRole.ADMIN)).isInstanceOf(ConflictException.class);
    }

    @Test
    void aDeactivatedOrganizationGrantsNothingToItsMembersUntilAnAdminReactivatesIt() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        long site = f.orgSite("Acme Web", org);
        SiteRepository sites = new SiteRepository(db);
        assertThat(sites.find(scope(alice), site).id()).isEqualTo(site);

        orgs.deactivate(scope(alice), org);

        assertThat(orgs.listMine(scope(alice))).isEmpty();
        assertThatThrownBy(() -> sites.find(scope(alice), site))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("site " + site + " not found");
        assertThatThrownBy(() -> orgs.find(scope(alice), org)).isInstanceOf(NotFoundException.class);
        orgs.reactivate(scope(f.admin("root")), org);
        assertThat(sites.find(scope(alice), site).id()).isEqualTo(site);
    }

    @Test
    void everyOrganizationMutationWritesExactlyOneAuditRowForThatOrganization() {
        long org = orgs.create(scope(alice), "Acme", null, null).id();
        orgs.rename(scope(alice), org, "Acme Two");
        join(org, bob, OrgRole.MEMBER);
        orgs.changeRole(scope(alice), org, bob, OrgRole.ADMIN);
        orgs.transferOwnership(scope(alice), org, bob);
        orgs.removeMember(scope(bob), org, alice);
        orgs.deactivate(scope(bob), org);
        assertThatThrownBy(() -> orgs.rename(scope(carol), org, "Nope")).isInstanceOf(NotFoundException.class);

        List<String> actions = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.ACTION)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ORGANIZATION_ID.eq(org))
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(AUDIT_LOG.ACTION));
        assertThat(actions)
                .containsExactly(
                        "organization.create",
                        "organization.rename",
                        "organization.invite",
                        "organization.invitation_accept",
                        "organization.member_role",
                        "organization.transfer_ownership",
                        "organization.member_remove",
                        "organization.deactivate");
    }
}
