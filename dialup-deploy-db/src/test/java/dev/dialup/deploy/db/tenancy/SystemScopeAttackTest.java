package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, behaviour 2, as the attack: mint a system scope without the database, use one
 * database's system scope on another, smuggle control/bidi/format characters into the audit
 * log through the component label.
 */
class SystemScopeAttackTest {
    @RegisterExtension
    final TempDatabase victim = TempDatabase.create();

    @RegisterExtension
    final TempDatabase attacker = TempDatabase.create();
    /** Opened (by the one test that needs it) as DialupDatabase.open does: no system scope. */
    @RegisterExtension
    final TempDatabase plainTemp =
            TempDatabase.production().withoutSystemScope().manual();

    DialupDatabase victimDb;
    DialupDatabase attackerDb;
    long site, user;
    SecretsKeyset keyset = SecretsKeyset.generate();

    @BeforeEach
    void open() {
        victimDb = victim.db();
        attackerDb = attacker.db();
        Fixtures f = new Fixtures(victimDb);
        user = f.user("alice");
        site = f.personalSite("Blog", user);
        new EnvironmentRepository(victimDb, keyset)
                .set(TestDb.system(victimDb), site, "DB_PASSWORD", "hunter2-secret", true);
    }

    void deniedAndNothingWritten(DialupDatabase db, Class<? extends Throwable> type, ThrowingCallable call) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(call).isInstanceOf(type);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void noPublicApiMintsASystemScopeWithoutTheDatabasesGrant() {
        assertThat(AccessScope.class.getConstructors()).isEmpty();
        assertThat(DialupDatabase.SystemGrant.class.getConstructors()).isEmpty();
        List<Method> factories = Arrays.stream(AccessScope.class.getMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()) && m.getReturnType() == AccessScope.class)
                .toList();
        assertThat(factories)
                .allSatisfy(m -> assertThat(m.getParameterTypes()).contains(DialupDatabase.SystemGrant.class));
        assertThatThrownBy(() -> AccessScope.system(null, "auth")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aDatabaseThatDidNotOptInMintsNoSystemScope() {
        try (DialupDatabase plain = plainTemp.open()) {
            assertThat(plain.allowsSystemScope()).isFalse();
            assertThatThrownBy(() -> plain.systemScope("auth"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("allowSystemScope");
            // and it refuses everybody else's
            AccessScope foreign = TestDb.system(attackerDb);
            deniedAndNothingWritten(
                    plain,
                    AccessDeniedException.class,
                    () -> new UserRepository(plain)
                            .register(foreign, "mallory", "m@example.test", "a fine password", null));
        }
    }

    @Test
    void anotherDatabasesSystemScopeIsRefusedForReadsWritesSecretsAndAdminPowers() {
        AccessScope foreign = TestDb.system(attackerDb, "auth");
        SiteRepository sites = new SiteRepository(victimDb);
        UsageRepository usage = new UsageRepository(victimDb);
        EnvironmentRepository env = new EnvironmentRepository(victimDb, keyset);
        UserRepository users = new UserRepository(victimDb);

        deniedAndNothingWritten(victimDb, AccessDeniedException.class, () -> sites.find(foreign, site));
        deniedAndNothingWritten(victimDb, AccessDeniedException.class, () -> env.get(foreign, site, "DB_PASSWORD"));
        deniedAndNothingWritten(victimDb, AccessDeniedException.class, () -> env.resolveForContainer(foreign, site));
        deniedAndNothingWritten(victimDb, AccessDeniedException.class, () -> sites.delete(foreign, site));
        deniedAndNothingWritten(victimDb, AccessDeniedException.class, () -> users.setSystemAdmin(foreign, user, true));
        deniedAndNothingWritten(
                victimDb,
                AccessDeniedException.class,
                () -> usage.record(
                        foreign,
                        new UsageSample(site, Instant.parse("2026-11-20T12:00:00Z"), 1.0, null, null, null, 1, null)));
        deniedAndNothingWritten(
                victimDb,
                AccessDeniedException.class,
                () -> users.register(foreign, "mallory", "m@example.test", "a fine password", null));
        // the victim's own system scope still works
        assertThat(sites.find(TestDb.system(victimDb), site).id()).isEqualTo(site);
    }

    @Test
    void aSystemScopeUsedOutsideItsDatabasesTransactionIsRefused() {
        AccessScope sys = TestDb.system(victimDb);
        assertThatThrownBy(() -> TenantFilter.siteVisible(DSL.using(SQLDialect.SQLITE), sys, SITES))
                .isInstanceOf(AccessDeniedException.class);
        // inside: accepted
        assertThat(victimDb.read(dsl -> TenantFilter.requireVisibleSite(dsl, sys, site))
                        .getId())
                .isEqualTo(site);
        // inside the OTHER database's transaction: refused
        assertThatThrownBy(() -> attackerDb.read(dsl -> TenantFilter.siteVisible(dsl, sys, SITES)))
                .isInstanceOf(AccessDeniedException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "auth\nuser:1",
                "auth\r",
                "auth\u0000",
                "a\u202Eevil",
                "a\u2066x",
                "zero\u200Bwidth",
                "soft\u00ADhyphen",
                "bom\uFEFF",
                "tab\tx",
                "with space",
                "-leading-dash",
                ".dot",
                "ünïcode",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            })
    void componentLabelsWithControlBidiFormatOrUnsafeCharactersAreRefusedBeforeTheAuditLog(String label) {
        assertThatThrownBy(() -> victimDb.systemScope(label)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> AccessScope.validComponent(label)).isInstanceOf(ValidationException.class);
    }

    @Test
    void nullLabelIsRefused() {
        assertThatThrownBy(() -> victimDb.systemScope(null)).isInstanceOf(ValidationException.class);
    }

    @Test
    void aValidLabelReachesTheAuditLogVerbatim() {
        String longest = "a".repeat(47) + "z";
        assertThat(AccessScope.validComponent(longest)).isEqualTo(longest);
        AccessScope sys = victimDb.systemScope("cli:rotate-keys_2.x");
        new SiteRepository(victimDb).delete(sys, site);
        String label = victimDb.read(dsl -> dsl.select(AUDIT_LOG.ACTOR_LABEL)
                .from(AUDIT_LOG)
                .where(AUDIT_LOG.ACTION.eq("site.delete"))
                .fetchOne(AUDIT_LOG.ACTOR_LABEL));
        assertThat(label).isEqualTo("system:cli:rotate-keys_2.x");
        assertThat(sys.toString()).isEqualTo("AccessScope[system:cli:rotate-keys_2.x]");
        assertThatThrownBy(() -> new SiteRepository(victimDb).find(sys, site)).isInstanceOf(NotFoundException.class);
    }
}
