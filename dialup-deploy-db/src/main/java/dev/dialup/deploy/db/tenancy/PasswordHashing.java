package dev.dialup.deploy.db.tenancy;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.HashingFunction;
import com.password4j.types.Argon2;
import com.password4j.types.Bcrypt;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.config.ConfigValues;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;

/**
 * Password hashing through password4j (never hand-written). Hashes are self-describing
 * modular-crypt / PHC strings ({@code $2b$12$...}, {@code $argon2id$v=19$m=...}), so the
 * stored string says how to verify it and whether it matches the current policy.
 */
final class PasswordHashing {
    static final String BCRYPT = "bcrypt";
    static final String ARGON2ID = "argon2id";
    static final long DEFAULT_BCRYPT_COST = 12;
    // OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    static final long DEFAULT_ARGON2_MEMORY_KIB = 19_456;
    static final long DEFAULT_ARGON2_ITERATIONS = 2;
    static final long DEFAULT_ARGON2_PARALLELISM = 1;
    private static final int ARGON2_OUTPUT_BYTES = 32;

    /** The current hashing policy, read from {@code system_config}. */
    record Policy(HashingFunction function) {
        static Policy read(DSLContext dsl) {
            String algorithm = ConfigValues.readString(dsl, ConfigKeys.PASSWORD_ALGORITHM, BCRYPT).toLowerCase(Locale.ROOT);
            if (ARGON2ID.equals(algorithm)) {
                int memory = (int) clamp(ConfigValues.readLong(dsl, ConfigKeys.ARGON2_MEMORY_KIB, DEFAULT_ARGON2_MEMORY_KIB), 8, 4_194_304);
                int iterations = (int) clamp(ConfigValues.readLong(dsl, ConfigKeys.ARGON2_ITERATIONS, DEFAULT_ARGON2_ITERATIONS), 1, 100);
                int lanes = (int) clamp(ConfigValues.readLong(dsl, ConfigKeys.ARGON2_PARALLELISM, DEFAULT_ARGON2_PARALLELISM), 1, 64);
                return new Policy(Argon2Function.getInstance(memory, iterations, lanes, ARGON2_OUTPUT_BYTES, Argon2.ID));
            }
            // bcrypt's valid cost range is 4..31; anything else in the table falls back into it.
            int cost = (int) clamp(ConfigValues.readLong(dsl, ConfigKeys.BCRYPT_COST, DEFAULT_BCRYPT_COST), 4, 31);
            return new Policy(BcryptFunction.getInstance(Bcrypt.B, cost));
        }

        @Override
        public String toString() {
            return "Policy[" + function + "]";
        }
    }

    // One dummy hash per policy, so an unknown user costs exactly one verification at the current cost.
    private static final Map<HashingFunction, String> DUMMIES = new ConcurrentHashMap<>();

    private PasswordHashing() {}

    static String hash(String password, Policy policy) {
        return policy.function().hash(password).getResult();
    }

    /**
     * True when {@code password} matches {@code stored}. A stored value that is not a hash
     * (it does not start with '$': a locked account) never matches, but still costs one
     * verification so that it cannot be told apart by timing.
     */
    static boolean verify(String password, String stored, Policy policy) {
        HashingFunction fn = stored == null ? null : functionOf(stored);
        if (fn == null) {
            String dummy = DUMMIES.computeIfAbsent(policy.function(), f -> f.hash("dummy-password-for-timing").getResult());
            policy.function().check(password, dummy);
            return false;
        }
        return fn.check(password, stored);
    }

    /** Wasted verification for an unknown user: same cost as a real one. */
    static void verifyDummy(String password, Policy policy) {
        verify(password, null, policy);
    }

    /** Whether a stored hash was made with another algorithm or other parameters than the policy. */
    static boolean needsRehash(String stored, Policy policy) {
        HashingFunction fn = functionOf(stored);
        return fn == null || !fn.equals(policy.function());
    }

    private static HashingFunction functionOf(String stored) {
        if (stored == null || !stored.startsWith("$")) return null;
        try {
            if (stored.startsWith("$2")) return BcryptFunction.getInstanceFromHash(stored);
            if (stored.startsWith("$argon2")) return Argon2Function.getInstanceFromHash(stored);
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }
}
