package dev.dialup.deploy.db.config;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.SystemConfig;
import dev.dialup.deploy.db.generated.tables.records.SystemConfigRecord;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;

/**
 * Typed, validated access to {@code system_config}. Reads: any active scope (settings are
 * platform facts, not tenant data). Writes: system admins and the system scope, one audit
 * row each with the old and new value ({@code config.set}; values of keys that look like
 * credentials are written as {@code "[redacted]"} — no catalogue setting holds a secret).
 *
 * <p>Known keys are read and validated with the library's catalogue
 * ({@link ConfigSettings#authoritative}), never with the rules of a caller-made
 * {@link ConfigSetting}: {@code set(scope, ConfigSetting.integer("security.bcrypt_cost", 4, 0, 31), 4L)}
 * raises {@code ValidationException} exactly like the catalogue's own setting, and {@code get}
 * returns the value password hashing uses.
 */
public final class SystemConfigRepository {
    private static final SystemConfig C = SYSTEM_CONFIG;

    private final DialupDatabase db;
    private final AuditLog audit;

    public SystemConfigRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /** The setting's value, or its default when the row is missing or unreadable. */
    public <T> T get(AccessScope scope, ConfigSetting<T> setting) {
        Inputs.notNull("setting", setting);
        return db.read(scope, dsl -> {
            TenantFilter.requireActive(dsl, scope, "reading system configuration");
            // What ConfigValues.get reads for the same database (config.internal, used by the other repositories).
            ConfigSetting<T> own = ConfigSettings.authoritative(setting, db.insecurePasswordHashingForTests());
            return own.parseOrDefault(dsl.select(SYSTEM_CONFIG.VALUE)
                    .from(SYSTEM_CONFIG)
                    .where(SYSTEM_CONFIG.KEY.eq(own.key()))
                    .fetchOne(SYSTEM_CONFIG.VALUE));
        });
    }

    /** Validates and stores a value (inserting the row if missing). */
    public <T> void set(AccessScope scope, ConfigSetting<T> setting, T value) {
        Inputs.notNull("setting", setting);
        ConfigSetting<T> own = ConfigSettings.authoritative(setting, db.insecurePasswordHashingForTests());
        String text = own.formatValidated(value);
        db.writeVoid(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "changing system configuration");
            String old =
                    tx.select(C.VALUE).from(C).where(C.KEY.eq(setting.key())).fetchOne(C.VALUE);
            tx.insertInto(C)
                    .set(C.KEY, setting.key())
                    .set(C.VALUE, text)
                    .set(C.UPDATED_AT, StoredTime.truncate(db.clock().instant()))
                    .onConflict(C.KEY)
                    .doUpdate()
                    .set(C.VALUE, text)
                    .set(C.UPDATED_AT, StoredTime.truncate(db.clock().instant()))
                    .execute();
            String shownOld = auditable(setting.key(), old);
            String shownNew = auditable(setting.key(), text);
            audit.record(
                    tx,
                    scope,
                    "config.set",
                    "system_config",
                    setting.key(),
                    null,
                    old == null ? Map.of("new", shownNew) : Map.of("old", shownOld, "new", shownNew));
        });
    }

    /** Every stored row, by key. */
    public List<ConfigEntry> list(AccessScope scope) {
        return db.read(scope, dsl -> {
            TenantFilter.requireActive(dsl, scope, "reading system configuration");
            return selectBase(dsl).orderBy(C.KEY).fetch(this::toConfigEntry);
        });
    }

    /** What an audit row may show of a value: credential-looking keys are redacted. */
    static String auditable(String key, String value) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        String last = k.substring(k.lastIndexOf('.') + 1);
        boolean secret = java.util.stream.Stream.of("password", "secret", "token", "credential", "credentials", "key")
                .anyMatch(word -> last.equals(word) || last.endsWith("_" + word));
        return secret && value != null ? "[redacted]" : value;
    }

    private SelectWhereStep<SystemConfigRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(C);
    }

    private ConfigEntry toConfigEntry(SystemConfigRecord r) {
        return new ConfigEntry(r.getKey(), r.getValue(), r.getDescription(), r.getUpdatedAt());
    }
}
