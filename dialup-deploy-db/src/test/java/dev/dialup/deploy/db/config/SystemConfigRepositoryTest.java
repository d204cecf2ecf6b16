package dev.dialup.deploy.db.config;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class SystemConfigRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.production();

    DialupDatabase db;
    ActorWorld actors;
    SystemConfigRepository repo;
    AccessScope admin;

    @BeforeEach
    void open() {
        db = temp.db(); // the production catalogue floors (bcrypt cost >= 10)
        actors = ActorWorld.create(db);
        repo = new SystemConfigRepository(db);
        admin = actors.scope(Actor.SYSTEM_ADMIN);
    }

    @Test
    void seededSettingsReadAsTypedValues() {
        AccessScope member = actors.scope(Actor.ORG_MEMBER);
        assertThat(repo.get(member, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER))
                .isEqualTo(Duration.ofDays(90));
        assertThat(repo.get(member, ConfigSettings.USAGE_SAMPLE_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(repo.get(member, ConfigSettings.BCRYPT_COST)).isEqualTo(12L);
        assertThat(repo.get(member, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED))
                .isTrue();
        assertThat(repo.get(member, ConfigSettings.PLATFORM_NAME)).isEqualTo("dialup");
    }

    /** Reading configuration needs an active account, decided on the current user row. */
    @Test
    void aDeactivatedUserReadsNoConfiguration() {
        dev.dialup.deploy.db.testing.Fixtures f = new dev.dialup.deploy.db.testing.Fixtures(db);
        long gone = f.user("gone");
        AccessScope scope = new dev.dialup.deploy.db.core.AccessScopes(db).forUser(gone);
        assertThat(repo.list(scope)).isNotEmpty();
        f.deactivateUser(gone);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repo.list(scope))
                .isInstanceOf(dev.dialup.deploy.db.AccessDeniedException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repo.get(scope, ConfigSettings.BCRYPT_COST))
                .isInstanceOf(dev.dialup.deploy.db.AccessDeniedException.class);
    }

    /** readLong on a catalogue key that is not a number (a boolean, a name) gives the caller's fallback. */
    @Test
    void readLongOfANonNumericCatalogueKeyIsTheFallback() {
        long bool = db.read(
                TestDb.system(db),
                dsl -> ConfigValues.readLong(dsl, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED.key(), 7));
        long name =
                db.read(TestDb.system(db), dsl -> ConfigValues.readLong(dsl, ConfigSettings.PLATFORM_NAME.key(), 8));
        long cost = db.read(TestDb.system(db), dsl -> ConfigValues.readLong(dsl, ConfigSettings.BCRYPT_COST.key(), 9));
        assertThat(List.of(bool, name, cost)).containsExactly(7L, 8L, 12L);
    }

    @Test
    void everyKnownSettingIsSeeded() {
        List<String> stored = repo.list(admin).stream().map(ConfigEntry::key).toList();
        assertThat(stored)
                .containsAll(
                        ConfigSettings.all().stream().map(ConfigSetting::key).toList());
    }

    @Test
    void aMissingOrUnreadableRowFallsBackToTheDefault() {
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.deleteFrom(SYSTEM_CONFIG)
                        .where(SYSTEM_CONFIG.KEY.eq("platform.name"))
                        .execute());
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.VALUE, "ninety")
                        .where(SYSTEM_CONFIG.KEY.eq("deployments.log_archive_after_days"))
                        .execute());
        assertThat(repo.get(admin, ConfigSettings.PLATFORM_NAME)).isEqualTo("dialup");
        assertThat(repo.get(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER)).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void adminsSetValuesThatAreStoredInTheKeysUnitAndAudited() {
        repo.set(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER, Duration.ofDays(30));
        repo.set(actors.system(), ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED, false);
        repo.set(admin, ConfigSettings.PLATFORM_NAME, "Hosting Co");
        assertThat(repo.get(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER)).isEqualTo(Duration.ofDays(30));
        assertThat(ConfigValues.readLong(db.readDsl(), ConfigKeys.DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS, -1))
                .isEqualTo(30);
        assertThat(repo.get(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED))
                .isFalse();
        assertThat(repo.get(admin, ConfigSettings.PLATFORM_NAME)).isEqualTo("Hosting Co");
        List<String> details = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS)
                        .from(AUDIT_LOG)
                        .where(AUDIT_LOG.ACTION.eq("config.set"))
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(AUDIT_LOG.DETAILS));
        assertThat(details)
                .containsExactly(
                        "{\"new\":\"30\",\"old\":\"90\"}",
                        "{\"new\":\"false\",\"old\":\"true\"}",
                        "{\"new\":\"Hosting Co\",\"old\":\"dialup\"}");
    }

    @Test
    void invalidValuesAreRejectedAndNothingIsWritten() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.BCRYPT_COST, 4L))
                .isInstanceOf(ValidationException.class)
                .hasMessage("security.bcrypt_cost: must be between 10 and 16");
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER, Duration.ofHours(36)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("whole days");
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER, Duration.ZERO))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.PLATFORM_NAME, " "))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.PLATFORM_NAME, "a\nb"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.set(admin, ConfigSettings.PLATFORM_NAME, null))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void onlySystemAdminsAndTheSystemScopeWriteAndDeactivatedUsersCannotRead() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.set(actors.scope(Actor.ORG_OWNER), ConfigSettings.BCRYPT_COST, 13L))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> repo.get(actors.scope(Actor.DEACTIVATED_USER), ConfigSettings.BCRYPT_COST))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
