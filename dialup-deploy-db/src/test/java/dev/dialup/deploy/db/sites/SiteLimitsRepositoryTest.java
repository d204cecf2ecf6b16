package dev.dialup.deploy.db.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class SiteLimitsRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    SiteLimitsRepository limits;
    AccessScope alice;
    long site;

    @BeforeEach
    void open() {
        db = temp.db();
        limits = new SiteLimitsRepository(db);
        Fixtures f = new Fixtures(db);
        long a = f.user("alice");
        site = f.personalSite("Alice Site", a);
        alice = new AccessScopes(db).forUser(a);
    }

    @Test
    void limitsUpToTheSystemMaximaAreStored() {
        ResourceLimits max = new ResourceLimits(65_536, 800, 1_048_576, 10_485_760, 1_000_000);
        assertThat(limits.set(alice, site, max)).isEqualTo(max);
        assertThat(limits.get(alice, site)).isEqualTo(max);
    }

    @Test
    void theSystemMaximaComeFromSystemConfig() {
        ActorWorld.setConfig(db, ConfigKeys.LIMITS_MAX_MEMORY_MB, "2048");
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> limits.set(alice, site, new ResourceLimits(2049, 50, 1024, 1024, 1000)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("2048");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(limits.set(alice, site, new ResourceLimits(2048, 50, 1024, 1024, 1000))
                        .memoryMb())
                .isEqualTo(2048);
    }
}
