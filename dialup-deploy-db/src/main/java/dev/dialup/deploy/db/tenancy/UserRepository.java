package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectConditionStep;
import org.jooq.impl.DSL;

/**
 * Accounts: registration, login, passwords, activation and the system-admin flag.
 *
 * <p>Registration and login belong to the platform's signup/login component: they need the
 * system scope ({@code db.systemScope("auth")}) or a system admin. After
 * {@link #authenticate} returns a user id, services build that user's scope with
 * {@code new AccessScopes(db).forUser(id)}. A user is visible to itself and to system admins;
 * to anyone else it does not exist. Every check reads the caller's current row in the
 * transaction that does the work. Self and last-admin rules:
 * <ul>
 *   <li>a system admin cannot revoke their own admin flag or deactivate their own account
 *       ({@link AccessDeniedException}: another admin must);</li>
 *   <li>the last active system admin cannot be demoted or deactivated, by anyone, the system
 *       scope included ({@link ConflictException}); users are never deleted by this library;</li>
 *   <li>a user cannot deactivate their own account while they own an active organization
 *       ({@link ConflictException}: transfer ownership or deactivate the organization first).</li>
 * </ul>
 * Denied calls write nothing. Rules in docs/tenancy.md.
 */
public final class UserRepository {
    private static final Users U = USERS;
    private static final String USERNAME_TAKEN = "username is taken";
    private static final String EMAIL_TAKEN = "email is already registered";
    /** Unique constraints of users: username and email, each also case-insensitively (V2 NOCASE indexes). */
    private static final Map<String, String> CONFLICTS =
            Map.of("users.username", USERNAME_TAKEN, "users.email", EMAIL_TAKEN);

    private static final Organizations O = ORGANIZATIONS;

    private final DialupDatabase db;
    private final AuditLog audit;
    private final LoginGuard guard;
    private final PasswordHashing.Verifier verifier;
    private final LoginThrottle throttle;

    public UserRepository(DialupDatabase db) {
        this(db, LoginGuard.NONE);
    }

    /** With the calling service's own login limits (per client address; see {@link LoginGuard}). */
    public UserRepository(DialupDatabase db, LoginGuard guard) {
        this(db, guard, PasswordHashing.Verifier.PASSWORD4J);
    }

