package dev.dialup.deploy.db.config;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.audit.AuditLogRepository;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, behaviour 5, written as the attack: the audit log's retention and the password-hashing
 * cost cannot be redefined by a caller-made {@link ConfigSetting} or by raw SQL on
 * {@code system_config}. Databases here are opened like a service opens them (production floors).
 */
@BothEngines
class ConfigAttackTest {
    private AccessScope SYSTEM;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.production();

    DialupDatabase db;
    SystemConfigRepository config;
    AuditLogRepository auditLog;

    @BeforeEach
    void open() {
        db = temp.db();
        SYSTEM = TestDb.system(db, "config-attack");
        config = new SystemConfigRepository(db);
        auditLog = new AuditLogRepository(db);
    }

    private void auditRows(int daysAgo, int count) {
        Instant at = Instant.now().minus(daysAgo, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        db.writeVoid(TestDb.system(db), tx -> {
            for (int i = 0; i < count; i++) {
                tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTOR_LABEL, "system:seed")
                        .set(AUDIT_LOG.ACTION, "seed." + daysAgo)
                        .set(AUDIT_LOG.TARGET_TYPE, "seed")
                        .set(AUDIT_LOG.CREATED_AT, at)
                        .execute();
            }
        });
    }

    List<String> auditActions() {
        return TestDb.auditActions(db);
    }

