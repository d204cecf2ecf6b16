package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.PASSWORD_HASH_PARAMS;
import static dev.dialup.deploy.db.generated.Tables.PROCESSES;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_HOST_NAMES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.generated.tables.records.UsersRecord;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generated jOOQ classes (from SQLite) against a migrated PostgreSQL database, with plain jOOQ queries and no
 * engine code: inserts, triggers, and the time bindings, which branch on the dialect (issue 12; the random
 * round trip over both engines is {@link EngineRoundTripPropertyTest}). Error translation is pinned as a
 * characterisation test until the engine translates it. Findings in docs/schema.md ("PostgreSQL: generated code
 * and bindings").
 */
class PostgresGeneratedCodeSmokeTest {
    static PgTestServer.Database pg;
    Connection conn;
    DSLContext dsl;

    @BeforeAll
    static void database() {
        pg = PgTestServer.freshMigratedDatabase("smoke");
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @BeforeEach
    void connect() throws SQLException {
        conn = pg.connect();
        conn.setAutoCommit(false);
        dsl = DSL.using(conn, SQLDialect.POSTGRES);
    }

    @AfterEach
    void rollback() throws SQLException {
        conn.rollback();
        conn.close();
    }

    private long user(String name) {
        return dsl.insertInto(USERS, USERS.USERNAME, USERS.EMAIL, USERS.PASSWORD_HASH, USERS.IS_ADMIN)
                .values(name, name + "@example.com", "$2b$12$abcdefghijklmnopqrstuv", false)
                .returning(USERS.ID)
                .fetchOne(USERS.ID);
    }

    @Test
    void userInsertAndReadWithoutTimeColumns() {
        long id = user("alice");
        Record r = dsl.select(USERS.USERNAME, USERS.IS_ACTIVE, USERS.IS_ADMIN)
                .from(USERS)
                .where(USERS.ID.eq(id))
                .fetchOne();
        assertThat(r.get(USERS.USERNAME)).isEqualTo("alice");
        assertThat(r.get(USERS.IS_ACTIVE)).isTrue(); // DEFAULT TRUE, boolean on both engines
        assertThat(r.get(USERS.IS_ADMIN)).isFalse();
        // PL/pgSQL twin of the V46 triggers: the parameter set of the new hash is counted.
        assertThat(dsl.select(PASSWORD_HASH_PARAMS.USERS)
                        .from(PASSWORD_HASH_PARAMS)
                        .where(PASSWORD_HASH_PARAMS.PARAMS.eq("$2b$12$"))
                        .fetchOne(PASSWORD_HASH_PARAMS.USERS))
                .isEqualTo(1);
    }

    @Test
    void organizationAndSiteInsertRunTheTriggers() {
        long owner = user("owner");
        long org = dsl.insertInto(ORGANIZATIONS, ORGANIZATIONS.NAME, ORGANIZATIONS.SLUG, ORGANIZATIONS.OWNER_ID)
                .values("Ärzte Team", "aerzte", owner)
                .returning(ORGANIZATIONS.ID)
                .fetchOne(ORGANIZATIONS.ID);
        assertThat(dsl.select(ORGANIZATIONS.NAME_KEY)
                        .from(ORGANIZATIONS)
                        .where(ORGANIZATIONS.ID.eq(org))
                        .fetchOne(ORGANIZATIONS.NAME_KEY))
                .isEqualTo("ärzte team"); // trg_organizations_name_key_default: lower(name)
        assertThat(dsl.select(ORGANIZATION_MEMBERS.USER_ID, ORGANIZATION_MEMBERS.ROLE)
                        .from(ORGANIZATION_MEMBERS)
                        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(org))
                        .fetch()
                        .map(x -> x.value1() + ":" + x.value2()))
                .containsExactly(owner + ":owner"); // trg_organizations_owner_member

        long site = dsl.insertInto(
                        SITES, SITES.NAME, SITES.SLUG, SITES.ORGANIZATION_ID, SITES.SITE_TYPE, SITES.PORT, SITES.DOMAIN)
                .values("Shop", "shop", org, "dynamic", 8080, "Shop.Example.COM")
                .returning(SITES.ID)
                .fetchOne(SITES.ID);
        Record s = dsl.select(SITES.NAME, SITES.PORT, SITES.ORGANIZATION_ID, SITES.OWNER_ID, SITES.BRANCH)
                .from(SITES)
                .where(SITES.ID.eq(site))
                .fetchOne();
        assertThat(s.get(SITES.PORT)).isEqualTo(8080);
        assertThat(s.get(SITES.ORGANIZATION_ID)).isEqualTo(org);
        assertThat(s.get(SITES.OWNER_ID)).isNull();
        assertThat(s.get(SITES.BRANCH)).isEqualTo("main");
        assertThat(dsl.fetchCount(SITE_RESOURCE_LIMITS, SITE_RESOURCE_LIMITS.SITE_ID.eq(site)))
                .isEqualTo(1); // trg_sites_default_limits
        assertThat(dsl.select(SITE_HOST_NAMES.HOST)
                        .from(SITE_HOST_NAMES)
                        .where(SITE_HOST_NAMES.SITE_ID.eq(site))
                        .fetch(SITE_HOST_NAMES.HOST))
                .containsExactly("shop.example.com"); // trg_sites_host_name_insert

        // The owner guard (V4) raises check_violation with SQLite's message.
        assertThatThrownBy(() -> dsl.deleteFrom(ORGANIZATION_MEMBERS)
                        .where(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(org))
                        .execute())
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("the organization owner cannot be removed; transfer ownership first")
                .satisfies(e -> assertThat(((DataAccessException) e).sqlState()).isEqualTo("23514"));
    }

    @Test
    void epochMillisBindingWorksOnBigint() {
        Instant start = Instant.parse("2026-01-02T03:04:05.678Z");
        dsl.insertInto(
                        PROCESSES,
                        PROCESSES.ID,
                        PROCESSES.SITE,
                        PROCESSES.PORT,
                        PROCESSES.STARTTIME,
                        PROCESSES.TYPE,
                        PROCESSES.SCRIPT,
                        PROCESSES.CWD,
                        PROCESSES.STATUS)
                .values("p1", "legacy", 3000, start, "node", "server.js", "/srv", "running")
                .execute();
        assertThat(dsl.select(PROCESSES.STARTTIME)
                        .from(PROCESSES)
                        .where(PROCESSES.ID.eq("p1"))
                        .fetchOne(PROCESSES.STARTTIME))
                .isEqualTo(start);
    }

    // ---- The time bindings branch on the dialect (issue 12): native timestamptz/date on PostgreSQL.
    // (Until then they read and wrote SQLite's text and failed here: "Unreadable timestamp", SQLSTATE 42804.)

    /** UtcInstantBinding reads timestamptz natively, also a default the database filled in (CURRENT_TIMESTAMP). */
    @Test
    void utcInstantBindingReadsTimestamptz() throws SQLException {
        long id = user("reader");
        Instant created =
                dsl.select(USERS.CREATED_AT).from(USERS).where(USERS.ID.eq(id)).fetchOne(USERS.CREATED_AT);
        assertThat(created).isEqualTo(utcText("created_at", id));
        // ... and whole-record reads of tables with DATETIME columns work.
        UsersRecord whole = dsl.selectFrom(USERS).where(USERS.ID.eq(id)).fetchOne();
        assertThat(whole.getCreatedAt()).isEqualTo(created);
        assertThat(whole.getUpdatedAt()).isEqualTo(utcText("updated_at", id));
    }

    /** The instant PostgreSQL itself reports for a users column, in UTC and in a session with another time zone. */
    private Instant utcText(String column, long id) throws SQLException {
        try (var st = conn.createStatement()) {
            st.execute("SET LOCAL TIME ZONE 'Pacific/Chatham'");
            try (var rs = st.executeQuery("SELECT to_char(" + column
                    + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM users WHERE id = " + id)) {
                assertThat(rs.next()).isTrue();
                return Instant.parse(rs.getString(1));
            }
        }
    }

    /** UtcInstantBinding writes timestamptz: truncated (not rounded) to milliseconds, as SQLite's text keeps it. */
    @Test
    void utcInstantBindingWritesTimestamptzTruncatedToMillis() throws SQLException {
        long id = user("writer");
        Instant written = Instant.parse("2026-01-01T23:59:59.999999999Z");
        assertThat(dsl.update(USERS)
                        .set(USERS.UPDATED_AT, written)
                        .where(USERS.ID.eq(id))
                        .execute())
                .isEqualTo(1);
        Instant expected = Instant.parse("2026-01-01T23:59:59.999Z"); // a timestamptz(3) cast would give 2026-01-02
        assertThat(dsl.select(USERS.UPDATED_AT)
                        .from(USERS)
                        .where(USERS.ID.eq(id))
                        .fetchOne(USERS.UPDATED_AT))
                .isEqualTo(expected);
        // Stored as that instant (PostgreSQL says so in UTC), read back the same in a session with another time zone.
        assertThat(utcText("updated_at", id)).isEqualTo(expected);
        assertThat(dsl.select(USERS.UPDATED_AT)
                        .from(USERS)
                        .where(USERS.ID.eq(id))
                        .fetchOne(USERS.UPDATED_AT))
                .isEqualTo(expected);
        // Bind values compare as timestamptz, prepared or inlined.
        assertThat(dsl.fetchCount(USERS, USERS.ID.eq(id).and(USERS.UPDATED_AT.eq(written))))
                .isEqualTo(1);
        assertThat(dsl.fetchCount(
                        USERS, USERS.ID.eq(id).and(USERS.UPDATED_AT.eq(DSL.inline(expected, USERS.UPDATED_AT)))))
                .isEqualTo(1);
        // Null is bound with the column's type.
        dsl.update(USERS)
                .set(USERS.UPDATED_AT, (Instant) null)
                .where(USERS.ID.eq(id))
                .execute();
        assertThat(dsl.select(USERS.UPDATED_AT)
                        .from(USERS)
                        .where(USERS.ID.eq(id))
                        .fetchOne(USERS.UPDATED_AT))
                .isNull();
    }

    /** Outside 0001-01-01..9999-12-31 an instant cannot be stored identically on both engines: refused. */
    @Test
    void instantsOutsideTheStorableRangeAreRefusedBeforeTheDatabase() {
        long id = user("range");
        assertThatThrownBy(() -> dsl.update(USERS)
                        .set(USERS.UPDATED_AT, Instant.parse("+10000-01-01T00:00:00Z"))
                        .where(USERS.ID.eq(id))
                        .execute())
                .hasStackTraceContaining("outside the storable range");
    }

    /** IsoDateBinding writes and reads a PostgreSQL date. */
    @Test
    void isoDateBindingWritesAndReadsDate() {
        long owner = user("dated");
        long site = dsl.insertInto(SITES, SITES.NAME, SITES.SLUG, SITES.OWNER_ID, SITES.SITE_TYPE)
                .values("Dated", "dated", owner, "static")
                .returning(SITES.ID)
                .fetchOne(SITES.ID);
        LocalDate day = LocalDate.parse("1582-10-15"); // the first Gregorian day: java.sql.Date would shift it
        assertThat(dsl.insertInto(SITE_USAGE_DAILY, SITE_USAGE_DAILY.SITE_ID, SITE_USAGE_DAILY.DATE)
                        .values(site, day)
                        .execute())
                .isEqualTo(1);
        assertThat(dsl.select(SITE_USAGE_DAILY.DATE)
                        .from(SITE_USAGE_DAILY)
                        .where(SITE_USAGE_DAILY.SITE_ID.eq(site).and(SITE_USAGE_DAILY.DATE.ge(day)))
                        .fetch(SITE_USAGE_DAILY.DATE))
                .containsExactly(day);
        assertThat(dsl.fetchCount(SITE_USAGE_DAILY, SITE_USAGE_DAILY.DATE.eq(DSL.inline(day, SITE_USAGE_DAILY.DATE))))
                .isEqualTo(1);
    }

    /**
     * FINDING 4 (fixed): UniqueConstraints recognised only SQLite's "UNIQUE constraint failed: users.username";
     * PostgreSQL reports SQLSTATE 23505 and a constraint name. Outside a DialupDatabase transaction (this test's
     * plain connection) only the name is known, reported as {@code index 'name'}: it matches no repository key,
     * so the violation passes unchanged rather than becoming a conflict with a wrong message. Inside one, the
     * database's engine maps the name to the column key (PostgresUniqueKeyParityTest, UniquenessRestsOnConstraintsTest).
     */
    @Test
    void uniqueViolationOutsideADatabaseTransactionPassesUnchanged() throws SQLException {
        user("taken");
        conn.setAutoCommit(true); // the failed statement must not poison the test's transaction
        try {
            assertThatThrownBy(() -> UniqueConstraints.conflictOn(
                            Map.of("users.username", "username taken"),
                            () -> dsl.insertInto(USERS, USERS.USERNAME, USERS.EMAIL, USERS.PASSWORD_HASH)
                                    .values("TAKEN", "other@example.com", "x")
                                    .execute()))
                    .isNotInstanceOf(ConflictException.class)
                    .isInstanceOf(DataAccessException.class)
                    .satisfies(e ->
                            assertThat(((DataAccessException) e).sqlState()).isEqualTo("23505"))
                    .hasMessageContaining("ux_users_username_nocase");
        } finally {
            dsl.deleteFrom(USERS).where(USERS.USERNAME.eq("taken")).execute();
            conn.setAutoCommit(false);
        }
    }
}
