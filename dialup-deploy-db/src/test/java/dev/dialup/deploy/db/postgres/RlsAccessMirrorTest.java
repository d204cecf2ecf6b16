package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * V72: each user's organization access kept in their row-level security mirror row ({@code dialup_rls.users.access},
 * with the generated {@code orgs} and {@code memberships} the policies and {@code dialup_rls_facts} read) must equal
 * what the tables say — memberships in active organizations — after any change, and after concurrent changes under
 * READ COMMITTED, where an increment computed from a stale snapshot would leave a grant behind.
 */
class RlsAccessMirrorTest {
    static PgTestServer.Database pg;
    static DialupDatabase db;
    static List<Long> users = new ArrayList<>();
    static List<Long> orgs = new ArrayList<>();

    @BeforeAll
    static void world() {
        pg = PgTestServer.freshMigratedDatabase("rlsaccess");
        db = DialupDatabase.builder()
                .location(pg.location())
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .build();
        Fixtures f = new Fixtures(db);
        for (int i = 0; i < 5; i++) users.add(f.user("access-user-" + i));
        for (int i = 0; i < 4; i++) orgs.add(f.org("Access Org " + i, users.get(i)));
    }

    @AfterAll
    static void close() {
        db.close();
        pg.close();
    }

    private static Connection owner() throws SQLException {
        Connection c = JdbcUrls.postgresDataSource(pg.ownerLocation()).getConnection();
        c.setAutoCommit(false);
        return c;
    }

