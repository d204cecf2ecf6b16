package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.LOGIN_THROTTLE;
import static dev.dialup.deploy.db.generated.Tables.PASSWORD_HASH_PARAMS;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, behaviour 6, written as the attack: account existence must not leak through the cost
 * of a login after a cost change (proven structurally: the list of verifications each attempt
 * runs), and failed logins are counted, throttled and audited per account.
 */
@BothEngines
class LoginOracleTest {
    private AccessScope AUTH;
    static final String PASSWORD = "s3cret password";

    final MutableClock clock = new MutableClock(Instant.now());

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    final List<String> checks = new ArrayList<>();
    UserRepository users;

    @BeforeEach
    void open() {
        db = temp.db();
        AUTH = TestDb.system(db, "auth");
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "4");
        users = new UserRepository(db, LoginGuard.NONE, (fn, pw, hash) -> {
            checks.add(PasswordHashing.paramsOf(hash));
            return fn.check(pw, hash);
        });
    }

    /** The parameter sets one attempt verified, in order. */
    List<String> attempt(String login, String password) {
        checks.clear();
        users.authenticate(AUTH, login, password);
        return List.copyOf(checks);
    }

    @Test
    void afterACostChangeUnknownUsersAndNotYetRehashedUsersRunTheSameVerifications() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id(); // cost 4
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "6"); // the cost is raised
        users.register(AUTH, "bob", "bob@example.com", PASSWORD, null); // cost 6
        long carol = users.register(AUTH, "carol", "carol@example.com", PASSWORD, null)
                .id();
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(USERS)
                        .set(USERS.PASSWORD_HASH, "!locked")
                        .where(USERS.ID.eq(carol))
                        .execute());
        long dave =
                users.register(AUTH, "dave", "dave@example.com", PASSWORD, null).id();
        users.deactivate(AUTH, dave);

        List<String> expected = List.of("$2b$04$", "$2b$06$");
        assertThat(attempt("nobody", "wrong password")).isEqualTo(expected);
        assertThat(attempt("alice", "wrong password")).isEqualTo(expected); // not yet rehashed (cost 4)
        assertThat(attempt("bob", "wrong password")).isEqualTo(expected); // current cost
        assertThat(attempt("carol", PASSWORD)).isEqualTo(expected); // lock marker
        assertThat(attempt("dave", PASSWORD)).isEqualTo(expected); // deactivated
        assertThat(attempt("nobody@example.com", "wrong password")).isEqualTo(expected);
        // The right password costs the same verifications too, then upgrades the hash.
        assertThat(attempt("alice", PASSWORD)).isEqualTo(expected);
        String upgraded = db.read(
                TestDb.system(db),
                dsl -> dsl.select(USERS.PASSWORD_HASH)
                        .from(USERS)
                        .where(USERS.ID.eq(alice))
                        .fetchOne(USERS.PASSWORD_HASH));
        assertThat(upgraded).startsWith("$2b$06$");
        // Cost 4 is gone from the table: every attempt now runs only cost 6.
        assertThat(attempt("nobody", "wrong password")).containsExactly("$2b$06$");
        assertThat(attempt("alice", "wrong password")).containsExactly("$2b$06$");
    }

    @Test
    void theTrackedParameterSetsMatchTheStoredHashesThroughEveryKindOfWrite() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        ActorWorld.setConfig(db, ConfigKeys.PASSWORD_ALGORITHM, "argon2id");
        ActorWorld.setConfig(db, ConfigKeys.ARGON2_MEMORY_KIB, "64");
        ActorWorld.setConfig(db, ConfigKeys.ARGON2_ITERATIONS, "1");
        long bob =
                users.register(AUTH, "bob", "bob@example.com", PASSWORD, null).id();
        String bobHash = db.read(
                TestDb.system(db),
                dsl -> dsl.select(USERS.PASSWORD_HASH)
                        .from(USERS)
                        .where(USERS.ID.eq(bob))
                        .fetchOne(USERS.PASSWORD_HASH));

        assertThat(params()).containsExactly(Map.entry("$2b$04$", 1), Map.entry(PasswordHashing.paramsOf(bobHash), 1));
        assertThat(PasswordHashing.paramsOf(bobHash)).isEqualTo("$argon2id$v=19$m=64,t=1,p=1$");
        users.setPassword(AUTH, alice, "another password");
        assertThat(params()).containsExactly(Map.entry("$argon2id$v=19$m=64,t=1,p=1$", 2));
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.deleteFrom(USERS).where(USERS.ID.eq(bob)).execute());
        assertThat(params()).containsExactly(Map.entry("$argon2id$v=19$m=64,t=1,p=1$", 1));
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(USERS)
                        .set(USERS.PASSWORD_HASH, "!locked")
                        .where(USERS.ID.eq(alice))
                        .execute());
        assertThat(params()).isEmpty();
        // With no hash stored, an attempt runs the policy's parameters once.
        assertThat(attempt("nobody", "wrong password")).containsExactly("$argon2id$v=19$m=64,t=1,p=1$");
    }

    private List<Map.Entry<String, Integer>> params() {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.select(PASSWORD_HASH_PARAMS.PARAMS, PASSWORD_HASH_PARAMS.USERS)
                        .from(PASSWORD_HASH_PARAMS)
                        .orderBy(PASSWORD_HASH_PARAMS.PARAMS)
                        .fetch(r -> Map.entry(r.value1(), r.value2())));
    }

    @Test
    void thirtyWrongPasswordsThenTheRightOneIsRefusedAndTheLockoutIsAudited() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        List<String> wrongChecks = attempt("alice", "wrong password 0");
        for (int i = 1; i < 30; i++) {
            assertThat(users.authenticate(AUTH, i % 2 == 0 ? "alice" : "ALICE@example.com", "wrong password " + i))
                    .isEmpty();
        }

        // Locked: the right password gets the wrong password's result, after the same verifications.
        assertThat(attempt("alice", PASSWORD)).isEqualTo(wrongChecks);
        assertThat(users.authenticate(AUTH, "alice", PASSWORD)).isEmpty();
        assertThat(lockoutRows())
                .containsExactly("user:" + alice + " {\"failures\":5,\"lockoutSeconds\":900,\"lockouts\":1}");

        clock.advance(Duration.ofMinutes(15).plusSeconds(1));
        assertThat(users.authenticate(AUTH, "alice", PASSWORD)).contains(alice);
        assertThat(throttleRows()).isEmpty(); // success resets
    }

    @Test
    void consecutiveLockoutsDoubleTheBackOffUpToADayAndSuccessResets() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        ActorWorld.setConfig(db, ConfigKeys.LOGIN_FAILURE_THRESHOLD, "3");
        ActorWorld.setConfig(db, ConfigKeys.LOGIN_LOCKOUT_SECONDS, "3600");
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 3; i++) users.authenticate(AUTH, "alice", "wrong password");
            assertThat(users.authenticate(AUTH, "alice", PASSWORD)).isEmpty();
            clock.advance(Duration.ofHours(1L << round).minusSeconds(1));
            assertThat(users.authenticate(AUTH, "alice", PASSWORD))
                    .as("still locked in round %d", round)
                    .isEmpty();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(lockoutRows())
                .containsExactly(
                        "user:" + alice + " {\"failures\":3,\"lockoutSeconds\":3600,\"lockouts\":1}",
                        "user:" + alice + " {\"failures\":3,\"lockoutSeconds\":7200,\"lockouts\":2}",
                        "user:" + alice + " {\"failures\":3,\"lockoutSeconds\":14400,\"lockouts\":3}");
        assertThat(LoginThrottle.lockoutLength(Duration.ofHours(1), 5)).isEqualTo(Duration.ofDays(1));
        assertThat(LoginThrottle.lockoutLength(Duration.ofHours(1), 4)).isEqualTo(Duration.ofHours(16));

        assertThat(users.authenticate(AUTH, "alice", PASSWORD)).contains(alice);
        for (int i = 0; i < 2; i++) users.authenticate(AUTH, "alice", "wrong password");
        assertThat(users.authenticate(AUTH, "alice", PASSWORD))
                .as("two failures after a success")
                .contains(alice);
    }

    @Test
    void failuresOlderThanADayStartOver() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        for (int i = 0; i < 4; i++) users.authenticate(AUTH, "alice", "wrong password");
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        users.authenticate(AUTH, "alice", "wrong password");
        assertThat(users.authenticate(AUTH, "alice", PASSWORD)).contains(alice);
        assertThat(lockoutRows()).isEmpty();
    }

    @Test
    void unknownNamesAreThrottledLikeAccountsButStoredOnlyAsAHashAndForgotten() {
        for (int i = 0; i < 6; i++) users.authenticate(AUTH, "Nobody", "wrong password");
        List<String> rows = throttleRows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0))
                .startsWith(LoginThrottle.unknownSubject("nobody") + " failures=0 lockouts=1 locked=true")
                .doesNotContainIgnoringCase("nobody");
        assertThat(lockoutRows()).isEmpty(); // nothing to audit for an account that does not exist

        clock.advance(Duration.ofDays(1).plusSeconds(1));
        users.authenticate(AUTH, "somebody-else", "wrong password"); // prunes stale unknown-name rows
        assertThat(throttleRows()).singleElement().asString().startsWith(LoginThrottle.unknownSubject("somebody-else"));
    }

    @Test
    void theServiceHookCanRefuseAnAddressBeforeAnyWorkAndSeesEveryOutcome() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        List<String> seen = new ArrayList<>();
        LoginGuard perAddress = new LoginGuard() {
            @Override
            public boolean permit(String login, String clientAddress) {
                return !"203.0.113.9".equals(clientAddress);
            }

            @Override
            public void completed(String login, String clientAddress, boolean success) {
                seen.add(login + "@" + clientAddress + "=" + success);
            }
        };
        UserRepository guarded = new UserRepository(db, perAddress, (fn, pw, hash) -> {
            checks.add(PasswordHashing.paramsOf(hash));
            return fn.check(pw, hash);
        });
        checks.clear();

        assertThat(guarded.authenticate(AUTH, "alice", PASSWORD, "203.0.113.9")).isEmpty();
        assertThat(checks).isEmpty();
        assertThat(throttleRows()).isEmpty();
        assertThat(guarded.authenticate(AUTH, " alice ", "wrong password", "198.51.100.7"))
                .isEmpty();
        assertThat(guarded.authenticate(AUTH, "alice", PASSWORD, "198.51.100.7"))
                .isEqualTo(Optional.of(alice));
        assertThat(seen).containsExactly("alice@198.51.100.7=false", "alice@198.51.100.7=true");
    }

    /**
     * The guard is asked only for callers allowed to authenticate: a plain user, a demoted or
     * deactivated admin get AccessDeniedException whether or not the guard would refuse, never
     * spend the guard's budget for the login or address, and change nothing.
     */
    @Test
    void anUnauthorisedCallerNeitherSpendsNorObservesTheGuard() {
        users.register(AUTH, "alice", "alice@example.com", PASSWORD, null);
        long mallory = users.register(AUTH, "mallory", "mallory@example.com", PASSWORD, null)
                .id();
        long exAdmin = users.register(AUTH, "exadmin", "exadmin@example.com", PASSWORD, null)
                .id();
        long root =
                users.register(AUTH, "root", "root@example.com", PASSWORD, null).id();
        users.setSystemAdmin(AUTH, root, true); // the last active admin cannot be demoted
        users.setSystemAdmin(AUTH, exAdmin, true);
        AccessScope exAdminScope = new AccessScopes(db).forUser(exAdmin);
        users.setSystemAdmin(AUTH, exAdmin, false);
        List<String> asked = new ArrayList<>();
        LoginGuard refuseAll = new LoginGuard() {
            @Override
            public boolean permit(String login, String clientAddress) {
                asked.add(login + "@" + clientAddress);
                return false;
            }

            @Override
            public void completed(String login, String clientAddress, boolean success) {
                asked.add("completed " + login);
            }
        };
        UserRepository guarded = new UserRepository(db, refuseAll);
        AccessScope plain = new AccessScopes(db).forUser(mallory);
        Map<String, java.util.List<String>> before = dev.dialup.deploy.db.testing.DbSnapshot.of(db);

        for (AccessScope caller : List.of(plain, exAdminScope)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> guarded.authenticate(caller, "alice", PASSWORD, "198.51.100.7"))
                    .isInstanceOf(dev.dialup.deploy.db.AccessDeniedException.class);
        }
        assertThat(asked).isEmpty();
        assertThat(dev.dialup.deploy.db.testing.DbSnapshot.of(db)).isEqualTo(before);
        // the authorised caller reaches the guard, which refuses
        assertThat(guarded.authenticate(AUTH, "alice", PASSWORD, "198.51.100.7"))
                .isEmpty();
        assertThat(asked).containsExactly("alice@198.51.100.7");
    }

    @Test
    void aHashTheTriggersDidNotCountIsStillVerifiedAndAMalformedOneNeverMatches() {
        long alice = users.register(AUTH, "alice", "alice@example.com", PASSWORD, null)
                .id();
        long bob =
                users.register(AUTH, "bob", "bob@example.com", PASSWORD, null).id();
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.deleteFrom(PASSWORD_HASH_PARAMS)
                        .where(PASSWORD_HASH_PARAMS.PARAMS.isNotNull())
                        .execute());

        // No set counted: the policy's parameters run once (here alice's own), and the real hash is still checked.
        assertThat(attempt("alice", PASSWORD)).containsExactly("$2b$04$");
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "5");
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.deleteFrom(PASSWORD_HASH_PARAMS)
                        .where(PASSWORD_HASH_PARAMS.PARAMS.isNotNull())
                        .execute());
        assertThat(attempt("bob", "wrong password")).containsExactly("$2b$05$", "$2b$04$");
        assertThat(users.authenticate(AUTH, "alice", PASSWORD)).contains(alice);
        assertThat(users.authenticate(AUTH, "alice", "wrong password")).isEmpty();

        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(USERS)
                        .set(USERS.PASSWORD_HASH, "$2b$04$not-a-real-hash")
                        .where(USERS.ID.eq(bob))
                        .execute());
        assertThat(users.authenticate(AUTH, "bob", PASSWORD)).isEmpty();
        assertThat(PasswordHashing.paramsOf("!locked")).isNull();
        assertThat(PasswordHashing.paramsOf(null)).isNull();
        assertThat(PasswordHashing.paramsOf("$2b$4$short")).isNull();
        var argon = (com.password4j.Argon2Function) PasswordHashing.functionOfParams("$argon2id$v=19$m=64,t=3,p=2$");
        assertThat(List.of(argon.getMemory(), argon.getIterations(), argon.getParallelism()))
                .containsExactly(64, 3, 2);
    }

    @Test
    void lockoutLengthsDoubleAndStopAtADay() {
        Duration base = Duration.ofMinutes(15);
        assertThat(LoginThrottle.lockoutLength(base, 0)).isEqualTo(base);
        assertThat(LoginThrottle.lockoutLength(base, 1)).isEqualTo(Duration.ofMinutes(30));
        assertThat(LoginThrottle.lockoutLength(base, 6)).isEqualTo(Duration.ofMinutes(960));
        assertThat(LoginThrottle.lockoutLength(base, 7)).isEqualTo(Duration.ofDays(1));
        assertThat(LoginThrottle.lockoutLength(Duration.ofDays(1), 0)).isEqualTo(Duration.ofDays(1));
        assertThat(LoginThrottle.lockoutLength(Duration.ofDays(1), 1000)).isEqualTo(Duration.ofDays(1));
        assertThat(LoginThrottle.unknownSubject("Nobody"))
                .isEqualTo(LoginThrottle.unknownSubject("nobody"))
                .startsWith("login:")
                .hasSize(70);
        assertThat(LoginThrottle.userSubject(7)).isEqualTo("user:7");
    }

    private List<String> lockoutRows() {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.ACTOR_LABEL, AUDIT_LOG.TARGET_ID, AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ACTION.eq("user.login_lockout"))
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(r -> {
                            assertThat(r.value1()).isEqualTo(AUTH.label());
                            return "user:" + r.value2() + " " + r.value3();
                        }));
    }

    private List<String> throttleRows() {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(LOGIN_THROTTLE)
                        .orderBy(LOGIN_THROTTLE.SUBJECT)
                        .fetch(r -> r.getSubject() + " failures=" + r.getFailures() + " lockouts=" + r.getLockouts()
                                + " locked="
                                + (r.getLockedUntil() != null && clock.instant().isBefore(r.getLockedUntil()))));
    }
}
