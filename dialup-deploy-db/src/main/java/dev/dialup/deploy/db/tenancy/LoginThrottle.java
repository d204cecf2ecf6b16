package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.LOGIN_THROTTLE;

import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.records.LoginThrottleRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * Failed-login bookkeeping in {@code login_throttle} (V46), always inside the caller's write
 * transaction so concurrent attempts count exactly. Rules in docs/tenancy.md, "Login throttling".
 */
final class LoginThrottle {
    /** Upper bound of one lockout, and how long failures and lockouts are remembered. */
    static final Duration MAX_LOCKOUT = Duration.ofDays(1);

    private final DialupDatabase db;
    private final AuditLog audit;

    LoginThrottle(DialupDatabase db, AuditLog audit) {
        this.db = db;
        this.audit = audit;
    }

    static String userSubject(long userId) {
        return "user:" + userId;
    }

    /** Unknown names are stored only as a SHA-256 of the lower-cased name. */
    static String unknownSubject(String login) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(login.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return "login:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the JDK", e);
        }
    }

    boolean isLocked(DSLContext tx, String subject) {
        LoginThrottleRecord row = tx.selectFrom(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.SUBJECT.eq(subject))
                .fetchOne();
        return row != null && row.getLockedUntil() != null && now().isBefore(row.getLockedUntil());
    }

    void reset(DSLContext tx, String subject) {
        tx.deleteFrom(LOGIN_THROTTLE).where(LOGIN_THROTTLE.SUBJECT.eq(subject)).execute();
    }

    /**
     * Counts one failure. While locked, the attempt is refused without counting (so a lockout is
     * not extended by its own attacker). At the threshold: a lockout of
     * {@code lockout × 2^(consecutive lockouts)} (at most {@link #MAX_LOCKOUT}) and, for a real
     * account, one {@code user.login_lockout} audit row. Counters older than {@link #MAX_LOCKOUT}
     * start over.
     */
    void recordFailure(DSLContext tx, AccessScope scope, String subject, Long userId, boolean locked) {
        Instant now = now();
        LoginThrottleRecord row = tx.selectFrom(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.SUBJECT.eq(subject))
                .fetchOne();
        boolean stale = row != null
                && !locked
                && row.getLastFailureAt().plus(MAX_LOCKOUT).isBefore(now);
        int failures = row == null || stale ? 0 : row.getFailures();
        int lockouts = row == null || stale ? 0 : row.getLockouts();
        Instant lockedUntil = row == null || stale ? null : row.getLockedUntil();
        if (!locked) {
            failures++;
            long threshold = ConfigValues.get(db, tx, ConfigSettings.LOGIN_FAILURE_THRESHOLD);
            if (failures >= threshold) {
                Duration base = ConfigValues.get(db, tx, ConfigSettings.LOGIN_LOCKOUT);
                Duration length = lockoutLength(base, lockouts);
                lockouts++;
                failures = 0;
                lockedUntil = now.plus(length);
                if (userId != null) {
                    audit.record(
                            tx,
                            scope,
                            "user.login_lockout",
                            "user",
                            userId,
                            null,
                            Map.of("failures", threshold, "lockoutSeconds", length.toSeconds(), "lockouts", lockouts));
                }
            }
        }
        tx.insertInto(LOGIN_THROTTLE)
                .set(LOGIN_THROTTLE.SUBJECT, subject)
                .set(LOGIN_THROTTLE.USER_ID, userId)
                .set(LOGIN_THROTTLE.FAILURES, failures)
                .set(LOGIN_THROTTLE.LOCKOUTS, lockouts)
                .set(LOGIN_THROTTLE.LOCKED_UNTIL, lockedUntil)
                .set(LOGIN_THROTTLE.LAST_FAILURE_AT, StoredTime.truncate(now))
                .onConflict(LOGIN_THROTTLE.SUBJECT)
                .doUpdate()
                .set(LOGIN_THROTTLE.FAILURES, failures)
                .set(LOGIN_THROTTLE.LOCKOUTS, lockouts)
                .set(LOGIN_THROTTLE.LOCKED_UNTIL, lockedUntil)
                .set(LOGIN_THROTTLE.LAST_FAILURE_AT, StoredTime.truncate(now))
                .execute();
        // Unknown names leave no row behind once stale: the table cannot grow without bound.
        tx.deleteFrom(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.USER_ID.isNull())
                .and(LOGIN_THROTTLE.LAST_FAILURE_AT.lt(StoredTime.truncate(now.minus(MAX_LOCKOUT))))
                .and(LOGIN_THROTTLE.LOCKED_UNTIL.isNull().or(LOGIN_THROTTLE.LOCKED_UNTIL.lt(now)))
                .execute();
    }

    /** {@code base × 2^previousLockouts}, capped at {@link #MAX_LOCKOUT}. */
    static Duration lockoutLength(Duration base, int previousLockouts) {
        // base is at most a day (catalogue), so 2^17 × base cannot overflow and is always past the cap.
        Duration length = base.multipliedBy(1L << Math.min(previousLockouts, 17));
        return java.util.Collections.min(java.util.List.of(length, MAX_LOCKOUT));
    }

    private Instant now() {
        return db.clock().instant();
    }
}
