package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.PASSWORD_HASH_PARAMS;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.HashingFunction;
import com.password4j.types.Argon2;
import com.password4j.types.Bcrypt;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Password hashing through password4j (never hand-written). Hashes are self-describing
 * modular-crypt / PHC strings ({@code $2b$12$...}, {@code $argon2id$v=19$m=...}), so the
 * stored string says how to verify it and whether it matches the current policy.
 *
 * <p>The policy is read through the configuration catalogue ({@link ConfigSettings}), so hashing
 * and {@code SystemConfigRepository.get} always see the same validated value (bcrypt cost
 * 10–16; a stored 4 reads as the default 12).
 *
 * <p>Equal cost for every login attempt: {@link #plan} lists every parameter set still stored
 * ({@code password_hash_params}, kept by V46's triggers) and {@link #verify} runs exactly one
 * verification per set — the account's own set checks its real hash, every other set checks a
 * dummy hash made with those parameters. Unknown users, lock markers, deactivated or throttled
 * accounts and not-yet-rehashed users therefore run the same list of verifications.
 */
final class PasswordHashing {
    static final String BCRYPT = "bcrypt";
    static final String ARGON2ID = "argon2id";
    private static final Pattern BCRYPT_HASH = Pattern.compile("^\\$2[abxy]\\$[0-9][0-9]\\$.*", Pattern.DOTALL);
    private static final Pattern ARGON2_HASH =
            Pattern.compile("^\\$argon2.*\\$v=.*\\$m=.*,t=.*,p=.*\\$.*", Pattern.DOTALL);
    private static final String DUMMY_PASSWORD = "dummy-password-for-timing";
    private static final int ARGON2_OUTPUT_BYTES = 32;

    /** One password verification: the seam tests use to see which parameters a login ran. */
    interface Verifier {
        boolean check(HashingFunction function, String password, String hash);

        Verifier PASSWORD4J = (function, password, hash) -> function.check(password, hash);
    }

    /** The current hashing policy, read from {@code system_config} through the catalogue. */
    record Policy(HashingFunction function) {
        static Policy read(DialupDatabase db, DSLContext dsl) {
            String algorithm = ConfigValues.get(db, dsl, ConfigSettings.PASSWORD_ALGORITHM);
            if (ARGON2ID.equals(algorithm)) {
                int memory = ConfigValues.get(db, dsl, ConfigSettings.ARGON2_MEMORY_KIB)
                        .intValue();
                int iterations = ConfigValues.get(db, dsl, ConfigSettings.ARGON2_ITERATIONS)
                        .intValue();
                int lanes = ConfigValues.get(db, dsl, ConfigSettings.ARGON2_PARALLELISM)
                        .intValue();
                return new Policy(
                        Argon2Function.getInstance(memory, iterations, lanes, ARGON2_OUTPUT_BYTES, Argon2.ID));
            }
            int cost = ConfigValues.get(db, dsl, ConfigSettings.BCRYPT_COST).intValue();
            return new Policy(BcryptFunction.getInstance(Bcrypt.B, cost));
        }

        @Override
        public String toString() {
            return "Policy[" + function + "]";
        }
    }

    /** One parameter set of the verification plan: its key ({@code $2b$12$}) and function. */
    record Step(String params, HashingFunction function) {}

    // One dummy hash per parameter set, made once per JVM.
    private static final Map<String, String> DUMMIES = new ConcurrentHashMap<>();

    private PasswordHashing() {}

    static String hash(String password, Policy policy) {
        return policy.function().hash(password).getResult();
    }

    /**
     * The verifications every login runs: one per parameter set stored in {@code users}
     * (ordered by key), or the policy's alone when no hash is stored yet.
     */
    static List<Step> plan(DSLContext dsl, Policy policy) {
        List<Step> steps = new ArrayList<>();
        for (String params : dsl.select(PASSWORD_HASH_PARAMS.PARAMS)
                .from(PASSWORD_HASH_PARAMS)
                .where(PASSWORD_HASH_PARAMS.USERS.gt(0))
                .orderBy(PASSWORD_HASH_PARAMS.PARAMS)
                .fetch(PASSWORD_HASH_PARAMS.PARAMS)) {
            HashingFunction fn = functionOfParams(params);
            if (fn != null) steps.add(new Step(params, fn));
        }
        if (steps.isEmpty()) {
            String dummy = hash(DUMMY_PASSWORD, policy);
            steps.add(new Step(paramsOf(dummy), policy.function()));
        }
        return steps;
    }

    /**
     * True when {@code password} matches {@code stored} (null: unknown user; not a hash: a lock
     * marker — never matches). Runs every step of the plan exactly once; a stored hash whose
     * parameters are not in the plan (written behind the triggers' back) is checked in addition.
     */
    static boolean verify(String password, String stored, List<Step> plan, Verifier verifier) {
        String own = stored == null ? null : paramsOf(stored);
        boolean matched = false;
        boolean checkedOwn = false;
        for (Step step : plan) { // parameter keys are distinct (primary key)
            if (step.params().equals(own)) {
                checkedOwn = true;
                matched = checkReal(verifier, step.function(), password, stored);
            } else {
                verifier.check(step.function(), password, dummyFor(step));
            }
        }
        if (own != null && !checkedOwn) {
            HashingFunction fn = functionOf(stored);
            matched = fn != null && checkReal(verifier, fn, password, stored);
        }
        return matched;
    }

    /** Verification outside logins (changing your own password): only the stored hash's own parameters. */
    static boolean verifyStored(String password, String stored, Verifier verifier) {
        HashingFunction fn = stored == null ? null : functionOf(stored);
        return fn != null && checkReal(verifier, fn, password, stored);
    }

    private static boolean checkReal(Verifier verifier, HashingFunction fn, String password, String stored) {
        try {
            return verifier.check(fn, password, stored);
        } catch (RuntimeException e) {
            return false; // a malformed stored hash never matches
        }
    }

    private static String dummyFor(Step step) {
        return DUMMIES.computeIfAbsent(
                step.params(), p -> step.function().hash(DUMMY_PASSWORD).getResult());
    }

    /** Whether a stored hash was made with another algorithm or other parameters than the policy. */
    static boolean needsRehash(String stored, Policy policy) {
        return !policy.function().equals(functionOf(stored));
    }

    /**
     * The parameter key of a stored hash, exactly as V46's triggers compute it: {@code $2b$12$}
     * for bcrypt, {@code $argon2id$v=19$m=19456,t=2,p=1$} for argon2; null for anything else.
     */
    static String paramsOf(String stored) {
        if (stored == null) return null;
        if (BCRYPT_HASH.matcher(stored).matches()) return stored.substring(0, 7);
        if (ARGON2_HASH.matcher(stored).matches()) {
            int p = stored.indexOf(",p=");
            int end = stored.indexOf('$', p + 3);
            return stored.substring(0, end + 1);
        }
        return null;
    }

    /** The function of a parameter key (a dummy salt and digest complete it for parsing). */
    static HashingFunction functionOfParams(String params) {
        if (params.startsWith("$2")) return functionOf(params + "......................" + ".".repeat(31));
        return functionOf(params + "c2FsdHNhbHRzYWx0c2FsdA$" + "A".repeat(43));
    }

    private static HashingFunction functionOf(String stored) {
        if (paramsOf(stored) == null) return null;
        try {
            if (stored.startsWith("$2")) return BcryptFunction.getInstanceFromHash(stored);
            return Argon2Function.getInstanceFromHash(stored);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
