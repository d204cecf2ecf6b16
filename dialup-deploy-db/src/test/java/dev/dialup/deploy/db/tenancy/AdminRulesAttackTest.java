package dev.dialup.deploy.db.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.integration.UserManagement;
import dev.dialup.deploy.db.integration.UserManagementService;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, behaviour 4, as the attack: admins demoting or deactivating themselves, anyone
 * (the system scope included) removing the last active admin, an owner walking away from an
 * active organization. Self rules are {@link AccessDeniedException}; state rules (last admin,
 * sole owner) are {@link ConflictException}; nothing is written either way.
 */
@BothEngines
class AdminRulesAttackTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    Fixtures f;
    UserRepository users;
    OrganizationRepository orgs;
    long root, root2, owner;

    @BeforeEach
    void open() {
        db = temp.db();
        f = new Fixtures(db);
        users = new UserRepository(db);
        orgs = new OrganizationRepository(db);
        root = f.admin("root");
        root2 = f.admin("root2");
        owner = f.user("owner");
    }

    AccessScope scope(long id) {
        return new AccessScopes(db).forUser(id);
    }

    void deniedAndNothingWritten(Class<? extends Throwable> type, ThrowingCallable call) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(call).isInstanceOf(type);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void anAdminCannotDemoteOrDeactivateThemselvesEvenWithAnotherAdminAround() {
        deniedAndNothingWritten(AccessDeniedException.class, () -> users.setSystemAdmin(scope(root), root, false));
        deniedAndNothingWritten(AccessDeniedException.class, () -> users.deactivate(scope(root), root));
        // the same through the admin panel's interface
        UserManagement panel = new UserManagementService(db);
        deniedAndNothingWritten(AccessDeniedException.class, () -> panel.setSystemAdmin(scope(root), root, false));
        deniedAndNothingWritten(AccessDeniedException.class, () -> panel.deactivate(scope(root), root));
        // granting yourself what you already have is harmless and allowed
        assertThat(users.setSystemAdmin(scope(root), root, true).admin()).isTrue();
    }

    @Test
    void theLastActiveAdminCannotBeDemotedOrDeactivatedByAnyoneIncludingTheSystemScope() {
        users.setSystemAdmin(scope(root), root2, false);
        AccessScope system = TestDb.system(db);
        deniedAndNothingWritten(ConflictException.class, () -> users.setSystemAdmin(system, root, false));
        deniedAndNothingWritten(ConflictException.class, () -> users.deactivate(system, root));
        deniedAndNothingWritten(AccessDeniedException.class, () -> users.setSystemAdmin(scope(root), root, false));

        // an inactive admin does not count as the remaining one
        long sleeper = f.admin("sleeper");
        f.deactivateUser(sleeper);
        deniedAndNothingWritten(ConflictException.class, () -> users.setSystemAdmin(system, root, false));

        // with a second active admin, the first can go
        users.setSystemAdmin(scope(root), owner, true);
        assertThat(users.setSystemAdmin(system, root, false).admin()).isFalse();
        assertThat(users.find(system, owner).admin()).isTrue();
    }

    @Test
    void demotingAnotherAdminWhileTwoRemainIsFine() {
        assertThat(users.setSystemAdmin(scope(root), root2, false).admin()).isFalse();
        assertThat(users.deactivate(TestDb.system(db), root2).active()).isFalse();
    }

    @Test
    void anOwnerCannotDeactivateTheirAccountWhileOwningAnActiveOrganization() {
        long org = orgs.create(scope(owner), "Acme", null, null).id();
        deniedAndNothingWritten(ConflictException.class, () -> users.deactivate(scope(owner), owner));

        orgs.deactivate(scope(owner), org);
        assertThat(users.deactivate(scope(owner), owner).active()).isFalse();
    }

    @Test
    void anOwnerWhoTransferredOwnershipMayLeave() {
        long heir = f.user("heir");
        long org = orgs.create(scope(owner), "Acme", null, null).id();
        orgs.addMember(scope(root), org, heir, OrgRole.MEMBER);
        orgs.transferOwnership(scope(owner), org, heir);
        assertThat(users.deactivate(scope(owner), owner).active()).isFalse();
        assertThat(orgs.find(scope(heir), org).ownerId()).isEqualTo(heir);
    }

    @Test
    void aPlainUserMayStillDeactivateThemselves() {
        long plain = f.user("plain");
        assertThat(users.deactivate(scope(plain), plain).active()).isFalse();
    }

    @Test
    void reactivationIsForAdminsOnly() {
        long plain = f.user("plain");
        AccessScope self = scope(plain);
        deniedAndNothingWritten(AccessDeniedException.class, () -> users.reactivate(self, plain));
        users.deactivate(self, plain);
        deniedAndNothingWritten(dev.dialup.deploy.db.NotFoundException.class, () -> users.reactivate(self, plain));
        assertThat(users.reactivate(scope(root), plain).active()).isTrue();
    }
}