    /** Opens a READ COMMITTED transaction on {@code c} with the system identity (the owner is under the policies too). */
    private static void begin(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("select set_config('dialup.system', 'on', true)");
        }
    }

    private static void run(Connection c, String sql) throws SQLException {
        begin(c);
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
        c.commit();
    }

    /** user id → "orgId:role" pairs, sorted: from the mirror rows' access and from the tables. */
    private static Map<Long, String> access(Connection c, boolean fromMirror) throws SQLException {
        String sql = fromMirror
                ? "select u.user_id, (select string_agg(e.key || ':' || e.value, ',' order by e.key::bigint)"
                        + " from jsonb_each_text(u.access) e), u.orgs, u.memberships from dialup_rls.users u"
                : "select u.id, (select string_agg(m.organization_id || ':' || m.role, ',' order by m.organization_id)"
                        + " from organization_members m join organizations o on o.id = m.organization_id"
                        + " and o.is_active where m.user_id = u.id), null, null from users u";
        Map<Long, String> result = new TreeMap<>();
        begin(c);
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String pairs = rs.getString(2);
                if (fromMirror) {
                    // the generated columns say the same as the map they come from
                    List<Long> ids =
                            new ArrayList<>(List.of((Long[]) rs.getArray(3).getArray()));
                    assertThat(ids).containsExactlyInAnyOrderElementsOf(ids(pairs));
                    assertThat(sortedPairs(rs.getString(4))).isEqualTo(pairs == null ? "" : pairs);
                }
                result.put(rs.getLong(1), pairs == null ? "" : pairs);
            }
        }
        c.commit();
        return result;
    }

    private static List<Long> ids(String pairs) {
        List<Long> ids = new ArrayList<>();
        if (pairs != null) {
            for (String p : pairs.split(",")) ids.add(Long.parseLong(p.substring(0, p.indexOf(':'))));
        }
        return ids;
    }

    private static String sortedPairs(String memberships) {
        if (memberships == null) return "";
        return String.join(
                ",",
                List.of(memberships.split(",")).stream()
                        .sorted((a, b) -> Long.compare(ids(a).get(0), ids(b).get(0)))
                        .toList());
    }

    private static void assertMirrorMatchesTables(Connection c, String after) throws SQLException {
        assertThat(access(c, true)).as("access after %s", after).isEqualTo(access(c, false));
    }

    @Test
    void eachUsersAccessFollowsEveryChangeOfMembershipsAndOrganizations() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        // owner memberships follow organizations.owner_id (a trigger): the random steps leave them alone
        String[] roles = {"admin", "member"};
        try (Connection c = owner()) {
            assertMirrorMatchesTables(c, "the fixtures (seed " + seed + ")");
            int applied = 0;
            for (int step = 0; step < 120; step++) {
                long user = users.get(random.nextInt(users.size()));
                long org = orgs.get(random.nextInt(orgs.size()));
                String role = roles[random.nextInt(roles.length)];
                String sql = switch (random.nextInt(6)) {
                    case 0 ->
                        "insert into organization_members (user_id, organization_id, role) values (" + user + ", " + org
                                + ", '" + role + "') on conflict do nothing";
                    case 1 ->
                        "update organization_members set role = '" + role + "' where user_id = " + user
                                + " and role <> 'owner'";
                    case 2 ->
                        "delete from organization_members where user_id = " + user + " and organization_id = " + org
                                + " and role <> 'owner'";
                    case 3 -> "update organizations set is_active = not coalesce(is_active, false) where id = " + org;
                    case 4 -> "update organizations set is_active = null where id = " + org;
                    default ->
                        "update organization_members m set organization_id = " + org
                                + " where m.user_id = " + user + " and not exists (select 1 from"
                                + " organization_members o where o.user_id = m.user_id and o.organization_id = "
                                + org + ") and m.id = (select min(id) from organization_members where user_id = "
                                + user + " and role <> 'owner')";
                };
                try {
                    run(c, sql);
                    applied++;
                } catch (SQLException e) {
                    // refused by the schema's own rules (the owner's membership stays): rolled back, mirror included
                    assertThat(e.getSQLState())
                            .as("step %d (seed %d): %s", step, seed, sql)
                            .isEqualTo("23514");
                    c.rollback();
                }
                assertMirrorMatchesTables(c, "step " + step + " (seed " + seed + "): " + sql);
            }
            assertThat(applied).as("steps applied (seed %d)", seed).isGreaterThan(60);
            // An organization deleted with its memberships, and a rebuild from the mirrors, agree too.
            long last = orgs.get(orgs.size() - 1);
            run(c, "update organizations set is_active = true where id = " + last);
            run(c, "update sites set organization_id = null where organization_id = " + last);
            run(c, "delete from organization_invitations where organization_id = " + last);
            begin(c);
            try (Statement st = c.createStatement()) {
                // the library never deletes an organization; an operator would, past the owner's guard
                st.execute(
                        "alter table organization_members disable trigger trg_organization_members_owner_delete_guard");
                st.execute("delete from organization_members where organization_id = " + last);
                st.execute("delete from organizations where id = " + last);
                st.execute(
                        "alter table organization_members enable trigger trg_organization_members_owner_delete_guard");
            }
            c.commit();
            orgs.remove(last);
            assertMirrorMatchesTables(c, "deleting an organization (seed " + seed + ")");
            Map<Long, String> before = access(c, true);
            run(c, "select dialup_rls_refresh()");
            assertThat(access(c, true)).isEqualTo(before);
        }
    }

    /** Whether the backend {@code pid} waits for a lock. */
    private static boolean waitsForALock(Connection c, int pid) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("select wait_event_type = 'Lock' from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * {@code first} runs {@code firstSql} and holds its transaction open; {@code second} runs {@code secondSql} in
     * another thread, which must wait for a lock; then {@code first} commits and {@code second} finishes and commits.
     */
    private static void secondWaitsForTheFirst(
            Connection first, String firstSql, Connection second, String secondSql, Connection observer)
            throws Exception {
        begin(first);
        try (Statement st = first.createStatement()) {
            st.execute(firstSql);
        }
        int secondPid = pid(second);
        second.commit();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                run(second, secondSql);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        // No time bound: the second either blocks on the first's lock (seen in pg_stat_activity) or finishes, and
        // finishing without having waited fails the assertion.
        while (!waitsForALock(observer, secondPid)) {
            assertThat(waiting).as("the second transaction waits for the first").isNotDone();
            Thread.sleep(10);
        }
        first.commit();
        waiting.join();
    }

    /**
     * READ COMMITTED, both orders: a membership added while its organization is being deactivated, and an
     * organization deactivated while a membership in it is being added. Neither leaves the organization in the
     * member's access (the membership's trigger reads the organization's mirror row FOR SHARE; the deactivation
     * withdraws in a statement that starts after the added membership committed).
     */
    @Test
    void aMembershipAddedWhileItsOrganizationIsDeactivatedGrantsNothingInEitherOrder() throws Exception {
        long org = orgs.get(0);
        long joiner = users.get(4);
        long other = users.get(3);
        try (Connection first = owner();
                Connection second = owner();
                Connection observer =
                        JdbcUrls.postgresDataSource(pg.ownerLocation()).getConnection()) {
            run(first, "update organizations set is_active = true where id = " + org);
            run(
                    first,
                    "delete from organization_members where organization_id = " + org + " and user_id in (" + joiner
                            + ", " + other + ")");
            // Deactivation first, the membership waits for it.
            secondWaitsForTheFirst(
                    first,
                    "update organizations set is_active = false where id = " + org,
                    second,
                    "insert into organization_members (user_id, organization_id, role) values (" + joiner + ", " + org
                            + ", 'member')",
                    observer);
            assertMirrorMatchesTables(first, "a membership added during a deactivation");
            assertThat(access(first, true).get(joiner)).doesNotContain(org + ":");

            run(first, "update organizations set is_active = true where id = " + org);
            assertThat(access(first, true).get(joiner)).contains(org + ":member");
            // The membership first, the deactivation waits for it.
            secondWaitsForTheFirst(
                    first,
                    "insert into organization_members (user_id, organization_id, role) values (" + other + ", " + org
                            + ", 'admin')",
                    second,
                    "update organizations set is_active = false where id = " + org,
                    observer);
            assertMirrorMatchesTables(first, "a deactivation during a membership's addition");
            assertThat(access(first, true).get(other)).doesNotContain(org + ":");
            run(first, "update organizations set is_active = true where id = " + org);
            assertThat(access(first, true).get(other)).contains(org + ":admin");
        }
    }
}
