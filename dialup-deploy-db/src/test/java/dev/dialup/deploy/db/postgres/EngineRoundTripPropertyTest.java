package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_ARCHIVES;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_CHUNKS;
import static dev.dialup.deploy.db.generated.Tables.LOGIN_THROTTLE;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.PROCESSES;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.SITE_ENVIRONMENT_VARIABLES;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;
import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_USAGE;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;
import static dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.DefaultSchema;
import dev.dialup.deploy.db.generated.tables.records.UsersRecord;
import dev.dialup.deploy.db.testing.EngineMigrations;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.conf.Settings;
import org.jooq.conf.StatementType;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: values round-trip identically on both engines. Random values ({@link RoundTripValues}) are written
 * through the generated jOOQ tables and records into a migrated SQLite file and a migrated PostgreSQL database and
 * read back; each value must equal the expected one (an instant truncated to milliseconds, everything else exactly
 * as written) on both engines, and both engines must return the same values.
 *
 * <p>Every run draws a new seed; a failure names it. To repeat a run:
 * {@code -Ddialup.roundtrip.seed=<seed>} (and {@code -Ddialup.roundtrip.iterations=<n>} for more rows). Each
 * engine replays the same seed, so the generated rows are the same; ids come from each engine and are not compared.
 * Writes alternate between prepared statements and inlined SQL (both paths of the bindings' {@code sql()}), and the
 * PostgreSQL session runs in a time zone chosen by the seed, never UTC by accident.
 */
class EngineRoundTripPropertyTest {
    static final long SEED = Long.getLong("dialup.roundtrip.seed", new SecureRandom().nextLong());
    static final int ITERATIONS = Integer.getInteger("dialup.roundtrip.iterations", 30);
    /** PostgreSQL session time zones: results must not depend on them. */
    static final List<String> SESSION_ZONES = List.of(
            "UTC", "Europe/Berlin", "America/St_Johns", "Pacific/Chatham", "Asia/Kathmandu", "America/Los_Angeles");

    @TempDir
    static Path dir;

    static PgTestServer.Database pg;
    static String sqliteUrl;
    Connection sqliteConnection;
    Connection pgConnection;
    Engine sqlite;
    Engine postgres;

    @BeforeAll
    static void databases() {
        System.out.println("EngineRoundTripPropertyTest: " + seed() + ", " + ITERATIONS + " iterations");
        pg = PgTestServer.freshMigratedDatabase("roundtrip");
        sqliteUrl = EngineMigrations.sqlite(dir.resolve("roundtrip.db"));
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @BeforeEach
    void connect() throws SQLException {
        sqliteConnection = DriverManager.getConnection(sqliteUrl);
        try (Statement st = sqliteConnection.createStatement()) {
            st.execute("PRAGMA foreign_keys = ON"); // as the library opens it
        }
        sqliteConnection.setAutoCommit(false);
        pgConnection = pg.connect();
        pgConnection.setAutoCommit(false);
        String zone = SESSION_ZONES.get(Math.floorMod(SEED, SESSION_ZONES.size()));
        try (Statement st = pgConnection.createStatement()) {
            st.execute("SET TIME ZONE '" + zone + "'");
        }
        sqlite = new Engine("sqlite", sqliteConnection, SQLDialect.SQLITE);
        postgres = new Engine("postgresql (session time zone " + zone + ")", pgConnection, SQLDialect.POSTGRES);
    }

    @AfterEach
    void close() throws SQLException {
        for (Connection c : new Connection[] {sqliteConnection, pgConnection}) {
            if (c != null) {
                c.rollback();
                c.close();
            }
        }
    }

    private static String seed() {
        return "seed " + SEED + " (repeat with -Ddialup.roundtrip.seed=" + SEED + ")";
    }

    /**
     * Every table with a time, date or boolean column, row after row of random values, inserted and (where the
     * schema allows) updated, then read back whole.
     */
    @Test
    void everyTableRoundTripsRandomValuesIdenticallyOnBothEngines() {
        Scenario onSqlite = new Scenario(sqlite, SEED);
        onSqlite.run(ITERATIONS);
        Scenario onPostgres = new Scenario(postgres, SEED);
        onPostgres.run(ITERATIONS);

        assertThat(onSqlite.mismatches).as("sqlite, " + seed()).isEmpty();
        assertThat(onPostgres.mismatches).as("postgresql, " + seed()).isEmpty();
        assertThat(onPostgres.observed.size()).as(seed()).isEqualTo(onSqlite.observed.size());
        for (int i = 0; i < onSqlite.observed.size(); i++) {
            Observation a = onSqlite.observed.get(i);
            Observation b = onPostgres.observed.get(i);
            if (!a.where().equals(b.where()) || !Objects.equals(a.actual(), b.actual())) {
                throw new AssertionError(seed() + ": the engines differ at " + a.where() + " / " + b.where() + ": "
                        + describe(a.actual(), b.actual()));
            }
        }
        // The run saw every table that has a time, date or boolean column (a new one must be added here).
        assertThat(onSqlite.tablesChecked)
                .as("tables with time/date/boolean columns not covered; " + seed())
                .containsAll(tablesWithTimeDateOrBooleanColumns());
        assertThat(onSqlite.observed.size()).isGreaterThan(ITERATIONS * 50);
    }

    /**
     * Many instants in one column: each reads back as written (truncated), and ORDER BY the column gives the same
     * order on both engines, the order of the instants (SQLite's text sorts like PostgreSQL's timestamptz).
     */
    @Test
    void instantsReadBackTruncatedAndSortAlikeOnBothEngines() {
        List<List<String>> orders = new ArrayList<>();
        for (Engine e : List.of(sqlite, postgres)) {
            RoundTripValues v = new RoundTripValues(SEED);
            List<Object[]> expected = new ArrayList<>();
            for (int i = 0; i < 40 * ITERATIONS; i++) {
                Instant t = v.nullableInstant();
                String key = String.format("rt.instant.%06d", i);
                DSLContext dsl = e.mode(i);
                dsl.insertInto(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.KEY, key)
                        .set(SYSTEM_CONFIG.VALUE, String.valueOf(t))
                        .set(SYSTEM_CONFIG.UPDATED_AT, t)
                        .execute();
                expected.add(new Object[] {key, t == null ? null : StoredTime.truncate(t)});
            }
            Map<String, Instant> read = new LinkedHashMap<>();
            e.prepared
                    .select(SYSTEM_CONFIG.KEY, SYSTEM_CONFIG.UPDATED_AT)
                    .from(SYSTEM_CONFIG)
                    .where(SYSTEM_CONFIG.KEY.like("rt.instant.%"))
                    .orderBy(SYSTEM_CONFIG.UPDATED_AT.asc().nullsFirst(), SYSTEM_CONFIG.KEY)
                    .forEach(r -> read.put(r.value1(), r.value2()));
            for (Object[] x : expected) {
                assertThat(read.get((String) x[0]))
                        .as(e.name + ", " + x[0] + ", " + seed())
                        .isEqualTo(x[1]);
            }
            expected.sort(Comparator.comparing(
                            (Object[] x) -> (Instant) x[1], Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(x -> (String) x[0]));
            List<String> javaOrder = expected.stream().map(x -> (String) x[0]).toList();
            assertThat(List.copyOf(read.keySet()))
                    .as(e.name + " ORDER BY, " + seed())
                    .isEqualTo(javaOrder);
            orders.add(javaOrder);
            // Range conditions with bound instants select the same rows as Java does.
            Instant pivot = (Instant) expected.get(expected.size() / 2)[1];
            if (pivot != null) {
                long inJava = expected.stream()
                        .filter(x -> x[1] != null && ((Instant) x[1]).isBefore(pivot))
                        .count();
                for (DSLContext dsl : List.of(e.prepared, e.inlined)) {
                    assertThat(dsl.fetchCount(
                                    SYSTEM_CONFIG,
                                    SYSTEM_CONFIG.KEY.like("rt.instant.%").and(SYSTEM_CONFIG.UPDATED_AT.lt(pivot))))
                            .as(e.name + " rows before " + pivot + ", " + seed())
                            .isEqualTo(inJava);
                }
            }
        }
        assertThat(orders.get(1)).isEqualTo(orders.get(0));
    }

    /** The tables of the generated schema with an Instant, LocalDate or Boolean column. */
    private static Set<String> tablesWithTimeDateOrBooleanColumns() {
        Set<String> names = new TreeSet<>();
        for (Table<?> t : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            for (Field<?> f : t.fields()) {
                Class<?> type = f.getType();
                if (type == Instant.class || type == LocalDate.class || type == Boolean.class) {
                    names.add(t.getName());
                }
            }
        }
        return names;
    }

    // ---- The scenario, replayed on each engine from the same seed

    record Observation(String where, Object expected, Object actual) {}

    static final class Engine {
        final String name;
        final DSLContext prepared;
        final DSLContext inlined;

        Engine(String name, Connection c, SQLDialect dialect) {
            this.name = name;
            this.prepared = DSL.using(c, dialect);
            this.inlined = DSL.using(c, dialect, new Settings().withStatementType(StatementType.STATIC_STATEMENT));
        }

        /** Prepared statements on even steps, inlined SQL on odd ones. */
        DSLContext mode(int step) {
            return step % 2 == 0 ? prepared : inlined;
        }
    }

    /** A row to write: the values, and the value each one must read back as (an instant truncated). */
    static final class Row {
        final Table<?> table;
        final Map<Field<?>, Object> write = new LinkedHashMap<>();
        final Map<Field<?>, Object> expect = new LinkedHashMap<>();

        Row(Table<?> table) {
            this.table = table;
        }

        /** A value that reads back as written. */
        <T> Row set(Field<T> f, T value) {
            write.put(f, value);
            expect.put(f, value);
            return this;
        }

        /** A key or reference: written, not observed (ids differ by engine only if the engines do). */
        <T> Row ref(Field<T> f, T value) {
            write.put(f, value);
            return this;
        }

        Instant expectedInstant(Field<Instant> f) {
            return (Instant) expect.get(f);
        }

        Row time(Field<Instant> f, Instant value) {
            write.put(f, value);
            expect.put(f, value == null ? null : StoredTime.truncate(value));
            return this;
        }
    }

    final class Scenario {
        final Engine engine;
        final RoundTripValues v;
        final List<Observation> observed = new ArrayList<>();
        final List<String> mismatches = new ArrayList<>();
        final Set<String> tablesChecked = new TreeSet<>();
        DSLContext dsl;
        int step;

        Scenario(Engine engine, long seed) {
            this.engine = engine;
            this.v = new RoundTripValues(seed);
        }

        void run(int iterations) {
            for (int i = 0; i < iterations; i++) {
                dsl = engine.mode(i);
                iteration(i);
            }
            viewOfUsageSamples(iterations);
        }

        private void iteration(int i) {
            // users, through the generated UpdatableRecord (insert, then update of the same record)
            long owner = user(i, "a");
            long member = user(i, "b");

            // organizations
            Instant orgCreated = v.nullableInstant();
            Row org = new Row(ORGANIZATIONS)
                    .set(ORGANIZATIONS.NAME, v.text(1, 40) + " #" + i)
                    .ref(ORGANIZATIONS.NAME_KEY, "org-" + i)
                    .set(ORGANIZATIONS.SLUG, "org-" + i)
                    .set(ORGANIZATIONS.DESCRIPTION, v.nullableText(2000))
                    .ref(ORGANIZATIONS.OWNER_ID, owner)
                    .time(ORGANIZATIONS.CREATED_AT, orgCreated)
                    .time(ORGANIZATIONS.UPDATED_AT, v.nullableInstant())
                    .set(ORGANIZATIONS.IS_ACTIVE, v.nullableBool());
            long orgId = insert(org, ORGANIZATIONS.ID);
            update(
                    new Row(ORGANIZATIONS)
                            .time(
                                    ORGANIZATIONS.UPDATED_AT,
                                    v.instantOtherThan(org.expectedInstant(ORGANIZATIONS.UPDATED_AT)))
                            .set(ORGANIZATIONS.IS_ACTIVE, v.nullableBool()),
                    ORGANIZATIONS.ID.eq(orgId));

            // organization_members (the owner's row comes from a trigger)
            Row membership = new Row(ORGANIZATION_MEMBERS)
                    .ref(ORGANIZATION_MEMBERS.USER_ID, member)
                    .ref(ORGANIZATION_MEMBERS.ORGANIZATION_ID, orgId)
                    .set(ORGANIZATION_MEMBERS.ROLE, v.pick(List.of("admin", "member")))
                    .time(ORGANIZATION_MEMBERS.JOINED_AT, v.nullableInstant());
            long membershipId = insert(membership, ORGANIZATION_MEMBERS.ID);
            update(
                    new Row(ORGANIZATION_MEMBERS).time(ORGANIZATION_MEMBERS.JOINED_AT, v.nullableInstant()),
                    ORGANIZATION_MEMBERS.ID.eq(membershipId));

            // organization_invitations
            Instant invited = v.instant();
            if (StoredTime.truncate(invited).equals(StoredTime.LAST)) invited = invited.minusSeconds(1);
            Instant expires = StoredTime.truncate(invited)
                    .plusMillis(v.between(1, 1_000_000_000))
                    .plusNanos(v.random.nextInt(1_000_000));
            if (StoredTime.truncate(expires).isAfter(StoredTime.LAST)) expires = StoredTime.LAST;
            String status = v.pick(List.of("pending", "accepted", "declined", "revoked", "expired"));
            insert(
                    new Row(ORGANIZATION_INVITATIONS)
                            .ref(ORGANIZATION_INVITATIONS.ORGANIZATION_ID, orgId)
                            .set(ORGANIZATION_INVITATIONS.INVITEE, v.text(3, 60))
                            .set(ORGANIZATION_INVITATIONS.ROLE, v.pick(List.of("admin", "member")))
                            .ref(ORGANIZATION_INVITATIONS.INVITER_ID, v.orNull(owner))
                            .set(ORGANIZATION_INVITATIONS.STATUS, status)
                            .time(ORGANIZATION_INVITATIONS.CREATED_AT, invited)
                            .time(ORGANIZATION_INVITATIONS.EXPIRES_AT, expires)
                            .time(ORGANIZATION_INVITATIONS.RESPONDED_AT, status.equals("pending") ? null : v.instant()),
                    ORGANIZATION_INVITATIONS.ID);

            // sites
            Row site = new Row(SITES)
                    .set(SITES.NAME, v.text(1, 40) + " #" + i)
                    .ref(SITES.NAME_KEY, "site-" + i)
                    .set(SITES.SLUG, "site-" + i)
                    .set(SITES.DESCRIPTION, v.nullableText(2000))
                    .ref(SITES.ORGANIZATION_ID, orgId)
                    .set(SITES.SITE_TYPE, v.pick(List.of("static", "dynamic", "docker")))
                    .set(SITES.REPOSITORY_URL, v.nullableText(100))
                    .set(SITES.BRANCH, v.nullableText(40))
                    .set(SITES.PORT, v.orNull((int) v.between(1, 65535)))
                    .time(SITES.CREATED_AT, v.nullableInstant())
                    .time(SITES.UPDATED_AT, v.nullableInstant())
                    .set(SITES.IS_ACTIVE, v.nullableBool());
            long siteId = insert(site, SITES.ID);
            update(
                    new Row(SITES)
                            .time(SITES.UPDATED_AT, v.instantOtherThan(site.expectedInstant(SITES.UPDATED_AT)))
                            .set(SITES.DESCRIPTION, v.nullableText(2000))
                            .set(SITES.IS_ACTIVE, v.nullableBool()),
                    SITES.ID.eq(siteId));

            // site_resource_limits (a trigger inserted the row: update it)
            update(
                    new Row(SITE_RESOURCE_LIMITS)
                            .set(SITE_RESOURCE_LIMITS.MAX_MEMORY_MB, v.orNull(v.nonNegativeInt()))
                            .set(SITE_RESOURCE_LIMITS.MAX_REQUESTS_PER_MINUTE, v.orNull(v.nonNegativeInt()))
                            .time(SITE_RESOURCE_LIMITS.CREATED_AT, v.instant())
                            .time(SITE_RESOURCE_LIMITS.UPDATED_AT, v.instant()),
                    SITE_RESOURCE_LIMITS.SITE_ID.eq(siteId));

            // site_domains
            Row domain = new Row(SITE_DOMAINS)
                    .ref(SITE_DOMAINS.SITE_ID, siteId)
                    .set(SITE_DOMAINS.DOMAIN, (v.random.nextBoolean() ? "D" : "d") + i + ".Example.COM")
                    .set(SITE_DOMAINS.IS_PRIMARY, v.nullableBool())
                    .set(SITE_DOMAINS.SSL_ENABLED, v.nullableBool())
                    .set(SITE_DOMAINS.SSL_CERT_PATH, v.nullableText(200))
                    .time(SITE_DOMAINS.VERIFIED_AT, v.nullableInstant())
                    .time(SITE_DOMAINS.CREATED_AT, v.nullableInstant());
            long domainId = insert(domain, SITE_DOMAINS.ID);
            update(
                    new Row(SITE_DOMAINS)
                            .time(SITE_DOMAINS.VERIFIED_AT, v.nullableInstant())
                            .set(SITE_DOMAINS.SSL_ENABLED, v.nullableBool()),
                    SITE_DOMAINS.ID.eq(domainId));

            // site_environment_variables
            Row variable = new Row(SITE_ENVIRONMENT_VARIABLES)
                    .ref(SITE_ENVIRONMENT_VARIABLES.SITE_ID, siteId)
                    .set(SITE_ENVIRONMENT_VARIABLES.KEY, "K_" + i)
                    .set(SITE_ENVIRONMENT_VARIABLES.VALUE, v.text(5000))
                    .set(SITE_ENVIRONMENT_VARIABLES.IS_SECRET, v.nullableBool())
                    .time(SITE_ENVIRONMENT_VARIABLES.CREATED_AT, v.nullableInstant())
                    .time(SITE_ENVIRONMENT_VARIABLES.UPDATED_AT, v.nullableInstant())
                    .set(SITE_ENVIRONMENT_VARIABLES.KEY_ID, v.orNull(v.anyLong()));
            long variableId = insert(variable, SITE_ENVIRONMENT_VARIABLES.ID);
            update(
                    new Row(SITE_ENVIRONMENT_VARIABLES)
                            .set(SITE_ENVIRONMENT_VARIABLES.VALUE, v.text(5000))
                            .time(
                                    SITE_ENVIRONMENT_VARIABLES.UPDATED_AT,
                                    v.instantOtherThan(variable.expectedInstant(SITE_ENVIRONMENT_VARIABLES.UPDATED_AT)))
                            .set(SITE_ENVIRONMENT_VARIABLES.KEY_ID, v.orNull(v.anyLong())),
                    SITE_ENVIRONMENT_VARIABLES.ID.eq(variableId));

            // site_usage_daily
            Row daily = new Row(SITE_USAGE_DAILY)
                    .ref(SITE_USAGE_DAILY.SITE_ID, siteId)
                    .set(SITE_USAGE_DAILY.DATE, v.date())
                    .set(SITE_USAGE_DAILY.AVG_MEMORY_MB, v.orNull(v.nonNegativeDouble()))
                    .set(SITE_USAGE_DAILY.MAX_CPU_PERCENT, v.orNull(v.nonNegativeDouble()))
                    .set(SITE_USAGE_DAILY.TOTAL_BANDWIDTH_MB, v.orNull(v.nonNegativeDouble()))
                    .set(SITE_USAGE_DAILY.TOTAL_REQUESTS, v.orNull(v.nonNegativeLong()))
                    .set(SITE_USAGE_DAILY.UPTIME_SECONDS, v.orNull((int) v.between(0, 86_400)));
            long dailyId = insert(daily, SITE_USAGE_DAILY.ID);
            update(new Row(SITE_USAGE_DAILY).set(SITE_USAGE_DAILY.DATE, v.date()), SITE_USAGE_DAILY.ID.eq(dailyId));

            // deployments, their log chunks and archive
            Row deployment = new Row(DEPLOYMENTS)
                    .ref(DEPLOYMENTS.SITE_ID, siteId)
                    .set(DEPLOYMENTS.COMMIT_HASH, v.orNull(Long.toHexString(v.random.nextLong())))
                    .set(DEPLOYMENTS.COMMIT_MESSAGE, v.nullableText(2000))
                    .set(DEPLOYMENTS.BRANCH, v.nullableText(40))
                    .ref(DEPLOYMENTS.DEPLOYED_BY, v.orNull(member))
                    .set(DEPLOYMENTS.STATUS, v.pick(List.of("pending", "building", "success", "failed", "cancelled")))
                    .set(DEPLOYMENTS.BUILD_LOG, v.nullableText(200_000))
                    .set(DEPLOYMENTS.BUILD_TIME_SECONDS, v.orNull(v.nonNegativeInt()))
                    .time(DEPLOYMENTS.DEPLOYED_AT, v.nullableInstant())
                    .time(DEPLOYMENTS.STARTED_AT, v.nullableInstant())
                    .time(DEPLOYMENTS.FINISHED_AT, v.nullableInstant())
                    .set(DEPLOYMENTS.LOG_BYTES, v.nonNegativeInt())
                    .set(DEPLOYMENTS.LOG_TRUNCATED, v.bool())
                    .time(DEPLOYMENTS.LOG_ARCHIVED_AT, v.nullableInstant());
            long deploymentId = insert(deployment, DEPLOYMENTS.ID);
            update(
                    new Row(DEPLOYMENTS)
                            .time(DEPLOYMENTS.FINISHED_AT, v.nullableInstant())
                            .set(DEPLOYMENTS.LOG_TRUNCATED, v.bool())
                            .set(DEPLOYMENTS.STATUS, v.pick(List.of("success", "failed"))),
                    DEPLOYMENTS.ID.eq(deploymentId));
            int chunks = (int) v.between(1, 3);
            for (int seq = 0; seq < chunks; seq++) {
                insert(
                        new Row(DEPLOYMENT_LOG_CHUNKS)
                                .ref(DEPLOYMENT_LOG_CHUNKS.DEPLOYMENT_ID, deploymentId)
                                .set(DEPLOYMENT_LOG_CHUNKS.SEQ, seq)
                                .set(DEPLOYMENT_LOG_CHUNKS.CONTENT, v.text(100_000))
                                .time(DEPLOYMENT_LOG_CHUNKS.CREATED_AT, v.instant()),
                        DEPLOYMENT_LOG_CHUNKS.ID);
            }
            byte[] compressed = v.bytes();
            insertWithKey(
                    new Row(DEPLOYMENT_LOG_ARCHIVES)
                            .ref(DEPLOYMENT_LOG_ARCHIVES.DEPLOYMENT_ID, deploymentId)
                            .set(DEPLOYMENT_LOG_ARCHIVES.COMPRESSED, compressed)
                            .set(DEPLOYMENT_LOG_ARCHIVES.ORIGINAL_BYTES, v.nonNegativeInt())
                            .set(DEPLOYMENT_LOG_ARCHIVES.CHUNK_COUNT, chunks)
                            .time(DEPLOYMENT_LOG_ARCHIVES.ARCHIVED_AT, v.instant()),
                    DEPLOYMENT_LOG_ARCHIVES.DEPLOYMENT_ID.eq(deploymentId));

            // login_throttle: by account, and by login name (any text after "login:")
            String subject = "login:" + i + ":" + v.text(0, 40);
            for (Row throttle : List.of(
                    new Row(LOGIN_THROTTLE)
                            .set(LOGIN_THROTTLE.SUBJECT, "user:" + owner)
                            .ref(LOGIN_THROTTLE.USER_ID, owner),
                    new Row(LOGIN_THROTTLE).set(LOGIN_THROTTLE.SUBJECT, subject))) {
                throttle.set(LOGIN_THROTTLE.FAILURES, v.nonNegativeInt())
                        .set(LOGIN_THROTTLE.LOCKOUTS, v.nonNegativeInt())
                        .time(LOGIN_THROTTLE.LOCKED_UNTIL, v.nullableInstant())
                        .time(LOGIN_THROTTLE.LAST_FAILURE_AT, v.instant());
                insertWithKey(throttle, LOGIN_THROTTLE.SUBJECT.eq((String) throttle.write.get(LOGIN_THROTTLE.SUBJECT)));
            }

            // processes: the legacy table, epoch milliseconds in startTime (any long) and a DATETIME
            String processId = "p-" + i + "-" + v.text(0, 20);
            insertWithKey(
                    new Row(PROCESSES)
                            .set(PROCESSES.ID, processId)
                            .set(PROCESSES.SITE, v.text(1, 40))
                            .set(PROCESSES.PORT, (int) v.between(1, 65535))
                            .set(PROCESSES.PID, v.orNull(v.nonNegativeInt()))
                            .set(PROCESSES.STARTTIME, Instant.ofEpochMilli(v.anyLong()))
                            .set(PROCESSES.TYPE, v.text(1, 10))
                            .set(PROCESSES.SCRIPT, v.text(300))
                            .set(PROCESSES.CWD, v.text(300))
                            .set(PROCESSES.STATUS, v.text(1, 10))
                            .ref(PROCESSES.SITE_ID, v.orNull(siteId))
                            .set(PROCESSES.MEMORY_LIMIT_MB, v.orNull(v.nonNegativeInt()))
                            .set(PROCESSES.CPU_LIMIT_PERCENT, v.orNull(v.nonNegativeInt()))
                            .set(PROCESSES.CONTAINER_ID, v.nullableText(64))
                            .time(PROCESSES.LAST_HEALTH_CHECK, v.nullableInstant())
                            .set(PROCESSES.HEALTH_STATUS, v.pick(List.of("unknown", "healthy", "unhealthy")))
                            .set(PROCESSES.CONSECUTIVE_FAILURES, v.nonNegativeInt())
                            .set(PROCESSES.HEALTH_MESSAGE, v.nullableText(500)),
                    PROCESSES.ID.eq(processId));
            update(
                    new Row(PROCESSES)
                            .time(PROCESSES.LAST_HEALTH_CHECK, v.nullableInstant())
                            .set(PROCESSES.STARTTIME, Instant.ofEpochMilli(v.anyLong())),
                    PROCESSES.ID.eq(processId));

            // system_config
            String key = "rt.config." + i;
            Row config = new Row(SYSTEM_CONFIG)
                    .set(SYSTEM_CONFIG.KEY, key)
                    .set(SYSTEM_CONFIG.VALUE, v.nullableText(1000))
                    .set(SYSTEM_CONFIG.DESCRIPTION, v.nullableText(1000))
                    .time(SYSTEM_CONFIG.UPDATED_AT, v.nullableInstant());
            insertWithKey(config, SYSTEM_CONFIG.KEY.eq(key));
            update(
                    new Row(SYSTEM_CONFIG)
                            .set(SYSTEM_CONFIG.VALUE, v.nullableText(1000))
                            .time(
                                    SYSTEM_CONFIG.UPDATED_AT,
                                    v.instantOtherThan(config.expectedInstant(SYSTEM_CONFIG.UPDATED_AT))),
                    SYSTEM_CONFIG.KEY.eq(key));

            // audit_log (append-only: insert only); details are JSON holding random text
            insert(
                    new Row(AUDIT_LOG)
                            .ref(AUDIT_LOG.ACTOR_USER_ID, v.orNull(owner))
                            .set(AUDIT_LOG.ACTOR_LABEL, v.text(1, 40))
                            .set(AUDIT_LOG.ACTION, v.text(1, 20))
                            .set(AUDIT_LOG.TARGET_TYPE, v.text(1, 20))
                            .set(AUDIT_LOG.TARGET_ID, v.nullableText(20))
                            .ref(AUDIT_LOG.ORGANIZATION_ID, v.orNull(orgId))
                            .time(AUDIT_LOG.CREATED_AT, v.instant())
                            .set(AUDIT_LOG.DETAILS, RoundTripValues.json(v.text(300), v.anyLong())),
                    AUDIT_LOG.ID);

            // usage samples, read back through the site_resource_usage view below
            samples.add(
                    new long[] {siteId, v.between(0, StoredTime.LAST.getEpochSecond()), v.modestLong(), v.modestLong()
                    });
        }

        private final List<long[]> samples = new ArrayList<>();

        /** The view's "timestamp" is an Instant on both engines (text on SQLite, timestamptz on PostgreSQL). */
        private void viewOfUsageSamples(int iterations) {
            dsl = engine.prepared;
            for (long[] s : samples) {
                if (dsl.dialect().family() == org.jooq.SQLDialect.POSTGRES) {
                    // usage_samples is partitioned by UTC day there (V61): the sample's day needs its partition
                    dsl.select(org.jooq.impl.DSL.field(
                                    "dialup_usage_partition_ensure({0})",
                                    Boolean.class, org.jooq.impl.DSL.val(s[1] - s[1] % 86_400)))
                            .fetch();
                }
                dsl.insertInto(USAGE_SAMPLES)
                        .set(USAGE_SAMPLES.SITE_ID, s[0])
                        .set(USAGE_SAMPLES.TS, s[1])
                        .set(USAGE_SAMPLES.MEMORY_MB_X100, s[2])
                        .set(USAGE_SAMPLES.BANDWIDTH_MB_X1000, s[3])
                        .execute();
            }
            for (long[] s : samples) {
                Record r = dsl.select(
                                SITE_RESOURCE_USAGE.TIMESTAMP,
                                SITE_RESOURCE_USAGE.MEMORY_MB,
                                SITE_RESOURCE_USAGE.BANDWIDTH_MB,
                                SITE_RESOURCE_USAGE.CPU_PERCENT)
                        .from(SITE_RESOURCE_USAGE)
                        .where(SITE_RESOURCE_USAGE.SITE_ID.eq(s[0]))
                        .fetchOne();
                String where = "site_resource_usage of sample ts=" + s[1];
                observe(where + " .timestamp", Instant.ofEpochSecond(s[1]), r.get(SITE_RESOURCE_USAGE.TIMESTAMP));
                observe(where + " .memory_mb", s[2] / 100.0, r.get(SITE_RESOURCE_USAGE.MEMORY_MB));
                observe(where + " .bandwidth_mb", s[3] / 1000.0, r.get(SITE_RESOURCE_USAGE.BANDWIDTH_MB));
                observe(where + " .cpu_percent", null, r.get(SITE_RESOURCE_USAGE.CPU_PERCENT));
            }
            tablesChecked.add(SITE_RESOURCE_USAGE.getName());
            assertThat(samples).hasSize(iterations);
        }

        private long user(int i, String suffix) {
            UsersRecord u = dsl.newRecord(USERS);
            u.setUsername("user-" + i + suffix);
            u.setEmail("user-" + i + suffix + "@example.com");
            u.setPasswordHash("$2b$12$x" + i);
            u.setDisplayName(v.nullableText(64));
            Instant created = v.nullableInstant();
            Instant updated = v.nullableInstant();
            u.setCreatedAt(created);
            u.setUpdatedAt(updated);
            u.setIsActive(v.nullableBool());
            u.setIsAdmin(v.nullableBool());
            u.store();
            long id = u.getId();
            Row expected = new Row(USERS)
                    .set(USERS.USERNAME, "user-" + i + suffix)
                    .set(USERS.DISPLAY_NAME, u.getDisplayName())
                    .time(USERS.CREATED_AT, created)
                    .time(USERS.UPDATED_AT, updated)
                    .set(USERS.IS_ACTIVE, u.getIsActive())
                    .set(USERS.IS_ADMIN, u.getIsAdmin());
            verify(expected, USERS.ID.eq(id));
            // update through the same record
            Instant updatedAgain = v.instantOtherThan(updated);
            u.setUpdatedAt(updatedAgain);
            u.setDisplayName(v.nullableText(64));
            u.setIsAdmin(v.nullableBool());
            u.store();
            verify(
                    new Row(USERS)
                            .time(USERS.UPDATED_AT, updatedAgain)
                            .set(USERS.DISPLAY_NAME, u.getDisplayName())
                            .set(USERS.IS_ADMIN, u.getIsAdmin()),
                    USERS.ID.eq(id));
            return id;
        }

        /** Inserts a row of a table with an identity key and checks it; returns the key. */
        private long insert(Row row, TableField<?, Long> id) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Long key = dsl.insertInto((Table) row.table)
                    .set(row.write)
                    .returningResult(id)
                    .fetchOne()
                    .get(id);
            verify(row, id.eq(key));
            return key;
        }

        /** Inserts a row whose key is one of its values and checks it. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private void insertWithKey(Row row, Condition key) {
            assertThat(dsl.insertInto((Table) row.table).set(row.write).execute())
                    .isEqualTo(1);
            verify(row, key);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private void update(Row row, Condition key) {
            assertThat(dsl.update((Table) row.table).set(row.write).where(key).execute())
                    .as(engine.name + " update " + row.table.getName() + ", " + seed())
                    .isEqualTo(1);
            verify(row, key);
        }

        /**
         * Reads the whole row back (a generated record) and observes every expected value; each non-null time or
         * date value must also find the row as a bound (or inlined) condition.
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private void verify(Row row, Condition key) {
            step++;
            tablesChecked.add(row.table.getName());
            Record r = dsl.selectFrom(row.table).where(key).fetchOne();
            if (r == null) {
                mismatches.add(engine.name + ": no row in " + row.table.getName() + " where " + key);
                return;
            }
            for (Map.Entry<Field<?>, Object> e : row.expect.entrySet()) {
                Field<?> f = e.getKey();
                String where = row.table.getName() + "." + f.getName() + " #" + step;
                observe(where, e.getValue(), r.get(f));
                Object expected = e.getValue();
                if (expected instanceof Instant || expected instanceof LocalDate) {
                    int found = engine.mode(step).fetchCount(row.table, key.and(((Field) f).eq(expected)));
                    observe(where + " (as a condition)", 1, found);
                }
            }
        }

        private void observe(String where, Object expected, Object actual) {
            Object e = comparable(expected);
            Object a = comparable(actual);
            observed.add(new Observation(where, e, a));
            if (!Objects.equals(e, a)) {
                mismatches.add(engine.name + ": " + where + ": " + describe(e, a));
            }
        }
    }

    private static Object comparable(Object value) {
        return value instanceof byte[] b ? HexFormat.of().formatHex(b) : value;
    }

    /** A short description of two differing values: for long text, the first differing code point. */
    static String describe(Object expected, Object actual) {
        if (expected instanceof String a && actual instanceof String b && (a.length() > 200 || b.length() > 200)) {
            int[] x = a.codePoints().toArray();
            int[] y = b.codePoints().toArray();
            int i = Arrays.mismatch(x, y);
            return "texts of " + x.length + " and " + y.length + " code points differ at code point " + i + ": "
                    + around(x, i) + " vs " + around(y, i);
        }
        return "expected <" + escape(expected) + "> but was <" + escape(actual) + ">";
    }

    private static String around(int[] cps, int i) {
        StringBuilder sb = new StringBuilder();
        for (int k = Math.max(0, i - 3); k < Math.min(cps.length, i + 4); k++) {
            sb.append(String.format("U+%04X ", cps[k]));
        }
        return sb.toString().trim();
    }

    private static String escape(Object value) {
        if (!(value instanceof String s)) return String.valueOf(value);
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) sb.appendCodePoint(cp);
            else sb.append(String.format("\\u{%X}", cp));
        });
        return sb.toString();
    }
}