    private void rawConfig(String key, String value) {
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.VALUE, value)
                        .where(SYSTEM_CONFIG.KEY.eq(key))
                        .execute());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "1", "29", "abc", ""})
    void rawSqlCannotLowerRetentionBelowTheSchemaFloor(String retention) {
        auditRows(0, 2);
        auditRows(29, 2);
        auditRows(31, 1);
        rawConfig(ConfigKeys.AUDIT_RETENTION_DAYS, retention);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> db.writeVoid(
                        TestDb.system(db),
                        tx -> tx.deleteFrom(AUDIT_LOG)
                                .where(AUDIT_LOG.ID.gt(0L))
                                .execute()))
                .hasMessageContaining("younger than 30 days can never be deleted");
        assertThatThrownBy(() -> db.withWriterConnection(c -> {
                    // On PostgreSQL a connection without an identity deletes nothing (row-level security);
                    // claim the system capability, so the trigger is what refuses.
                    c.setAutoCommit(false);
                    try {
                        if (TempDatabase.onPostgres()) {
                            c.createStatement().execute("select set_config('dialup.system', 'on', true)");
                        }
                        return c.createStatement().executeUpdate("DELETE FROM audit_log");
                    } finally {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                }))
                .hasMessageContaining("younger than 30 days can never be deleted");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        // Only rows past the floor may go (V5's own check reads these values as "no retention").
        int deleted = db.write(
                TestDb.system(db),
                tx -> tx.deleteFrom(AUDIT_LOG)
                        .where(AUDIT_LOG.CREATED_AT.lt(Instant.now().minus(30, ChronoUnit.DAYS)))
                        .execute());
        assertThat(deleted).isEqualTo(1);
        assertThat(auditActions()).containsExactly("seed.0", "seed.0", "seed.29", "seed.29");
    }

    @Test
    void aRowWithAnUnreadableTimeCanNeverBeDeleted() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(), "a PostgreSQL timestamptz column cannot hold unreadable text");
        db.withWriterConnection(
                c -> c.createStatement()
                        .executeUpdate(
                                "INSERT INTO audit_log (actor_label, action, target_type, created_at) VALUES ('x', 'odd', 'seed', 'yesterday-ish')"));
        assertThatThrownBy(() -> db.writeVoid(
                        TestDb.system(db),
                        tx -> tx.deleteFrom(AUDIT_LOG)
                                .where(AUDIT_LOG.ACTION.eq("odd"))
                                .execute()))
                .hasMessageContaining("can never be deleted");
    }

    @Test
    void aCallerMadeRetentionSettingIsValidatedByTheCatalogueAndPruneKeepsTheCatalogueRetention() {
        auditRows(1, 3);
        auditRows(100, 2);
        auditRows(400, 1);
        var before = DbSnapshot.of(db);
        ConfigSetting<Duration> forged = ConfigSetting.duration(
                ConfigKeys.AUDIT_RETENTION_DAYS, ChronoUnit.DAYS, Duration.ZERO, Duration.ZERO, Duration.ofDays(36500));

        assertThatThrownBy(() -> config.set(SYSTEM, forged, Duration.ZERO))
                .isInstanceOf(ValidationException.class)
                .hasMessage("audit.retention_days: must be between PT720H and PT876000H");
        assertThatThrownBy(() -> config.set(SYSTEM, forged, Duration.ofDays(29)))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        // Even a value stored behind the API reads as the catalogue default (365 days) everywhere.
        rawConfig(ConfigKeys.AUDIT_RETENTION_DAYS, "0");
        assertThat(config.get(SYSTEM, forged)).isEqualTo(Duration.ofDays(365));
        assertThat(config.get(SYSTEM, ConfigSettings.AUDIT_RETENTION)).isEqualTo(Duration.ofDays(365));
        assertThat(auditLog.prune(SYSTEM)).isEqualTo(1);
        assertThat(auditActions()).containsExactly("seed.1", "seed.1", "seed.1", "seed.100", "seed.100", "audit.prune");
    }

    @Test
    void aCallerMadeBcryptCostBelowTheCatalogueIsRefusedAndAStoredOneIsIgnoredByHashingAndTheGetterAlike() {
        var before = DbSnapshot.of(db);
        ConfigSetting<Long> forged = ConfigSetting.integer(ConfigKeys.BCRYPT_COST, 4, 0, 31);
        assertThatThrownBy(() -> config.set(SYSTEM, forged, 4L))
                .isInstanceOf(ValidationException.class)
                .hasMessage("security.bcrypt_cost: must be between 10 and 16");
        assertThatThrownBy(() -> config.set(SYSTEM, ConfigSettings.BCRYPT_COST, 17L))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        rawConfig(ConfigKeys.BCRYPT_COST, "4");
        assertThat(config.get(SYSTEM, ConfigSettings.BCRYPT_COST)).isEqualTo(12L);
        assertThat(config.get(SYSTEM, forged)).isEqualTo(12L);
        long id = new UserRepository(db)
                .register(SYSTEM, "alice", "alice@example.com", "s3cret password", null)
                .id();
        String hash = db.read(
                TestDb.system(db),
                dsl -> dsl.select(USERS.PASSWORD_HASH)
                        .from(USERS)
                        .where(USERS.ID.eq(id))
                        .fetchOne(USERS.PASSWORD_HASH));
        assertThat(hash).startsWith("$2b$12$");
    }

    @Test
    void theCatalogueAcceptsItsOwnBoundsAndACallerMadeSettingCannotChangeAKeysType() {
        config.set(SYSTEM, ConfigSettings.BCRYPT_COST, 10L);
        assertThat(config.get(SYSTEM, ConfigSettings.BCRYPT_COST)).isEqualTo(10L);
        config.set(SYSTEM, ConfigSettings.BCRYPT_COST, 16L);
        assertThat(config.get(SYSTEM, ConfigSettings.BCRYPT_COST)).isEqualTo(16L);
        config.set(SYSTEM, ConfigSettings.AUDIT_RETENTION, Duration.ofDays(30));
        assertThat(ConfigValues.readLong(db.readDsl(), ConfigKeys.AUDIT_RETENTION_DAYS, -1))
                .isEqualTo(30);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> config.set(SYSTEM, ConfigSetting.string(ConfigKeys.BCRYPT_COST, "4", 10), "4"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("security.bcrypt_cost: is a Long setting");
        assertThatThrownBy(() -> config.set(SYSTEM, ConfigSettings.PASSWORD_ALGORITHM, "md5"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("security.password_algorithm: must be one of [argon2id, bcrypt]");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        config.set(
                SYSTEM, ConfigSettings.PASSWORD_ALGORITHM, " ARGON2ID ".trim().toLowerCase());
        assertThat(config.get(SYSTEM, ConfigSettings.PASSWORD_ALGORITHM)).isEqualTo("argon2id");
    }

    @Test
    void readLongReadsCatalogueKeysThroughTheCatalogue() {
        rawConfig(ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, "0");
        rawConfig(ConfigKeys.LIMITS_MAX_CPU_PERCENT, "-3");
        assertThat(ConfigValues.readLong(db.readDsl(), ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 99))
                .isEqualTo(30);
        assertThat(ConfigValues.readLong(db.readDsl(), ConfigKeys.LIMITS_MAX_CPU_PERCENT, 99))
                .isEqualTo(800);
        rawConfig(ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, "45");
        assertThat(ConfigValues.readLong(db.readDsl(), ConfigKeys.USAGE_SAMPLE_INTERVAL_SECONDS, 99))
                .isEqualTo(45);
        // Keys outside the catalogue keep the old rules.
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.insertInto(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.KEY, "ext.counter")
                        .set(SYSTEM_CONFIG.VALUE, " 7 ")
                        .execute());
        assertThat(ConfigValues.readLong(db.readDsl(), "ext.counter", 99)).isEqualTo(7);
        assertThat(ConfigValues.readLong(db.readDsl(), "ext.missing", 99)).isEqualTo(99);
    }

    @Test
    void changesAreAuditedWithoutSecretValues() {
        config.set(SYSTEM, ConfigSettings.LOGIN_FAILURE_THRESHOLD, 10L);
        config.set(SYSTEM, ConfigSetting.string("integration.webhook_token", "x", 100), "tok-123456");
        config.set(SYSTEM, ConfigSetting.string("integration.webhook_token", "x", 100), "tok-654321");
        List<String> rows = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.ACTOR_LABEL, AUDIT_LOG.TARGET_ID, AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ACTION.eq("config.set"))
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(r -> r.value1() + " " + r.value2() + " " + r.value3()));
        assertThat(rows)
                .containsExactly(
                        SYSTEM.label() + " security.login_failure_threshold {\"new\":\"10\",\"old\":\"5\"}",
                        SYSTEM.label() + " integration.webhook_token {\"new\":\"[redacted]\"}",
                        SYSTEM.label() + " integration.webhook_token {\"new\":\"[redacted]\",\"old\":\"[redacted]\"}");
        assertThat(SystemConfigRepository.auditable("security.password_algorithm", "bcrypt"))
                .isEqualTo("bcrypt");
        assertThat(SystemConfigRepository.auditable("smtp.password", "p")).isEqualTo("[redacted]");
        assertThat(SystemConfigRepository.auditable("api.signing_key", "k")).isEqualTo("[redacted]");
        assertThat(SystemConfigRepository.auditable("api.secret", null)).isNull();
    }
}
