package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_HOST_NAMES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.ibm.icu.text.Normalizer2;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.migration.V3__Adopt_legacy_sites;
import dev.dialup.deploy.db.migration.V51__Backfill_input_keys;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.testing.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.jooq.Record3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V50–V52 on a database that already holds rows that collide under the new rules (issue 10):
 * it migrates, the oldest row keeps each name / subdomain / host name, later ones are renamed
 * or cleared with one audit row each, and the UNIQUE constraints hold afterwards.
 */
class InputKeysMigrationTest {
    @TempDir
    Path dir;

    /** Applies every migration before V50 (whatever other branches added below it), the state V50 starts from. */
    private static void migrateToJustBeforeV50(Path file) {
        var config = Flyway.configure(InputKeysMigrationTest.class.getClassLoader())
                .dataSource("jdbc:sqlite:" + file, null, null)
                .locations(DialupDatabase.MIGRATIONS)
                .javaMigrations(new V3__Adopt_legacy_sites());
        MigrationVersion v50 = MigrationVersion.fromVersion("50");
        MigrationVersion last = Arrays.stream(config.load().info().all())
                .map(MigrationInfo::getVersion)
                .filter(v -> v.compareTo(v50) < 0)
                .max(MigrationVersion::compareTo)
                .orElseThrow();
        config.target(last).load().migrate();
    }

    /** A database as the library left it before V50 (every migration up to 49, from any branch). */
    private Path databaseBeforeV50() throws Exception {
        Path file = dir.resolve("before-v50.db");
        migrateToJustBeforeV50(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.executeUpdate(
                    "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'ann', 'ann@example.com', '!x')");
            st.executeUpdate(
                    "INSERT INTO organizations (id, name, slug, owner_id) VALUES"
                            + " (1, 'ÄRZTE', 'aerzte', 1), (2, 'ärzte', 'aerzte-2', 1), (3, 'A\u0308RZTE', 'aerzte-3', 1), (4, 'ärzte (2)', 'aerzte-4', 1)");
            st.executeUpdate("INSERT INTO sites (id, name, slug, owner_id, site_type, subdomain, domain) VALUES"
                    + " (1, 'Café', 'cafe', 1, 'static', 'shop', 'one.example'),"
                    + " (2, 'CAFÉ', 'cafe-2', 1, 'static', 'SHOP', 'taken.example'),"
                    + " (3, 'Other', 'other', 1, 'static', 'other', 'ONE.example')");
            st.executeUpdate("INSERT INTO site_domains (site_id, domain, is_primary) VALUES (1, 'taken.example', 1)");
        }
        return file;
    }

    @Test
    void collidingRowsAreResolvedOldestFirstAndEveryChangeIsAudited() throws Exception {
        Path file = databaseBeforeV50();

        try (DialupDatabase db =
                DialupDatabase.builder().path(file).beforeMigrate(null).build()) {
            List<String> orgNames = db.read(dsl -> dsl.select(ORGANIZATIONS.NAME)
                    .from(ORGANIZATIONS)
                    .orderBy(ORGANIZATIONS.ID)
                    .fetch(ORGANIZATIONS.NAME));
            assertThat(orgNames).containsExactly("ÄRZTE", "ärzte (3)", "A\u0308RZTE (4)", "ärzte (2)");
            Normalizer2 fold = Normalizer2.getNFKCCasefoldInstance();
            db.read(dsl -> dsl.selectFrom(ORGANIZATIONS).fetch())
                    .forEach(o -> assertThat(o.getNameKey()).isEqualTo(fold.normalize(o.getName())));

            List<Record3<String, String, String>> sites =
                    db.read(dsl -> dsl.select(SITES.NAME, SITES.SUBDOMAIN, SITES.DOMAIN)
                            .from(SITES)
                            .orderBy(SITES.ID)
                            .fetch());
            assertThat(sites)
                    .extracting(r -> r.value1() + "|" + r.value2() + "|" + r.value3())
                    .containsExactly("Café|shop|one.example", "CAFÉ (2)|null|null", "Other|other|null");
            List<String> claims = db.read(
                    dsl -> dsl.select(SITE_HOST_NAMES.HOST, SITE_HOST_NAMES.SITE_ID, SITE_HOST_NAMES.SITE_DOMAIN_ID)
                            .from(SITE_HOST_NAMES)
                            .orderBy(SITE_HOST_NAMES.HOST)
                            .fetch(r -> r.value1() + "->" + r.value2() + "/" + r.value3()));
            assertThat(claims).containsExactly("one.example->1/null", "taken.example->1/1");

            List<String> audit = db.read(dsl -> dsl.select(AUDIT_LOG.ACTION, AUDIT_LOG.TARGET_ID, AUDIT_LOG.DETAILS)
                    .from(AUDIT_LOG)
                    .where(AUDIT_LOG.ACTOR_LABEL.eq(V51__Backfill_input_keys.ACTOR))
                    .orderBy(AUDIT_LOG.ID)
                    .fetch(r -> r.value1() + " " + r.value2() + " " + r.value3()));
            assertThat(audit)
                    .containsExactly(
                            "organization.rename 2 {\"from\":\"ärzte\",\"to\":\"ärzte (3)\",\"reason\":\"name equal to an older organization's ignoring case and Unicode form\"}",
                            "organization.rename 3 {\"from\":\"A\u0308RZTE\",\"to\":\"A\u0308RZTE (4)\",\"reason\":\"name equal to an older organization's ignoring case and Unicode form\"}",
                            "site.rename 2 {\"from\":\"CAFÉ\",\"to\":\"CAFÉ (2)\",\"reason\":\"name equal to an older site's ignoring case and Unicode form\"}",
                            "site.update 2 {\"cleared\":\"subdomain\",\"value\":\"SHOP\",\"reason\":\"subdomain held by an older site\"}",
                            "site.update 2 {\"cleared\":\"domain\",\"value\":\"taken.example\",\"reason\":\"host name claimed by a custom domain or an older site\"}",
                            "site.update 3 {\"cleared\":\"domain\",\"value\":\"ONE.example\",\"reason\":\"host name claimed by a custom domain or an older site\"}");

            // The constraints hold from now on.
            Throwable t = catchThrowable(() ->
                    new OrganizationRepository(db).create(new AccessScopes(db).forUser(1), "Ärzte (3)", null, null));
            assertThat(t).isInstanceOf(ConflictException.class).hasMessage("organization name is taken");
        }
    }

    @Test
    void aCleanDatabaseMigratesWithoutChangesAndRawWritersGetAnAsciiKey() throws Exception {
        Path file = dir.resolve("clean.db");
        migrateToJustBeforeV50(file);
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).beforeMigrate(null).build()) {
            int auditRows = db.read(dsl -> dsl.fetchCount(AUDIT_LOG));
            assertThat(auditRows).isZero();
            Fixtures f = new Fixtures(db);
            long site = f.personalSite("Raw Writer", f.user("raw"));
            String key = db.read(dsl -> dsl.select(SITES.NAME_KEY)
                    .from(SITES)
                    .where(SITES.ID.eq(site))
                    .fetchOne(SITES.NAME_KEY));
            assertThat(key).isEqualTo("raw writer");
        }
    }
}
