package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class UserRepositoryTest {
    AccessScope AUTH;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    UserRepository users;

    @BeforeEach
    void open() {
        db = temp.db();
        AUTH = db.systemScope("auth");
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "4");
        users = new UserRepository(db);
    }

    String storedHash(long id) {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.select(USERS.PASSWORD_HASH)
                        .from(USERS)
                        .where(USERS.ID.eq(id))
                        .fetchOne(USERS.PASSWORD_HASH));
    }

    List<String> auditActions() {
        return TestDb.auditActions(db);
    }

    @Test
    void registerNormalisesUsernameAndEmailAndStoresABcryptHash() {
        User u = users.register(AUTH, "  Alice.Smith ", " Alice@Example.COM ", "s3cret password", " Alice ");

        assertThat(u.username()).isEqualTo("alice.smith");
        assertThat(u.email()).isEqualTo("alice@example.com");
        assertThat(u.displayName()).isEqualTo("Alice");
        assertThat(u.active()).isTrue();
        assertThat(u.admin()).isFalse();
        assertThat(storedHash(u.id())).startsWith("$2b$04$");
        assertThat(auditActions()).containsExactly("user.register");
    }

    @Test
    void usernamesAndEmailsAreUniqueIgnoringCaseAndATakenOneWritesNothing() {
        users.register(AUTH, "alice", "alice@example.com", "s3cret password", null);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> users.register(AUTH, "ALICE", "other@example.com", "s3cret password", null))
                .isInstanceOf(ConflictException.class)
                .hasMessage("username is taken");
        assertThatThrownBy(() -> users.register(AUTH, "bob", "Alice@Example.com", "s3cret password", null))
                .isInstanceOf(ConflictException.class)
                .hasMessage("email is already registered");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void authenticateAcceptsUsernameOrEmailInAnyCase() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();

        assertThat(users.authenticate(AUTH, "ALICE", "s3cret password")).contains(id);
        assertThat(users.authenticate(AUTH, "Alice@Example.com", "s3cret password"))
                .contains(id);
    }

    @Test
    void wrongPasswordUnknownUserLockedAndDeactivatedAccountsAllGiveTheSameEmptyResult() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        long locked = new Fixtures(db).user("locked"); // password_hash '!fixture', like the migrated admin's '!locked'
        long gone = users.register(AUTH, "gone", "gone@example.com", "s3cret password", null)
                .id();
        users.deactivate(AUTH, gone);

        assertThat(users.authenticate(AUTH, "alice", "wrong password")).isEmpty();
        assertThat(users.authenticate(AUTH, "nobody", "s3cret password")).isEmpty();
        assertThat(users.authenticate(AUTH, "locked", "!fixture")).isEmpty();
        assertThat(users.authenticate(AUTH, "locked", "")).isEmpty();
        assertThat(users.authenticate(AUTH, "gone", "s3cret password")).isEmpty();
        assertThat(id).isPositive();
        assertThat(locked).isPositive();
    }

    @Test
    void aLockedAccountLogsInOnlyAfterAnOperatorSetsItsPassword() {
        long locked = new Fixtures(db).user("locked");
        assertThat(users.authenticate(AUTH, "locked", "new operator pw")).isEmpty();

        users.setPassword(AUTH, locked, "new operator pw");

        assertThat(users.authenticate(AUTH, "locked", "new operator pw")).contains(locked);
        assertThat(auditActions()).containsExactly("user.password_reset");
    }

    @Test
    void aHashMadeWithAnOlderCostIsUpgradedOnTheNextSuccessfulLogin() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        assertThat(storedHash(id)).startsWith("$2b$04$");
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "5");

        assertThat(users.authenticate(AUTH, "alice", "wrong password")).isEmpty();
        assertThat(storedHash(id)).as("a failed login upgrades nothing").startsWith("$2b$04$");

        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(id);
        assertThat(storedHash(id)).startsWith("$2b$05$");
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(id);
        assertThat(auditActions()).containsExactly("user.register", "user.password_rehash");
    }

    @Test
    void switchingTheAlgorithmToArgon2idUpgradesBcryptHashesOnLogin() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        ActorWorld.setConfig(db, ConfigKeys.PASSWORD_ALGORITHM, "argon2id");
        ActorWorld.setConfig(db, ConfigKeys.ARGON2_MEMORY_KIB, "1024");
        ActorWorld.setConfig(db, ConfigKeys.ARGON2_ITERATIONS, "1");

        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(id);
        assertThat(storedHash(id)).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");

        ActorWorld.setConfig(db, ConfigKeys.ARGON2_ITERATIONS, "2");
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(id);
        assertThat(storedHash(id)).startsWith("$argon2id$v=19$m=1024,t=2,p=1$");
        assertThat(auditActions()).containsExactly("user.register", "user.password_rehash", "user.password_rehash");
        String details = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .orderBy(AUDIT_LOG.ID.desc())
                        .limit(1)
                        .fetchOne(AUDIT_LOG.DETAILS));
        assertThat(details).isEqualTo("{\"algorithm\":\"argon2id\"}");
    }

    @Test
    void passwordsOver72BytesAreRejectedNeverTruncated() {
        String seventyTwo = "a".repeat(72);
        String seventyThree = "a".repeat(73);
        String multiByte = "é".repeat(37); // 74 bytes in UTF-8, 37 characters
        long id = users.register(AUTH, "alice", "alice@example.com", seventyTwo, null)
                .id();
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> users.register(AUTH, "bob", "bob@example.com", seventyThree, null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("72 bytes");
        assertThatThrownBy(() -> users.register(AUTH, "bob", "bob@example.com", multiByte, null))
                .isInstanceOf(ValidationException.class);
        // bcrypt would ignore the 73rd byte; we refuse instead of letting it log in.
        assertThatThrownBy(() -> users.authenticate(AUTH, "alice", seventyThree))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> users.setPassword(AUTH, id, seventyThree)).isInstanceOf(ValidationException.class);
        AccessScope self = new AccessScopes(db).forUser(id);
        assertThatThrownBy(() -> users.changePassword(self, id, seventyTwo, seventyThree))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(users.authenticate(AUTH, "alice", seventyTwo)).contains(id);
    }

    @Test
    void changingYourPasswordNeedsTheCurrentOne() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        AccessScope self = new AccessScopes(db).forUser(id);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> users.changePassword(self, id, "not my password", "brand new password"))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        users.changePassword(self, id, "s3cret password", "brand new password");
        assertThat(users.authenticate(AUTH, "alice", "brand new password")).contains(id);
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).isEmpty();
    }

    @Test
    void auditRowsNeverContainPasswordsOrHashes() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        users.setPassword(AUTH, id, "operator password");
        users.changePassword(new AccessScopes(db).forUser(id), id, "operator password", "final password!");
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "5");
        users.authenticate(AUTH, "alice", "final password!");

        String hash = storedHash(id);
        List<String> details = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS).from(AUDIT_LOG).fetch(AUDIT_LOG.DETAILS));
        assertThat(details)
                .hasSize(4)
                .allSatisfy(d ->
                        assertThat(d).doesNotContain("s3cret", "operator password", "final password", hash, "$2b$"));
    }

    @Test
    void deactivatedUsersScopeGrantsNothingAndOnlyAnAdminReactivates() {
        long id = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        AccessScope self = new AccessScopes(db).forUser(id);
        users.deactivate(self, id);

        AccessScope after = new AccessScopes(db).forUser(id);
        assertThatThrownBy(() -> users.find(after, id)).isInstanceOf(dev.dialup.deploy.db.NotFoundException.class);
        assertThatThrownBy(() -> users.reactivate(after, id))
                .isInstanceOf(dev.dialup.deploy.db.NotFoundException.class);
        assertThatThrownBy(() -> users.reactivate(self, id)).isInstanceOf(dev.dialup.deploy.db.NotFoundException.class);

        long admin = new Fixtures(db).admin("root");
        assertThat(users.reactivate(new AccessScopes(db).forUser(admin), id).active())
                .isTrue();
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(id);
    }

    @Test
    void promotingToSystemAdminIsForAdminsOnly() {
        long alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        long root = new Fixtures(db).admin("root");
        AccessScope aliceScope = new AccessScopes(db).forUser(alice);

        assertThatThrownBy(() -> users.setSystemAdmin(aliceScope, alice, true))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(users.setSystemAdmin(new AccessScopes(db).forUser(root), alice, true)
                        .admin())
                .isTrue();
        assertThat(users.find(aliceScope, root).id())
                .as("alice's scope, built before the promotion, now sees others")
                .isEqualTo(root);
    }

    @Test
    void unknownUserAndWrongPasswordRunTheSameVerifications() {
        // Structural, not wall-clock: the same list of (parameters, real-or-dummy-agnostic) checks.
        List<String> checks = new ArrayList<>();
        UserRepository observed = new UserRepository(db, LoginGuard.NONE, (fn, pw, hash) -> {
            checks.add(PasswordHashing.paramsOf(hash));
            return fn.check(pw, hash);
        });
        users.register(AUTH, "alice", "alice@example.com", "s3cret password", null);

        assertThat(observed.authenticate(AUTH, "alice", "wrong password")).isEmpty();
        List<String> wrong = List.copyOf(checks);
        checks.clear();
        assertThat(observed.authenticate(AUTH, "nobody", "wrong password")).isEmpty();

        assertThat(wrong).containsExactly("$2b$04$");
        assertThat(checks).isEqualTo(wrong);
    }

    @Test
    void authenticateIsRefusedToOrdinaryUsers() {
        long alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        assertThatThrownBy(() -> users.authenticate(new AccessScopes(db).forUser(alice), "alice", "s3cret password"))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(Optional.of(alice)).isEqualTo(users.authenticate(AUTH, "alice", "s3cret password"));
    }

    @Test
    void nobodyElseChangesYourPasswordEvenKnowingTheCurrentOne() {
        long alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        long root = new Fixtures(db).admin("root");
        AccessScope admin = new AccessScopes(db).forUser(root);
        var before = DbSnapshot.of(db);

        // The right current password: only the self check can refuse these.
        assertThatThrownBy(() -> users.changePassword(admin, alice, "s3cret password", "hijacked password"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("only the user can change their own password");
        assertThatThrownBy(() -> users.changePassword(AUTH, alice, "s3cret password", "hijacked password"))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("only the user can change their own password");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).contains(alice);
    }

    @Test
    void aCurrentPasswordLongerThanBcryptReadsIsRefusedNotTruncated() {
        String seventyTwo = "p".repeat(72);
        long alice = users.register(AUTH, "alice", "alice@example.com", seventyTwo, null)
                .id();
        AccessScope self = new AccessScopes(db).forUser(alice);
        var before = DbSnapshot.of(db);

        // bcrypt reads 72 bytes: without the length check, 73 bytes would match the stored hash.
        assertThatThrownBy(() -> users.changePassword(self, alice, seventyTwo + "x", "new password!"))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("currentPassword:");
        assertThatThrownBy(() -> users.authenticate(AUTH, "alice", seventyTwo + "x"))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("password:");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        users.changePassword(self, alice, seventyTwo, "new password!");
        assertThat(users.authenticate(AUTH, "alice", "new password!")).contains(alice);
    }

    @Test
    void auditRowsNameTheActor() {
        long alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        AccessScope self = new AccessScopes(db).forUser(alice);
        users.changePassword(self, alice, "s3cret password", "another password");
        users.deactivate(self, alice);

        List<String> rows = db.read(
                TestDb.system(db),
                dsl -> dsl.select(
                                AUDIT_LOG.ACTOR_USER_ID,
                                AUDIT_LOG.ACTOR_LABEL,
                                AUDIT_LOG.ACTION,
                                AUDIT_LOG.TARGET_TYPE,
                                AUDIT_LOG.TARGET_ID,
                                AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(r -> r.value1() + " " + r.value2() + " " + r.value3() + " " + r.value4() + ":"
                                + r.value5() + " " + r.value6()));
        assertThat(rows)
                .containsExactly(
                        "null system:auth user.register user:" + alice + " {\"username\":\"alice\"}",
                        alice + " user:" + alice + " user.password_change user:" + alice + " {}",
                        alice + " user:" + alice + " user.deactivate user:" + alice + " {}");
    }

    @Test
    void returnedUsersCarryTheStoredFacts() {
        User alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", "Alice A");
        assertThat(alice.active()).isTrue();
        assertThat(alice.admin()).isFalse();
        assertThat(alice.createdAt()).isNotNull();
        assertThat(users.find(AUTH, alice.id())).isEqualTo(alice);

        // Another active admin, so demoting alice is not removing the last one (AdminRulesAttackTest).
        users.setSystemAdmin(
                AUTH,
                users.register(AUTH, "root", "root@example.com", "s3cret password", null)
                        .id(),
                true);
        User promoted = users.setSystemAdmin(AUTH, alice.id(), true);
        assertThat(promoted.admin()).isTrue();
        assertThat(promoted.username()).isEqualTo("alice");
        User demoted = users.setSystemAdmin(AUTH, alice.id(), false);
        assertThat(demoted.admin()).isFalse();
        User off = users.deactivate(AUTH, alice.id());
        assertThat(off.active()).isFalse();
        assertThat(off.displayName()).isEqualTo("Alice A");
        User on = users.reactivate(AUTH, alice.id());
        assertThat(on.active()).isTrue();
        assertThat(on.email()).isEqualTo("alice@example.com");
    }

    @Test
    void aResetPasswordIsTheOnlyOneThatWorksAndNeedsAnAdmin() {
        long alice = users.register(AUTH, "alice", "alice@example.com", "s3cret password", null)
                .id();
        long bob = users.register(AUTH, "bob", "bob@example.com", "s3cret password", null)
                .id();
        AccessScope self = new AccessScopes(db).forUser(alice);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> users.setPassword(self, alice, "reset password!"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> users.setPassword(self, bob, "reset password!"))
                .isInstanceOf(dev.dialup.deploy.db.NotFoundException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        users.setPassword(AUTH, alice, "reset password!");
        assertThat(users.authenticate(AUTH, "alice", "s3cret password")).isEmpty();
        assertThat(users.authenticate(AUTH, "alice", "reset password!")).contains(alice);
        assertThat(users.authenticate(AUTH, "bob", "s3cret password")).contains(bob);
        assertThat(auditActions()).endsWith("user.password_reset");
    }
}
