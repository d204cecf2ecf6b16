package dev.dialup.deploy.db.integration;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.admin.UserSummary;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class UserManagementServiceTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    UserManagement management;
    AccessScope admin;
    AccessScope plainUser;
    long userId;

    @BeforeEach
    void setUp() {
        db = temp.db();
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.VALUE, "4")
                        .where(SYSTEM_CONFIG.KEY.eq("security.bcrypt_cost"))
                        .execute());
        var f = new Fixtures(db);
        long adminId = f.admin("root");
        userId = f.user("carol");
        for (int i = 0; i < 5; i++) f.user("user" + i);
        management = new UserManagementService(db);
        admin = new AccessScopes(db).forUser(adminId);
        plainUser = new AccessScopes(db).forUser(userId);
    }

    @Test
    void anAdminPagesThroughEveryUserWithoutGapsOrRepeats() {
        List<Long> seen = new ArrayList<>();
        var page = management.listUsers(admin, null, 3);
        seen.addAll(page.items().stream().map(UserSummary::id).toList());
        while (page.hasMore()) {
            page = management.listUsers(admin, page.nextCursor(), 3);
            seen.addAll(page.items().stream().map(UserSummary::id).toList());
        }
        assertThat(seen).hasSize(7).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void aResetPasswordLetsTheLockedUserLogInAndIsAudited() {
        int auditBefore =
                db.read(TestDb.system(db), dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG));
        var auth = db.systemScope("auth");
        var users = new UserRepository(db);
        assertThat(users.authenticate(auth, "carol", "correct horse battery")).isEmpty();
        management.resetPassword(admin, userId, "correct horse battery");
        assertThat(users.authenticate(auth, "carol", "correct horse battery")).contains(userId);
        int auditAfter =
                db.read(TestDb.system(db), dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.AUDIT_LOG));
        assertThat(auditAfter).isEqualTo(auditBefore + 1);
    }

    @Test
    void deactivationTakesEffectOnTheUsersNextCallWithTheScopeTheyAlreadyHold() {
        AccessScope held = new AccessScopes(db).forUser(userId);
        assertThat(new UserRepository(db).find(held, userId).id()).isEqualTo(userId);
        management.deactivate(admin, userId);
        assertThat(management.user(admin, userId).active()).isFalse();
        assertThatThrownBy(() -> new UserRepository(db).find(held, userId))
                .isInstanceOf(dev.dialup.deploy.db.NotFoundException.class);
        management.reactivate(admin, userId);
        assertThat(new UserRepository(db).find(held, userId).active()).isTrue();
    }

    @Test
    void aNonAdminIsRefusedAndNothingChanges() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> management.listUsers(plainUser, null, 10)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> management.listOrganizations(plainUser, null, 10))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> management.setSystemAdmin(plainUser, userId + 1, true))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> management.resetPassword(plainUser, userId + 1, "whatever123"))
                .isInstanceOf(NotFoundException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
