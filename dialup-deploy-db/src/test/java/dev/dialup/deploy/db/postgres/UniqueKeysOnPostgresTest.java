package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On PostgreSQL a unique violation inside a {@code DialupDatabase} write becomes the caller's
 * {@link ConflictException}, whichever index caught it: the plain column constraint
 * ({@code users_email_key}), the {@code lower(column)} index that is the twin of SQLite's NOCASE one, or a
 * primary key. Before the fix the unbound engine answered with the bare constraint name and the raw
 * driver exception reached the caller (found by {@link MultiProcessWritersTest}). Nothing of the failed
 * statement is kept.
 */
class UniqueKeysOnPostgresTest {
    static PgTestServer.Database pg;
    static DialupDatabase db;
    static long site;

    @BeforeAll
    static void open() {
        pg = PgTestServer.freshMigratedDatabase("unique_keys");
        db = DialupDatabase.builder().location(pg.location()).allowSystemScope().build();
        Fixtures f = new Fixtures(db);
        f.user("taken");
        site = f.personalSite("Keys Site", f.user("siteowner"));
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.insertInto(SITE_DOMAINS)
                        .set(SITE_DOMAINS.SITE_ID, site)
                        .set(SITE_DOMAINS.DOMAIN, "claimed.test")
                        .set(SITE_DOMAINS.IS_PRIMARY, true)
                        .execute());
    }

    @AfterAll
    static void close() {
        if (db != null) db.close();
        if (pg != null) pg.close();
    }

    @Test
    void sameEmailIsAConflictFromThePlainConstraint() {
        assertThatThrownBy(() -> insertUser("someone-else", "taken@example.test"))
                .isInstanceOf(ConflictException.class)
                .hasMessage("email taken");
        assertThat(users()).isEqualTo(2);
    }

    @Test
    void usernameInAnotherCaseIsAConflictFromTheLowerIndex() {
        assertThatThrownBy(() -> insertUser("TAKEN", "other@example.test"))
                .isInstanceOf(ConflictException.class)
                .hasMessage("username taken");
        assertThat(users()).isEqualTo(2);
    }

    @Test
    void domainClaimedTwiceIsAConflictFromTheExpressionIndex() {
        assertThatThrownBy(() -> db.writeVoid(
                        TestDb.system(db),
                        tx -> UniqueConstraints.conflictOn(
                                Map.of("site_domains.domain", "domain claimed"),
                                () -> tx.insertInto(SITE_DOMAINS)
                                        .set(SITE_DOMAINS.SITE_ID, site)
                                        .set(SITE_DOMAINS.DOMAIN, "claimed.test")
                                        .set(SITE_DOMAINS.IS_PRIMARY, false)
                                        .execute())))
                .isInstanceOf(ConflictException.class)
                .hasMessage("domain claimed");
        int domains = db.read(TestDb.system(db), dsl -> dsl.fetchCount(SITE_DOMAINS));
        assertThat(domains).isEqualTo(1);
    }

    private static void insertUser(String username, String email) {
        db.writeVoid(
                TestDb.system(db),
                tx -> UniqueConstraints.conflictOn(
                        Map.of("users.username", "username taken", "users.email", "email taken"),
                        () -> tx.insertInto(USERS)
                                .set(USERS.USERNAME, username)
                                .set(USERS.EMAIL, email)
                                .set(USERS.PASSWORD_HASH, "!fixture")
                                .execute()));
    }

    private static int users() {
        return db.read(TestDb.system(db), dsl -> dsl.fetchCount(USERS));
    }
}
