package dev.dialup.deploy.db.postgres;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.ops.RuntimeRole;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Row-level security on PostgreSQL, the second wall (docs/tenancy.md, "Row-level security on PostgreSQL"):
 * every tenant table has it enabled and forced; the runtime role without an identity sees nothing; with
 * one tenant's identity a query that forgets the tenant condition neither sees nor writes another tenant's
 * rows; identities are transaction-local.
 */
class RowLevelSecurityTest {
    /** Tables that hold no tenant data (and the mirrors only the policies' functions read). */
    static final Set<String> NOT_TENANT_TABLES =
            Set.of("flyway_schema_history", "system_config", "password_hash_params", "usage_ingest_state");

    static PgTestServer.Database pg;
    static DialupDatabase db;
    static ActorWorld world;

    @BeforeAll
    static void world() {
        pg = PgTestServer.freshMigratedDatabase("rls");
        db = DialupDatabase.builder()
                .location(pg.location())
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .build();
        world = ActorWorld.create(db);
    }

    @AfterAll
    static void close() {
        db.close();
        pg.close();
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select c.relname from pg_class c join pg_namespace n on n.oid ="
                        + " c.relnamespace where n.nspname = current_schema() and c.relkind in ('r', 'p')"
                        + " order by 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection as(String location) throws SQLException {
        return JdbcUrls.postgresDataSource(location).getConnection();
    }