    /** Tests observe which verifications ran through {@code verifier}. */
    UserRepository(DialupDatabase db, LoginGuard guard, PasswordHashing.Verifier verifier) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
        this.guard = Objects.requireNonNull(guard, "guard");
        this.verifier = verifier;
        this.throttle = new LoginThrottle(db, audit);
    }

    /**
     * Creates an active, non-admin account. Username and email are trimmed, lower-cased and
     * unique case-insensitively ({@link ConflictException} when taken).
     */
    public User register(AccessScope scope, String username, String email, String password, String displayName) {
        // Checked before the (slow) hashing, and again in the transaction that inserts.
        db.read(scope, dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "registering a user");
            return null;
        });
        String u = Inputs.username(username);
        String e = Inputs.email(email);
        String pw = Inputs.newPassword("password", password);
        String dn = Inputs.optionalName("displayName", displayName);
        PasswordHashing.Policy policy = db.read(scope, dsl -> PasswordHashing.Policy.read(db, dsl));
        String hash = PasswordHashing.hash(pw, policy); // slow: computed before taking the writer
        return db.write(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "registering a user");
            // The look-ups only pick the message when both are taken; the UNIQUE indexes decide.
            if (tx.fetchExists(U, U.USERNAME.equalIgnoreCase(u))) throw new ConflictException(USERNAME_TAKEN);
            if (tx.fetchExists(U, U.EMAIL.equalIgnoreCase(e))) throw new ConflictException(EMAIL_TAKEN);
            long id = UniqueConstraints.conflictOn(
                    CONFLICTS,
                    () -> tx.insertInto(U)
                            .set(U.USERNAME, u)
                            .set(U.EMAIL, e)
                            .set(U.PASSWORD_HASH, hash)
                            .set(U.DISPLAY_NAME, dn)
                            .set(U.IS_ACTIVE, true)
                            .set(U.IS_ADMIN, false)
                            .returning(U.ID)
                            .fetchOne()
                            .getId());
            audit.record(tx, scope, "user.register", "user", id, null, Map.of("username", u));
            return toUser(selectBase(tx).and(U.ID.eq(id)).fetchOne());
        });
    }

    /**
     * The user id when {@code login} (username or email, any case) and {@code password} match an
     * active account that is not locked out; otherwise empty. Same as
     * {@link #authenticate(AccessScope, String, String, String)} without a client address.
     */
    public Optional<Long> authenticate(AccessScope scope, String login, String password) {
        return authenticate(scope, login, password, null);
    }

    /**
     * The user id when {@code login} (username or email, any case) and {@code password} match an
     * active account that is not locked out; otherwise empty.
     *
     * <p>No oracle: unknown login, wrong password, lock marker, deactivated account and locked-out
     * account give the same empty result after the same verifications — one per password-hash
     * parameter set still stored ({@link PasswordHashing#plan}) — and the same one write
     * transaction (the failure is counted for the account, or for the unknown name).
     *
     * <p>Order: the scope must be this database's system scope or an active system admin
     * ({@link AccessDeniedException} otherwise, checked again in each transaction below); only
     * then is the {@link LoginGuard} asked, so an unauthorised caller never consumes or observes
     * the guard.
     *
     * <p>Throttling per account: after {@code security.login_failure_threshold} consecutive
     * failures the account is locked for {@code security.login_lockout_seconds}, doubling with
     * each consecutive lockout (at most a day); while locked even the right password gives empty.
     * Each lockout writes one {@code user.login_lockout} audit row. A successful login resets the
     * account's counters. {@code clientAddress} is only handed to the {@link LoginGuard} given to
     * the constructor (per-address limits are the calling service's).
     *
     * <p>On success, a hash made with another algorithm or cost than the current policy is replaced
     * (one {@code user.password_rehash} audit row in the same transaction).
     */
    public Optional<Long> authenticate(AccessScope scope, String login, String password, String clientAddress) {
        Inputs.notNull("scope", scope);
        Inputs.passwordLength("password", password);
        String key = login == null ? "" : login.strip();
        String pw = password == null ? "" : password;
        // The caller's right first: a scope that may not authenticate gets AccessDeniedException
        // whatever the guard would say, and neither spends the guard's budget for this login or
        // address nor learns from an empty result that the guard is refusing it.
        db.read(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "authenticating a user");
            return null;
        });
        if (!guard.permit(key, clientAddress)) {
            return Optional.empty();
        }
        record Candidate(long id, String hash, boolean active) {}
        record Read(PasswordHashing.Policy policy, List<PasswordHashing.Step> plan, Candidate candidate) {}
        Read read = db.read(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "authenticating a user");
            PasswordHashing.Policy policy = PasswordHashing.Policy.read(db, tx);
            Candidate c = tx.select(U.ID, U.PASSWORD_HASH, U.IS_ACTIVE)
                    .from(U)
                    .where(key.contains("@") ? U.EMAIL.equalIgnoreCase(key) : U.USERNAME.equalIgnoreCase(key))
                    .fetchOne(r -> new Candidate(r.value1(), r.value2(), Boolean.TRUE.equals(r.value3())));
            return new Read(policy, PasswordHashing.plan(tx, policy), c);
        });
        Candidate c = read.candidate();
        boolean matched = PasswordHashing.verify(pw, c == null ? null : c.hash(), read.plan(), verifier);
        boolean usable = c != null && matched && c.active();
        // Slow hashing happens before taking the writer; the upgrade is used only if the login succeeds.
        String upgraded = usable && PasswordHashing.needsRehash(c.hash(), read.policy())
                ? PasswordHashing.hash(pw, read.policy())
                : null;
        boolean success = db.write(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "authenticating a user");
            String subject = c == null ? LoginThrottle.unknownSubject(key) : LoginThrottle.userSubject(c.id());
            boolean locked = throttle.isLocked(tx, subject);
            if (usable && !locked) {
                throttle.reset(tx, subject);
                if (upgraded != null) {
                    // Compare-and-set: a password changed meanwhile is left alone.
                    int n = tx.update(U)
                            .set(U.PASSWORD_HASH, upgraded)
                            .where(U.ID.eq(c.id()))
                            .and(U.PASSWORD_HASH.eq(c.hash()))
                            .execute();
                    if (n == 1) {
                        audit.record(
                                tx,
                                scope,
                                "user.password_rehash",
                                "user",
                                c.id(),
                                null,
                                Map.of("algorithm", algorithmOf(upgraded)));
                    }
                }
                return true;
            }
            throttle.recordFailure(tx, scope, subject, c == null ? null : c.id(), locked);
            return false;
        });
        guard.completed(key, clientAddress, success);
        return success ? Optional.of(c.id()) : Optional.empty();
    }

    /** The user, if visible: yourself, or anyone for system admins. */
    public User find(AccessScope scope, long userId) {
        return db.read(scope, dsl -> requireVisible(dsl, scope, userId));
    }

    /** Changes your own password; the current one must match ({@link AccessDeniedException} otherwise). */
    public void changePassword(AccessScope scope, long userId, String currentPassword, String newPassword) {
        Inputs.passwordLength("currentPassword", currentPassword);
        String pw = Inputs.newPassword("newPassword", newPassword);
        String stored = db.read(scope, dsl -> {
            requireVisible(dsl, scope, userId);
            if (!isSelf(scope, userId)) {
                throw new AccessDeniedException("only the user can change their own password; admins reset it");
            }
            return dsl.select(U.PASSWORD_HASH).from(U).where(U.ID.eq(userId)).fetchOne(U.PASSWORD_HASH);
        });
        PasswordHashing.Policy policy = db.read(scope, dsl -> PasswordHashing.Policy.read(db, dsl));
        if (!PasswordHashing.verifyStored(currentPassword == null ? "" : currentPassword, stored, verifier)) {
            throw new AccessDeniedException("current password does not match");
        }
        String hash = PasswordHashing.hash(pw, policy);
        db.writeVoid(scope, tx -> {
            requireVisible(tx, scope, userId);
            if (!isSelf(scope, userId)) {
                throw new AccessDeniedException("only the user can change their own password; admins reset it");
            }
            int n = tx.update(U)
                    .set(U.PASSWORD_HASH, hash)
                    .where(U.ID.eq(userId))
                    .and(U.PASSWORD_HASH.eq(stored))
                    .execute();
            if (n != 1) throw new ConflictException("password changed concurrently; try again");
            audit.record(tx, scope, "user.password_change", "user", userId, null, Map.of());
        });
    }

    /**
     * Sets a password without the current one (operator reset; also unlocks accounts whose
     * stored value is a lock marker such as {@code !locked}). System scope and system admins only.
     */
    public void setPassword(AccessScope scope, long userId, String newPassword) {
        String pw = Inputs.newPassword("newPassword", newPassword);
        db.read(scope, dsl -> {
            requireVisible(dsl, scope, userId);
            TenantFilter.requireAdmin(dsl, scope, "resetting a password");
            return null;
        });
        String hash = PasswordHashing.hash(pw, db.read(scope, dsl -> PasswordHashing.Policy.read(db, dsl)));
        db.writeVoid(scope, tx -> {
            requireVisible(tx, scope, userId);
            TenantFilter.requireAdmin(tx, scope, "resetting a password");
            tx.update(U).set(U.PASSWORD_HASH, hash).where(U.ID.eq(userId)).execute();
            audit.record(tx, scope, "user.password_reset", "user", userId, null, Map.of());
        });
    }

    /**
     * Deactivates an account: yourself, or any account for system admins. Idempotent calls
     * still audit. Refused for a system admin's own account ({@link AccessDeniedException}),
     * for the last active system admin, and for your own account while you own an active
     * organization ({@link ConflictException}).
     */
    public User deactivate(AccessScope scope, long userId) {
        return setActive(scope, userId, false);
    }

    /**
     * Reactivates an account: system admins and the system scope only (a deactivated user's
     * scope is refused everywhere, so nobody reactivates themselves).
     */
    public User reactivate(AccessScope scope, long userId) {
        return setActive(scope, userId, true);
    }

    /**
     * Grants or revokes the system-admin flag: system admins (and the system scope) only. An
     * admin cannot revoke their own flag ({@link AccessDeniedException}); the last active system
     * admin cannot be demoted ({@link ConflictException}).
     */
    public User setSystemAdmin(AccessScope scope, long userId, boolean admin) {
        return db.write(scope, tx -> {
            User target = requireVisible(tx, scope, userId);
            TenantFilter.requireAdmin(tx, scope, "changing the system-admin flag");
            if (!admin && isSelf(scope, userId)) {
                throw new AccessDeniedException(
                        "system admins cannot revoke their own admin rights; another admin must");
            }
            if (!admin) requireNotLastAdmin(tx, target, "demoted");
            tx.update(U).set(U.IS_ADMIN, admin).where(U.ID.eq(userId)).execute();
            audit.record(tx, scope, admin ? "user.admin_grant" : "user.admin_revoke", "user", userId, null, Map.of());
            return toUser(selectBase(tx).and(U.ID.eq(userId)).fetchOne());
        });
    }

    private User setActive(AccessScope scope, long userId, boolean active) {
        return db.write(scope, tx -> {
            User target = requireVisible(tx, scope, userId);
            if (active) {
                TenantFilter.requireAdmin(tx, scope, "reactivating an account");
            } else {
                boolean self = isSelf(scope, userId);
                if (self && target.admin()) {
                    throw new AccessDeniedException(
                            "system admins cannot deactivate their own account; another admin must");
                }
                requireNotLastAdmin(tx, target, "deactivated");
                if (self) {
                    String owned = tx.select(O.SLUG)
                            .from(O)
                            .where(O.OWNER_ID.eq(userId))
                            .and(O.IS_ACTIVE.isTrue())
                            .orderBy(O.ID)
                            .limit(1)
                            .fetchOne(O.SLUG);
                    if (owned != null) {
                        throw new ConflictException("you own the active organization '" + owned
                                + "': transfer its ownership or deactivate it before deactivating your account");
                    }
                }
            }
            tx.update(U).set(U.IS_ACTIVE, active).where(U.ID.eq(userId)).execute();
            audit.record(tx, scope, active ? "user.reactivate" : "user.deactivate", "user", userId, null, Map.of());
            return toUser(selectBase(tx).and(U.ID.eq(userId)).fetchOne());
        });
    }

    private User requireVisible(DSLContext dsl, AccessScope scope, long userId) {
        Record r = selectBase(dsl)
                .and(U.ID.eq(userId))
                .and(TenantFilter.userVisible(dsl, scope, U))
                .fetchOne();
        if (r == null) throw new NotFoundException("user", userId);
        return toUser(r);
    }

    /** Refuses to leave the platform without an active system admin. */
    private static void requireNotLastAdmin(DSLContext tx, User target, String what) {
        if (!target.active() || !target.admin()) return;
        int others =
                tx.fetchCount(U, U.IS_ACTIVE.isTrue().and(U.IS_ADMIN.isTrue()).and(U.ID.ne(target.id())));
        if (others == 0) {
            throw new ConflictException(
                    "the last active system admin cannot be " + what + "; make another user admin first");
        }
    }

    private static boolean isSelf(AccessScope scope, long userId) {
        return scope.userId().map(id -> id == userId).orElse(false);
    }

    private SelectConditionStep<? extends Record> selectBase(DSLContext dsl) {
        return dsl.select(
                        U.ID, U.USERNAME, U.EMAIL, U.DISPLAY_NAME, U.IS_ACTIVE, U.IS_ADMIN, U.CREATED_AT, U.UPDATED_AT)
                .from(U)
                .where(DSL.noCondition());
    }

    private static User toUser(Record r) {
        return new User(
                r.get(U.ID),
                r.get(U.USERNAME),
                r.get(U.EMAIL),
                r.get(U.DISPLAY_NAME),
                Boolean.TRUE.equals(r.get(U.IS_ACTIVE)),
                Boolean.TRUE.equals(r.get(U.IS_ADMIN)),
                r.get(U.CREATED_AT),
                r.get(U.UPDATED_AT));
    }

    private static String algorithmOf(String hash) {
        return hash.startsWith("$argon2") ? PasswordHashing.ARGON2ID : PasswordHashing.BCRYPT;
    }
}
