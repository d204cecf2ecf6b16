package dev.dialup.deploy.db.secrets;

import static dev.dialup.deploy.db.generated.Tables.SITE_ENVIRONMENT_VARIABLES;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.SiteEnvironmentVariables;
import dev.dialup.deploy.db.generated.tables.records.SiteEnvironmentVariablesRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site's environment variables. Non-secret values are stored as text; secret values are
 * encrypted with the {@link SecretsKeyset}'s AEAD (associated data = site id + key) and
 * their Tink key id is kept in {@code key_id} for rotation.
 *
 * <p>Permissions (docs/integration.md, "Environment variables and secrets"): list/get — anyone
 * who can read the site, secret values masked unless the caller manages the site (or is the
 * system scope); set/delete — site managers; {@link #resolveForContainer} — system scope only;
 * key management ({@link #reencryptSecrets}, {@link #keysInUse}, {@link #canRetire}) — system
 * admins and the system scope.
 */
public final class EnvironmentRepository {
    public static final int MAX_KEY_LENGTH = 128;
    public static final int MAX_VALUE_LENGTH = 32 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(EnvironmentRepository.class);
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static final SiteEnvironmentVariables V = SITE_ENVIRONMENT_VARIABLES;

    private final DialupDatabase db;
    private final SecretCipher cipher;
    private final AuditLog audit;

    public EnvironmentRepository(DialupDatabase db, SecretsKeyset keyset) {
        this.db = db;
        this.cipher = new SecretCipher(Objects.requireNonNull(keyset, "keyset"));
        this.audit = new AuditLog(db.clock());
    }

    /** Creates or replaces a variable. Site managers only. */
    public EnvironmentVariable set(AccessScope scope, long siteId, String key, String value, boolean secret) {
        validateKey(key);
        validateValue(value);
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            var now = StoredTime.truncate(db.clock().instant());
            String stored = secret ? cipher.encrypt(siteId, key, value) : value;
            Long keyId = secret ? (long) cipher.primaryKeyId() : null;
            Boolean wasSecret = tx.select(V.IS_SECRET)
                    .from(V)
                    .where(V.SITE_ID.eq(siteId))
                    .and(V.KEY.eq(key))
                    .fetchOne(V.IS_SECRET);
            boolean existed = wasSecret != null;
            if (secret && existed && !wasSecret) {
                // The plain value being replaced must not survive in free space or the WAL.
                db.eraseOverwrittenContent();
            }
            tx.insertInto(V)
                    .set(V.SITE_ID, siteId)
                    .set(V.KEY, key)
                    .set(V.VALUE, stored)
                    .set(V.IS_SECRET, secret)
                    .set(V.KEY_ID, keyId)
                    .set(V.CREATED_AT, now)
                    .set(V.UPDATED_AT, now)
                    .onConflict(V.SITE_ID, V.KEY)
                    .doUpdate()
                    .set(V.VALUE, stored)
                    .set(V.IS_SECRET, secret)
                    .set(V.KEY_ID, keyId)
                    .set(V.UPDATED_AT, now)
                    .execute();
            // Never the value: only which key changed and whether it is secret.
            audit.record(
                    tx,
                    scope,
                    existed ? "env.update" : "env.create",
                    "site_environment_variable",
                    siteId + "/" + key,
                    site.getOrganizationId(),
                    Map.of("key", key, "secret", secret));
            return toEnvironmentVariable(
                    selectBase(tx)
                            .where(V.SITE_ID.eq(siteId))
                            .and(V.KEY.eq(key))
                            .fetchOne(),
                    true);
        });
    }

    /** One variable; secret values masked unless the caller manages the site. */
    public EnvironmentVariable get(AccessScope scope, long siteId, String key) {
        validateKey(key);
        return db.read(scope, dsl -> {
            SitesRecord site = TenantFilter.requireVisibleSite(dsl, scope, siteId);
            SiteEnvironmentVariablesRecord r = selectBase(dsl)
                    .where(V.SITE_ID.eq(siteId))
                    .and(V.KEY.eq(key))
                    .fetchOne();
            if (r == null) throw new NotFoundException("environment variable", siteId + "/" + key);
            return toEnvironmentVariable(r, TenantFilter.canReadSecrets(dsl, scope, site));
        });
    }

    /** All variables of a site ordered by key; secret values masked unless the caller manages the site. */
    public List<EnvironmentVariable> list(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> {
            SitesRecord site = TenantFilter.requireVisibleSite(dsl, scope, siteId);
            boolean reveal = TenantFilter.canReadSecrets(dsl, scope, site);
            return selectBase(dsl)
                    .where(V.SITE_ID.eq(siteId))
                    .orderBy(V.KEY)
                    .fetch(r -> toEnvironmentVariable(r, reveal));
        });
    }

    /** Removes a variable. Site managers only. */
    public void delete(AccessScope scope, long siteId, String key) {
        validateKey(key);
        db.writeVoid(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            int n = tx.deleteFrom(V)
                    .where(V.SITE_ID.eq(siteId))
                    .and(V.KEY.eq(key))
                    .execute();
            if (n == 0) throw new NotFoundException("environment variable", siteId + "/" + key);
            audit.record(
                    tx,
                    scope,
                    "env.delete",
                    "site_environment_variable",
                    siteId + "/" + key,
                    site.getOrganizationId(),
                    Map.of("key", key));
        });
    }

    /**
     * The environment to start a site's container with, secrets decrypted, ordered by key.
     * System scope only. A secret that cannot be decrypted fails the whole call.
     */
    public Map<String, String> resolveForContainer(AccessScope scope, long siteId) {
        TenantFilter.requireSystem(db, scope, "resolving a container environment");
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            Map<String, String> env = new LinkedHashMap<>();
            for (SiteEnvironmentVariablesRecord r :
                    selectBase(dsl).where(V.SITE_ID.eq(siteId)).orderBy(V.KEY).fetch()) {
                env.put(
                        r.getKey(),
                        Boolean.TRUE.equals(r.getIsSecret())
                                ? cipher.decrypt(r.getSiteId(), r.getKey(), r.getValue())
                                        .reveal()
                                : r.getValue());
            }
            return env;
        });
    }

    /**
     * Moves every secret not under the primary key to it, {@code batchSize} values per write
     * transaction (one audit row per batch). Resumable: an interrupted run leaves committed
     * batches on the new key and the rest on the old one, and the next run picks up the rest.
     * {@code progress} is called after each committed batch; throwing from it stops the run.
     * A value that fails to decrypt aborts its batch (nothing of that batch is written).
     * System admins and the system scope only.
     */
    public ReencryptProgress reencryptSecrets(AccessScope scope, int batchSize, Consumer<ReencryptProgress> progress) {
        if (batchSize < 1 || batchSize > 10_000)
            throw new ValidationException("batchSize", "must be between 1 and 10000");
        int primary = cipher.primaryKeyId();
        long moved = 0;
        int batches = 0;
        while (true) {
            int n = db.write(scope, tx -> {
                TenantFilter.requireAdmin(tx, scope, "re-encrypting secrets");
                var rows = selectBase(tx)
                        .where(needsReencryption(primary))
                        .orderBy(V.ID)
                        .limit(batchSize)
                        .fetch();
                for (SiteEnvironmentVariablesRecord r : rows) {
                    String plain = cipher.decrypt(r.getSiteId(), r.getKey(), r.getValue())
                            .reveal();
                    tx.update(V)
                            .set(V.VALUE, cipher.encrypt(r.getSiteId(), r.getKey(), plain))
                            .set(V.KEY_ID, (long) primary)
                            .where(V.ID.eq(r.getId()))
                            .execute();
                }
                if (!rows.isEmpty()) {
                    audit.record(
                            tx,
                            scope,
                            "secrets.reencrypt_batch",
                            "secrets_keyset",
                            Integer.toUnsignedString(primary),
                            null,
                            Map.of("values", rows.size(), "toKeyId", Integer.toUnsignedString(primary)));
                }
                return rows.size();
            });
            if (n == 0) break;
            moved += n;
            batches++;
            long remaining = db.read(scope, dsl -> (long) dsl.fetchCount(V, needsReencryption(primary)));
            ReencryptProgress p = new ReencryptProgress(primary, moved, remaining, batches);
            LOG.info(
                    "Re-encrypted {} secret values to key {} ({} remaining)",
                    n,
                    Integer.toUnsignedString(primary),
                    remaining);
            if (progress != null) progress.accept(p);
            if (remaining == 0) return p;
        }
        return new ReencryptProgress(primary, moved, 0, batches);
    }

    /** Tink key id (unsigned decimal) → number of secret values encrypted with it. System admins and the system scope. */
    public Map<String, Long> keysInUse(AccessScope scope) {
        return db.read(scope, dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "listing secret keys in use");
            Map<String, Long> out = new TreeMap<>();
            dsl.select(V.KEY_ID, DSL.count())
                    .from(V)
                    .where(V.IS_SECRET.isTrue())
                    .groupBy(V.KEY_ID)
                    .forEach(r -> out.put(
                            r.value1() == null
                                    ? "unknown"
                                    : Integer.toUnsignedString(r.value1().intValue()),
                            r.value2().longValue()));
            return out;
        });
    }

    /**
     * Whether {@code keyId} may be removed from the keyset: it is not the primary key and no
     * stored secret needs it. System admins and the system scope.
     */
    public boolean canRetire(AccessScope scope, int keyId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "checking whether a secret key can be retired");
            if (keyId == cipher.primaryKeyId()) return false;
            return !dsl.fetchExists(dsl.selectOne()
                    .from(V)
                    .where(V.IS_SECRET.isTrue())
                    .and(V.KEY_ID.eq((long) keyId).or(V.KEY_ID.isNull())));
        });
    }

    private Condition needsReencryption(int primary) {
        return V.IS_SECRET.isTrue().and(V.KEY_ID.isNull().or(V.KEY_ID.ne((long) primary)));
    }

    private SelectWhereStep<SiteEnvironmentVariablesRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(V);
    }

    private EnvironmentVariable toEnvironmentVariable(SiteEnvironmentVariablesRecord r, boolean revealSecrets) {
        boolean secret = Boolean.TRUE.equals(r.getIsSecret());
        if (!secret) {
            return new EnvironmentVariable(
                    r.getSiteId(), r.getKey(), false, r.getValue(), null, false, r.getCreatedAt(), r.getUpdatedAt());
        }
        SecretValue value = revealSecrets ? cipher.decrypt(r.getSiteId(), r.getKey(), r.getValue()) : null;
        return new EnvironmentVariable(
                r.getSiteId(), r.getKey(), true, null, value, !revealSecrets, r.getCreatedAt(), r.getUpdatedAt());
    }

    static void validateKey(String key) {
        if (key == null || key.isEmpty()) throw new ValidationException("key", "must not be empty");
        if (key.length() > MAX_KEY_LENGTH)
            throw new ValidationException("key", "must be at most " + MAX_KEY_LENGTH + " characters");
        if (!KEY.matcher(key).matches()) {
            throw new ValidationException(
                    "key", "must look like a shell identifier: a letter or _ followed by letters, digits or _");
        }
    }

    private static void validateValue(String value) {
        // The message never quotes the value: it may be a secret.
        if (value == null) throw new ValidationException("value", "must not be null");
        if (value.length() > MAX_VALUE_LENGTH)
            throw new ValidationException("value", "must be at most " + MAX_VALUE_LENGTH + " characters");
        if (value.indexOf('\0') >= 0) throw new ValidationException("value", "must not contain NUL characters");
        Inputs.noLoneSurrogate("value", value);
    }
}
