package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, behaviour 3, as the attack: a user who created their own organization tries to
 * learn which accounts exist (by id, username and email) and to push membership or
 * ownership onto strangers. Then the invitation flow itself: consent, expiry, single use,
 * audit.
 */
@BothEngines
class InvitationAttackTest {
    static final Instant START = Instant.parse("2026-11-20T12:00:00Z");
    static final long MISSING = 9_999;

    final MutableClock clock = new MutableClock(START);

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    OrganizationRepository orgs;
    UserRepository users;
    long mallory, bob, carol;
    long org;
    AccessScope m;

    @BeforeEach
    void open() {
        db = temp.db();
        Fixtures f = new Fixtures(db);
        orgs = new OrganizationRepository(db);
        users = new UserRepository(db);
        mallory = f.user("mallory");
        bob = f.user("bob");
        carol = f.user("carol");
        m = scope(mallory);
        org = orgs.create(m, "Mallory Inc", null, null).id();
    }

    AccessScope scope(long id) {
        return new AccessScopes(db).forUser(id);
    }

    /** The exception the call raised, asserting it changed nothing. */
    Throwable deniedAndNothingWritten(ThrowingCallable call) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        Throwable t = catchThrowable(call);
        assertThat(t).isNotNull();
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        return t;
    }

    static String shape(Throwable t, long id) {
        return t.getClass().getName() + ": " + t.getMessage().replace(Long.toString(id), "<id>");
    }

    // --- enumeration ---------------------------------------------------------------

    @Test
    void byIdAnExistingAndAMissingUserGiveTheSameResultEverywhere() {
        Throwable addExisting = deniedAndNothingWritten(() -> orgs.addMember(m, org, bob, OrgRole.MEMBER));
        Throwable addMissing = deniedAndNothingWritten(() -> orgs.addMember(m, org, MISSING, OrgRole.MEMBER));
        assertThat(addExisting).isInstanceOf(AccessDeniedException.class);
        assertThat(addExisting.getMessage()).isEqualTo(addMissing.getMessage());

        Throwable transferExisting = deniedAndNothingWritten(() -> orgs.transferOwnership(m, org, bob));
        Throwable transferMissing = deniedAndNothingWritten(() -> orgs.transferOwnership(m, org, MISSING));
        assertThat(transferExisting).isInstanceOf(NotFoundException.class);
        assertThat(shape(transferExisting, bob)).isEqualTo(shape(transferMissing, MISSING));

        Throwable findExisting = deniedAndNothingWritten(() -> users.find(m, bob));
        Throwable findMissing = deniedAndNothingWritten(() -> users.find(m, MISSING));
        assertThat(findExisting).isInstanceOf(NotFoundException.class);
        assertThat(shape(findExisting, bob)).isEqualTo(shape(findMissing, MISSING));

        Throwable roleExisting = deniedAndNothingWritten(() -> orgs.changeRole(m, org, bob, OrgRole.ADMIN));
        Throwable roleMissing = deniedAndNothingWritten(() -> orgs.changeRole(m, org, MISSING, OrgRole.ADMIN));
        assertThat(shape(roleExisting, bob)).isEqualTo(shape(roleMissing, MISSING));
    }

    @Test
    void byUsernameAndEmailInvitingAnExistingAndAMissingAccountGiveTheSameResultAndTheSameRows() {
        assertSameOutcome("bob", "nobody");
        assertSameOutcome("bob@example.test", "nobody@example.test");
        assertSameOutcome("CAROL", "NOBODY2");
    }

    private void assertSameOutcome(String existing, String missing) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        Invitation a = orgs.invite(m, org, existing, OrgRole.MEMBER);
        Map<String, List<String>> mid = DbSnapshot.of(db);
        Invitation b = orgs.invite(m, org, missing, OrgRole.MEMBER);
        Map<String, List<String>> after = DbSnapshot.of(db);

        assertThat(normalize(a, existing)).isEqualTo(normalize(b, missing));
        // the same tables gain the same number of rows, identical but for ids and the name typed
        assertThat(added(before, mid, existing)).isEqualTo(added(mid, after, missing));
        assertThat(added(before, mid, existing)).containsOnlyKeys("audit_log", "organization_invitations");
    }

    private static String normalize(Invitation i, String typed) {
        return i.toString().replace(typed.toLowerCase(), "<invitee>").replace("id=" + i.id(), "id=<id>");
    }

    private static Map<String, List<String>> added(
            Map<String, List<String>> before, Map<String, List<String>> after, String typed) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        after.forEach((table, rows) -> {
            List<String> fresh = new ArrayList<>(rows);
            fresh.removeAll(before.getOrDefault(table, List.of()));
            if (!fresh.isEmpty() && !table.equals("sqlite_sequence")) {
                out.put(
                        table,
                        fresh.stream()
                                .map(r -> r.replace(typed.toLowerCase(), "<invitee>")
                                        .replaceAll("(^|;)(id|target_id)=\\d+;", "$1$2=<n>;"))
                                .toList());
            }
        });
        return out;
    }

    @Test
    void anInvitationCarriesNoProfileOfTheInvitee() {
        assertThat(Arrays.stream(Invitation.class.getRecordComponents()).map(c -> c.getName()))
                .containsExactly(
                        "id",
                        "organizationId",
                        "organizationName",
                        "invitee",
                        "role",
                        "status",
                        "createdAt",
                        "expiresAt");
        Invitation i = orgs.invite(m, org, "bob", OrgRole.ADMIN);
        assertThat(i.toString()).doesNotContain("bob@example.test").doesNotContain(Long.toString(bob) + ",");
    }

    @Test
    void aNonMemberCannotBeMadeOwnerAndAMemberCanOnlyAfterJoining() {
        deniedAndNothingWritten(() -> orgs.transferOwnership(m, org, carol));
        Invitation i = orgs.invite(m, org, "carol", OrgRole.MEMBER);
        orgs.acceptInvitation(scope(carol), i.id());
        assertThat(orgs.transferOwnership(m, org, carol).ownerId()).isEqualTo(carol);
    }

    @Test
    void aDeactivatedMemberCannotBeMadeOwner() {
        Invitation i = orgs.invite(m, org, "carol", OrgRole.MEMBER);
        orgs.acceptInvitation(scope(carol), i.id());
        new Fixtures(db).deactivateUser(carol);
        Throwable t = deniedAndNothingWritten(() -> orgs.transferOwnership(m, org, carol));
        assertThat(t).isInstanceOf(NotFoundException.class).hasMessage("member " + carol + " not found");
    }

    @Test
    void systemAdminsAndTheSystemScopeMayStillAddAMemberById() {
        long root = new Fixtures(db).admin("root");
        assertThat(orgs.addMember(scope(root), org, bob, OrgRole.MEMBER).userId())
                .isEqualTo(bob);
        assertThat(orgs.addMember(TestDb.system(db), org, carol, OrgRole.ADMIN).role())
                .isEqualTo(OrgRole.ADMIN);
    }

    // --- the invitation flow --------------------------------------------------------

    @Test
    void theInviteeAcceptsWithTheirOwnScopeOnceAndItIsAudited() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.ADMIN);
        assertThat(i.status()).isEqualTo(Invitation.Status.PENDING);
        assertThat(i.expiresAt()).isEqualTo(START.plus(OrganizationRepository.DEFAULT_INVITATION_LIFETIME));
        AccessScope b = scope(bob);
        assertThat(orgs.myInvitations(b)).extracting(Invitation::id).containsExactly(i.id());
        assertThat(orgs.myInvitations(scope(carol))).isEmpty();

        Member joined = orgs.acceptInvitation(b, i.id());
        assertThat(joined.userId()).isEqualTo(bob);
        assertThat(joined.role()).isEqualTo(OrgRole.ADMIN);
        assertThat(orgs.myInvitations(b)).isEmpty();

        // single use: neither accepted again nor declined afterwards, nothing written
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(b, i.id())))
                .isInstanceOf(NotFoundException.class);
        assertThat(deniedAndNothingWritten(() -> orgs.declineInvitation(b, i.id())))
                .isInstanceOf(NotFoundException.class);
        // and the schema refuses to reopen it
        assertThatThrownBy(() -> db.writeVoid(
                        TestDb.system(db),
                        tx -> tx.update(ORGANIZATION_INVITATIONS)
                                .set(ORGANIZATION_INVITATIONS.STATUS, "pending")
                                .set(ORGANIZATION_INVITATIONS.RESPONDED_AT, (Instant) null)
                                .where(ORGANIZATION_INVITATIONS.ID.eq(i.id()))
                                .execute()))
                .hasMessageContaining("already answered");

        assertThat(auditActions()).containsSubsequence("organization.invite", "organization.invitation_accept");
    }

    @Test
    void anInvitationByEmailIsAnsweredByTheAccountWithThatEmail() {
        Invitation i = orgs.invite(m, org, "Carol@Example.TEST", OrgRole.MEMBER);
        assertThat(i.invitee()).isEqualTo("carol@example.test");
        assertThat(orgs.myInvitations(scope(carol))).extracting(Invitation::id).containsExactly(i.id());
        orgs.declineInvitation(scope(carol), i.id());
        assertThat(orgs.members(m, org)).extracting(Member::userId).containsExactly(mallory);
        assertThat(auditActions()).contains("organization.invitation_decline");
    }

    @Test
    void nobodyElseCanAnswerSomeoneElsesInvitation() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.ADMIN);
        Throwable other = deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(carol), i.id()));
        Throwable missing = deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(carol), MISSING));
        assertThat(shape(other, i.id())).isEqualTo(shape(missing, MISSING));
        deniedAndNothingWritten(() -> orgs.acceptInvitation(m, i.id()));
        deniedAndNothingWritten(() -> orgs.declineInvitation(scope(carol), i.id()));
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(TestDb.system(db), i.id())))
                .isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void aDeactivatedInviteeCannotAccept() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        AccessScope b = scope(bob);
        new Fixtures(db).deactivateUser(bob);
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(b, i.id())))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(orgs.myInvitations(b)).isEmpty();
    }

    @Test
    void invitationsExpireAndAnExpiredOneCanBeReplaced() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        assertThat(deniedAndNothingWritten(() -> orgs.invite(m, org, "bob", OrgRole.MEMBER)))
                .isInstanceOf(ConflictException.class);
        clock.advance(OrganizationRepository.DEFAULT_INVITATION_LIFETIME);
        assertThat(orgs.myInvitations(scope(bob))).isEmpty();
        assertThat(orgs.invitations(m, org)).isEmpty();
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(bob), i.id())))
                .isInstanceOf(NotFoundException.class);

        Invitation again = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        String status = db.read(
                TestDb.system(db),
                dsl -> dsl.select(ORGANIZATION_INVITATIONS.STATUS)
                        .from(ORGANIZATION_INVITATIONS)
                        .where(ORGANIZATION_INVITATIONS.ID.eq(i.id()))
                        .fetchOne(ORGANIZATION_INVITATIONS.STATUS));
        assertThat(status).isEqualTo("expired");
        assertThat(orgs.acceptInvitation(scope(bob), again.id()).role()).isEqualTo(OrgRole.MEMBER);
    }

    @Test
    void theLifetimeIsConfigurableWithinSaneBounds() {
        OrganizationRepository hourly = new OrganizationRepository(db, Duration.ofHours(1));
        Invitation i = hourly.invite(m, org, "bob", OrgRole.MEMBER);
        assertThat(i.expiresAt()).isEqualTo(START.plus(Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(59));
        assertThat(hourly.myInvitations(scope(bob))).hasSize(1);
        clock.advance(Duration.ofMinutes(1));
        assertThat(hourly.myInvitations(scope(bob))).isEmpty();
        assertThatThrownBy(() -> new OrganizationRepository(db, Duration.ofMinutes(4)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> new OrganizationRepository(db, Duration.ofDays(91)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> new OrganizationRepository(db, null)).isInstanceOf(ValidationException.class);
    }

    @Test
    void aRevokedInvitationCannotBeAccepted() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        orgs.revokeInvitation(m, org, i.id());
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(bob), i.id())))
                .isInstanceOf(NotFoundException.class);
        assertThat(deniedAndNothingWritten(() -> orgs.revokeInvitation(m, org, i.id())))
                .isInstanceOf(NotFoundException.class);
        assertThat(auditActions()).contains("organization.invitation_revoke");
    }

    @Test
    void onlyManagersInviteAndOutsidersSeeNothing() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        orgs.acceptInvitation(scope(bob), i.id());
        AccessScope b = scope(bob);
        assertThat(deniedAndNothingWritten(() -> orgs.invite(b, org, "carol", OrgRole.MEMBER)))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(deniedAndNothingWritten(() -> orgs.invitations(b, org))).isInstanceOf(AccessDeniedException.class);
        AccessScope c = scope(carol);
        assertThat(deniedAndNothingWritten(() -> orgs.invite(c, org, "carol", OrgRole.ADMIN)))
                .isInstanceOf(NotFoundException.class);
        assertThat(deniedAndNothingWritten(() -> orgs.invite(m, org, "carol", OrgRole.OWNER)))
                .isInstanceOf(ValidationException.class);
        assertThat(deniedAndNothingWritten(() -> orgs.invite(m, org, "no spaces allowed", OrgRole.MEMBER)))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void acceptingWhenAlreadyAMemberIsAConflictAndChangesNothing() {
        long root = new Fixtures(db).admin("root");
        Invitation i = orgs.invite(m, org, "bob", OrgRole.ADMIN);
        orgs.addMember(scope(root), org, bob, OrgRole.MEMBER);
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(bob), i.id())))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void aDeactivatedOrganizationInvitesNobodyAndItsInvitationsCannotBeAccepted() {
        Invitation i = orgs.invite(m, org, "bob", OrgRole.MEMBER);
        orgs.deactivate(m, org);
        long root = new Fixtures(db).admin("root");
        assertThat(deniedAndNothingWritten(() -> orgs.invite(scope(root), org, "carol", OrgRole.MEMBER)))
                .isInstanceOf(ConflictException.class);
        assertThat(orgs.myInvitations(scope(bob))).isEmpty();
        assertThat(deniedAndNothingWritten(() -> orgs.acceptInvitation(scope(bob), i.id())))
                .isInstanceOf(NotFoundException.class);
    }

    List<String> auditActions() {
        return TestDb.auditActions(db);
    }
}
