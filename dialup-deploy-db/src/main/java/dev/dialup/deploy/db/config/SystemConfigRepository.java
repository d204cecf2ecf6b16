package dev.dialup.deploy.db.config;

import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.audit.AuditLog;
import dev.dialup.deploy.db.generated.tables.SystemConfig;
import dev.dialup.deploy.db.generated.tables.records.SystemConfigRecord;
import dev.dialup.deploy.db.jooq.SqliteTime;
import dev.dialup.deploy.db.tenancy.AccessScope;
import dev.dialup.deploy.db.tenancy.Inputs;
import dev.dialup.deploy.db.tenancy.TenantFilter;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;

/**
 * Typed, validated access to {@code system_config}. Reads: any active scope (settings are
 * platform facts, not tenant data). Writes: system admins and the system scope, one audit
 * row each with the old and new value (no setting holds a secret).
 */
public final class SystemConfigRepository {
    private final SystemConfig c = SYSTEM_CONFIG.as("c");

    private final DialupDatabase db;
    private final AuditLog audit;

    public SystemConfigRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /** The setting's value, or its default when the row is missing or unreadable. */
    public <T> T get(AccessScope scope, ConfigSetting<T> setting) {
        Inputs.notNull("setting", setting);
        return db.read(dsl -> {
            TenantFilter.requireActive(dsl, scope, "reading system configuration");
            return setting.parseOrDefault(dsl.select(c.VALUE).from(c).where(c.KEY.eq(setting.key())).fetchOne(c.VALUE));
        });
    }

    /** Validates and stores a value (inserting the row if missing). */
    public <T> void set(AccessScope scope, ConfigSetting<T> setting, T value) {
        Inputs.notNull("setting", setting);
        String text = setting.formatValidated(value);
        db.writeVoid(tx -> {
            TenantFilter.requireAdmin(tx, scope, "changing system configuration");
            String old = tx.select(c.VALUE).from(c).where(c.KEY.eq(setting.key())).fetchOne(c.VALUE);
            tx.insertInto(SYSTEM_CONFIG)
                    .set(SYSTEM_CONFIG.KEY, setting.key())
                    .set(SYSTEM_CONFIG.VALUE, text)
                    .set(SYSTEM_CONFIG.UPDATED_AT, SqliteTime.truncate(db.clock().instant()))
                    .onConflict(SYSTEM_CONFIG.KEY).doUpdate()
                    .set(SYSTEM_CONFIG.VALUE, text)
                    .set(SYSTEM_CONFIG.UPDATED_AT, SqliteTime.truncate(db.clock().instant()))
                    .execute();
            audit.record(tx, scope, "config.set", "system_config", setting.key(), null,
                    old == null ? Map.of("new", text) : Map.of("old", old, "new", text));
        });
    }

    /** Every stored row, by key. */
    public List<ConfigEntry> list(AccessScope scope) {
        return db.read(dsl -> {
            TenantFilter.requireActive(dsl, scope, "reading system configuration");
            return selectBase(dsl).orderBy(c.KEY).fetch(this::toEntry);
        });
    }

    private SelectWhereStep<SystemConfigRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(c);
    }

    private ConfigEntry toEntry(SystemConfigRecord r) {
        return new ConfigEntry(r.getKey(), r.getValue(), r.getDescription(), r.getUpdatedAt());
    }
}