    @Test
    void everyTenantTableHasRowLevelSecurityEnabledAndForced() throws Exception {
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select c.relname, c.relrowsecurity, c.relforcerowsecurity"
                        + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        + " where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1")) {
            Set<String> unprotected = new TreeSet<>();
            int tenantTables = 0;
            while (rs.next()) {
                if (NOT_TENANT_TABLES.contains(rs.getString(1))) {
                    continue;
                }
                tenantTables++;
                if (!rs.getBoolean(2) || !rs.getBoolean(3)) {
                    unprotected.add(rs.getString(1));
                }
            }
            assertThat(unprotected)
                    .as("tenant tables without ENABLE + FORCE ROW LEVEL SECURITY (add a policy in a new migration,"
                            + " or list the table in NOT_TENANT_TABLES if it holds no tenant data)")
                    .isEmpty();
            assertThat(tenantTables).isGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void withoutAnIdentityTheRuntimeRoleAndTheOwnerSeeNoTenantRow() throws Exception {
        for (String location : List.of(pg.runtimeLocation(), pg.ownerLocation())) {
            try (Connection c = as(location)) {
                for (String table : tables(c)) {
                    if (NOT_TENANT_TABLES.contains(table)) {
                        continue;
                    }
                    assertThat(count(c, table)).as(table).isZero();
                }
            }
        }
        // ... while the superuser, which bypasses row-level security, sees the world's rows.
        try (Connection c = pg.connect()) {
            assertThat(count(c, "sites")).isGreaterThan(2);
            assertThat(count(c, "users")).isGreaterThan(2);
        }
    }

    @Test
    void theRuntimeRoleCannotReadTheAccessMirrors() throws Exception {
        try (Connection c = as(pg.runtimeLocation());
                Statement st = c.createStatement()) {
            for (String mirror : List.of("dialup_rls.users", "dialup_rls.organizations", "dialup_rls.members")) {
                assertThatThrownBy(() -> st.executeQuery("select count(*) from " + mirror))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            }
        }
    }

    /** The facts of {@code userId} from {@code dialup_rls_facts} in a transaction whose identity is {@code identity}. */
    private static String factsThroughFunction(Connection c, String identity, long userId) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement(
                    "select set_config('dialup.user_id', ?, true), set_config('dialup.system', '', true)")) {
                ps.setString(1, identity);
                ps.execute();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("select active, admin, memberships from dialup_rls_facts(?)")) {
                ps.setLong(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return "no row";
                    String row = rs.getBoolean(1) + " " + rs.getBoolean(2) + " " + sorted(rs.getString(3));
                    assertThat(rs.next()).isFalse();
                    return row;
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    private static String sorted(String memberships) {
        return memberships == null ? "[]" : new TreeSet<>(List.of(memberships.split(","))).toString();
    }

    /**
     * V70: the library's facts on PostgreSQL come from {@code dialup_rls_facts} (the mirrors the policies read), so
     * they must equal the facts in the tables — flags with NULL as false, roles only in active organizations — and
     * the function must answer only for the transaction's own identity, or for a caller who sees every row anyway:
     * another user's id, or no identity, gives no row, which the library reads as an inactive user.
     */
    @Test
    void theFactsFunctionMatchesTheTablesAndAnswersOnlyForTheTransactionsIdentity() throws Exception {
        var f = new dev.dialup.deploy.db.testing.Fixtures(db);
        long active = f.user("facts-active");
        long inactive = f.user("facts-inactive");
        long admin = f.admin("facts-admin");
        long org = f.org("Facts Live", active);
        long closed = f.org("Facts Closed", admin);
        f.member(org, inactive, dev.dialup.deploy.db.core.OrgRole.ADMIN);
        f.member(org, admin, dev.dialup.deploy.db.core.OrgRole.MEMBER);
        f.member(closed, active, dev.dialup.deploy.db.core.OrgRole.MEMBER);
        AccessScope system = db.systemScope("rls-facts");
        db.writeVoid(system, tx -> {
            tx.execute("update users set is_active = false where id = " + inactive);
            tx.execute("update users set is_admin = null where id = " + active);
            tx.execute("update organizations set is_active = false where id = " + closed);
        });
        // The same facts computed from the tables, as the owner with the system identity.
        String fromTables = "select coalesce(u.is_active, false), coalesce(u.is_admin, false),"
                + " (select string_agg(m.organization_id || ':' || m.role, ',') from organization_members m"
                + " join organizations o on o.id = m.organization_id and o.is_active where m.user_id = u.id)"
                + " from users u where u.id = ?";
        try (Connection owner = as(pg.ownerLocation());
                Connection runtime = as(pg.runtimeLocation())) {
            for (long user : List.of(active, inactive, admin)) {
                String expected;
                owner.setAutoCommit(false);
                try (PreparedStatement ps = owner.prepareStatement("select set_config('dialup.system', 'on', true)")) {
                    ps.execute();
                }
                try (PreparedStatement ps = owner.prepareStatement(fromTables)) {
                    ps.setLong(1, user);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        expected = rs.getBoolean(1) + " " + rs.getBoolean(2) + " " + sorted(rs.getString(3));
                    }
                }
                owner.rollback();
                owner.setAutoCommit(true);
                assertThat(factsThroughFunction(runtime, Long.toString(user), user))
                        .isEqualTo(expected);
            }
            assertThat(factsThroughFunction(runtime, Long.toString(active), active))
                    .isEqualTo("true false [" + org + ":owner]");
            assertThat(factsThroughFunction(runtime, Long.toString(inactive), inactive))
                    .startsWith("false false");
            assertThat(factsThroughFunction(runtime, Long.toString(admin), admin))
                    .isEqualTo("true true [" + org + ":member]");
            // Someone else's facts, or none without an identity: no row — except for a caller who sees every row
            // anyway (an active system admin here; the system capability in TenantFilter's checks of user scopes).
            assertThat(factsThroughFunction(runtime, Long.toString(active), admin))
                    .isEqualTo("no row");
            assertThat(factsThroughFunction(runtime, Long.toString(inactive), active))
                    .isEqualTo("no row");
            assertThat(factsThroughFunction(runtime, Long.toString(admin), active))
                    .isEqualTo("true false [" + org + ":owner]");
            assertThat(factsThroughFunction(runtime, "", admin)).isEqualTo("no row");
            assertThat(factsThroughFunction(runtime, Long.toString(active + 1_000_000), active + 1_000_000))
                    .isEqualTo("no row");
        }
        // Through the library: only the active organization counts.
        assertThat(organizationIds(active, active)).containsExactly(org);
        assertThat(organizationIds(admin, admin)).containsExactly(org);
        // A scope asking for another user's facts gets none: the library reads that as an inactive user.
        assertThat(organizationIds(active, admin)).isEmpty();
    }

    /**
     * On PostgreSQL a user scope's site condition binds the member organizations as one array: the statement is the
     * same for a user in one organization and a user in three, so both share one prepared statement and its plan
     * (docs/PERFORMANCE.md, "Session 10"). The rows are those of the user's organizations and own sites.
     */
    @Test
    void aSiteConditionIsTheSameStatementForAnyNumberOfOrganizations() {
        var f = new dev.dialup.deploy.db.testing.Fixtures(db);
        long one = f.user("array-one");
        long three = f.user("array-three");
        long a = f.org("Array A", one);
        long b = f.org("Array B", three);
        long c = f.org("Array C", three);
        f.member(a, three, dev.dialup.deploy.db.core.OrgRole.MEMBER);
        long siteA = f.orgSite("Array A site", a);
        long siteB = f.orgSite("Array B site", b);
        long siteC = f.orgSite("Array C site", c);
        long personal = f.personalSite("Array personal", one);
        List<String> sql = new ArrayList<>();
        List<List<Long>> seen = new ArrayList<>();
        for (long user : List.of(one, three)) {
            AccessScope scope = new AccessScopes(db).forUser(user);
            db.read(scope, tx -> {
                var condition = dev.dialup.deploy.db.access.TenantFilter.siteVisible(tx, scope, SITES);
                var query = tx.select(SITES.ID).from(SITES).where(condition).orderBy(SITES.ID);
                sql.add(query.getSQL());
                assertThat(query.getBindValues()).hasSize(2); // the owner id and one array
                seen.add(query.fetch(SITES.ID));
                return null;
            });
        }
        assertThat(sql.get(0)).isEqualTo(sql.get(1)).contains("= any (");
        assertThat(seen.get(0)).containsExactly(siteA, personal);
        assertThat(seen.get(1)).containsExactly(siteA, siteB, siteC);
    }

    /** {@code TenantFilter.organizationIds} of {@code asked} in a read for {@code caller}'s scope. */
    private static List<Long> organizationIds(long caller, long asked) {
        List<Long> ids = db.read(
                new AccessScopes(db).forUser(caller),
                tx -> dev.dialup.deploy.db.access.TenantFilter.organizationIds(tx, asked));
        return ids;
    }

    /**
     * The policies hold whatever the session's {@code search_path}: pg_dump reads every table with an empty one
     * ({@code backup} runs it as the owner with the system identity), and a policy function that named a table
     * without a pinned path failed there ("relation users does not exist", found with pg_dump 18; V67).
     */
    @Test
    void everyTableReadsWithAnEmptySearchPathAsTheSystemAndAsAUser() throws Exception {
        java.util.Map<String, Long> expected = new java.util.TreeMap<>();
        String schema;
        try (Connection c = pg.connect()) {
            for (String table : tables(c)) expected.put(table, count(c, table));
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select current_schema()")) {
                rs.next();
                schema = rs.getString(1);
            }
        }
        assertThat(expected.get("organization_invitations"))
                .as("the world invites someone")
                .isPositive();
        // The stranger: invited by org A, so the invitation policy's names function decides a row.
        AccessScope stranger = world.scope(ActorWorld.Actor.STRANGER);
        for (String identity : List.of("system", "user")) {
            try (Connection c = as(pg.ownerLocation())) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("select set_config('dialup.user_id', ?, true),"
                        + " set_config('dialup.system', ?, true), set_config('search_path', '', true)")) {
                    ps.setString(
                            1,
                            identity.equals("user")
                                    ? Long.toString(stranger.userId().orElseThrow())
                                    : "");
                    ps.setString(2, identity.equals("system") ? "on" : "");
                    ps.execute();
                }
                for (String table : expected.keySet()) {
                    long n;
                    try (Statement st = c.createStatement();
                            ResultSet rs =
                                    st.executeQuery("select count(*) from \"" + schema + "\".\"" + table + "\"")) {
                        rs.next();
                        n = rs.getLong(1);
                    }
                    if (identity.equals("system")) {
                        assertThat(n).as("%s as the system", table).isEqualTo(expected.get(table));
                    } else if (table.equals("organization_invitations")) {
                        assertThat(n).as("invitations the stranger sees").isEqualTo(1);
                    } else {
                        assertThat(n).as("%s as the stranger", table).isLessThanOrEqualTo(expected.get(table));
                    }
                }
                c.rollback();
            }
        }
    }

    @Test
    void aQueryMissingTheTenantConditionSeesAndWritesOnlyTheCallersTenant() throws Exception {
        AccessScope stranger = world.scope(ActorWorld.Actor.STRANGER);
        AccessScope owner = world.scope(ActorWorld.Actor.ORG_OWNER);
        long orgSite = world.orgSite;
        long personal = world.personalSite;
        var before = DbSnapshot.of(db);

        // Through the library's entry point, with no tenant condition at all.
        List<Long> strangerSees =
                db.read(stranger, tx -> tx.select(SITES.ID).from(SITES).fetch(SITES.ID));
        assertThat(strangerSees).doesNotContain(orgSite, personal);
        List<Long> ownerSees =
                db.read(owner, tx -> tx.select(SITES.ID).from(SITES).fetch(SITES.ID));
        assertThat(ownerSees).contains(orgSite).doesNotContain(personal);

        int updated = db.write(
                stranger,
                tx -> tx.update(SITES)
                        .set(SITES.DESCRIPTION, "pwned")
                        .where(org.jooq.impl.DSL.trueCondition())
                        .execute());
        int deleted = db.write(
                stranger,
                tx -> tx.deleteFrom(SITES)
                        .where(org.jooq.impl.DSL.trueCondition())
                        .execute());
        assertThat(updated).isZero();
        assertThat(deleted).isZero();
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        // Plain SQL on the runtime role with the stranger's identity: inserting into another tenant is refused.
        try (Connection c = as(pg.runtimeLocation())) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "select set_config('dialup.user_id', ?, true), set_config('dialup.system', '', true)")) {
                ps.setString(1, Long.toString(stranger.userId().orElseThrow()));
                ps.execute();
            }
            assertThat(count(c, "site_environment_variables")).isZero();
            try (Statement st = c.createStatement()) {
                assertThatThrownBy(() ->
                                st.executeUpdate("insert into site_environment_variables (site_id, key, value) values ("
                                        + orgSite + ", 'STOLEN', 'x')"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            }
            c.rollback();
        }
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void withoutAScopeTheLibrarySeesNoTenantRowAndTheSystemScopeSeesAll() {
        long all = db.read(db.systemScope("rls-test"), tx -> (long) tx.fetchCount(SITES));
        assertThat(all).isGreaterThan(2);
        int unscoped = db.read(tx -> tx.fetchCount(SITES));
        assertThat(unscoped).isZero();
        // A system scope minted by another DialupDatabase carries no identity here.
        try (DialupDatabase other = DialupDatabase.builder()
                .location(pg.location())
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .build()) {
            AccessScope foreign = other.systemScope("rls-test");
            int foreignSees = db.read(foreign, tx -> tx.fetchCount(SITES));
            assertThat(foreignSees).isZero();
        }
    }

    @Test
    void theIdentityLastsOneTransactionAndANestedScopeIsRestored() {
        AccessScope stranger = world.scope(ActorWorld.Actor.STRANGER);
        AccessScope system = db.systemScope("rls-test");
        String inside = db.read(
                stranger,
                tx -> tx.fetchValue(org.jooq.impl.DSL.field("current_setting('dialup.user_id', true)", String.class)));
        assertThat(inside).isEqualTo(Long.toString(stranger.userId().orElseThrow()));
        // The pooled connection carries nothing into the next transaction.
        for (int i = 0; i < 10; i++) {
            String after = db.read(tx -> tx.fetchValue(
                    org.jooq.impl.DSL.field("coalesce(current_setting('dialup.user_id', true), '')", String.class)));
            assertThat(after).isEmpty();
        }
        long[] seen = new long[3];
        db.writeVoid(stranger, tx -> {
            seen[0] = tx.fetchCount(SITES);
            seen[1] = db.read(system, inner -> (long) inner.fetchCount(SITES));
            seen[2] = tx.fetchCount(SITES);
        });
        assertThat(seen[1]).isGreaterThan(seen[0]);
        assertThat(seen[2]).isEqualTo(seen[0]);
    }

    /**
     * The set-up and the identity go to the server in one prepared statement: the set-up must still come first
     * (the isolation is only settable before the transaction's first snapshot), and both must take effect.
     */
    @Test
    void aScopedTransactionGetsItsIsolationLockTimeoutAndIdentityTogether() {
        AccessScope stranger = world.scope(ActorWorld.Actor.STRANGER);
        String user = Long.toString(stranger.userId().orElseThrow());
        org.jooq.Field<String> settings = org.jooq.impl.DSL.field(
                "current_setting('transaction_isolation') || '|' || current_setting('lock_timeout') || '|'"
                        + " || current_setting('dialup.user_id', true) || '|' || current_setting('dialup.system', true)",
                String.class);
        String read = db.read(stranger, tx -> tx.fetchValue(settings));
        String write = db.write(stranger, tx -> tx.fetchValue(settings));
        assertThat(read).matches("repeatable read\\|[1-9][0-9]*(ms|s)\\|" + user + "\\|");
        assertThat(write).matches("serializable\\|[1-9][0-9]*(ms|s)\\|" + user + "\\|");
        String system = db.read(db.systemScope("rls-test"), tx -> tx.fetchValue(settings));
        assertThat(system).matches("repeatable read\\|[1-9][0-9]*(ms|s)\\|\\|on");
    }

    @Test
    void grantingTheRuntimeRoleRefusesRolesThatWouldBypassOrOwn() throws Exception {
        assertThatThrownBy(() -> RuntimeRole.grant(pg.ownerLocation(), "Robert'); drop table users;--"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> RuntimeRole.grant(pg.ownerLocation(), "no_such_role_x"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("no such role");
        assertThatThrownBy(() -> RuntimeRole.grant(pg.ownerLocation(), "postgres"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("BYPASSRLS");
        assertThatThrownBy(() -> RuntimeRole.grant(pg.ownerLocation(), PgTestServer.OWNER))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("owner");
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rls_bypasser') THEN"
                    + " CREATE ROLE rls_bypasser LOGIN BYPASSRLS; END IF; END $$");
        }
        assertThatThrownBy(() -> RuntimeRole.grant(pg.ownerLocation(), "rls_bypasser"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("BYPASSRLS");
        RuntimeRole.Report again = RuntimeRole.grant(pg.ownerLocation(), PgTestServer.RUNTIME);
        assertThat(again.tables()).isGreaterThan(20);
    }

    @Test
    void scopesBuiltForUsersStillWork() {
        long id = world.id(ActorWorld.Actor.STRANGER);
        assertThat(new AccessScopes(db).forUser(id).userId()).contains(id);
    }
}
