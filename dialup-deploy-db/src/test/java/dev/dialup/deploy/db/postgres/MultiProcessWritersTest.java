package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.ops.Verifier;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several app servers on one PostgreSQL database: four separate JVMs ({@link MultiProcessWriter}), each with its own
 * {@code DialupDatabase} and pools, start writing together (a barrier file) and make 1,002 writes each through the
 * repositories — users, organizations, invitations, acceptances, ownership transfers, sites, domains, deployments
 * and their status changes — on names that collide across the processes on purpose. Afterwards every invariant is
 * checked on the database itself:
 *
 * <ul>
 *   <li>each row of the tables written is one a worker reported as committed, with the values it reported, and each
 *       reported commit is there (nothing lost, nothing extra: a collision left nothing behind);
 *   <li>names, slugs, emails and domains are unique (case-insensitively where the rules say so); one pending
 *       invitation per organization and invitee; one primary domain per site with domains;
 *   <li>exactly one owner per organization, the one {@code organizations.owner_id} names, and the owner the last
 *       reported transfer chose;
 *   <li>each deployment's audited status changes form one legal path from pending to its current status, and equal
 *       the changes the workers reported;
 *   <li>one audit row per reported write (a retried transaction did not record twice), and {@link Verifier} finds
 *       nothing wrong.
 * </ul>
 *
 * Collisions must have happened (conflicts on every colliding kind); retries are reported, not required.
 */
class MultiProcessWritersTest {
    static final int WORKERS = 4;
    static final int ROUNDS = 100;
    /** Per worker: its owner and home site before the barrier, then ten writes a round. */
    static final int WRITES = 2 + 10 * ROUNDS;

    @TempDir
    Path dir;

    /** One outcome line of a worker. */
    record Line(int worker, String outcome, String op, List<String> fields) {
        String f(int i) {
            return fields.get(i);
        }

        long id(int i) {
            return Long.parseLong(fields.get(i));
        }
    }

    @Test
    void fourJvmsWritingTogetherKeepEveryInvariant() throws Exception {
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("multiprocess")) {
            try (DialupDatabase db =
                    DialupDatabase.builder().location(pg.location()).build()) {
                ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "4");
            }
            List<Line> lines = runWorkers(pg.location());
            try (Connection c = pg.connect()) {
                checkEverything(c, lines);
            }
            Verifier.Report report = Verifier.verify(pg.location());
            assertThat(report.problems()).isEmpty();
            assertThat(report.foreignKeyViolations()).isEmpty();
            assertThat(report.ok()).isTrue();
        }
    }

    private List<Line> runWorkers(String location) throws IOException, InterruptedException {
        Path barrier = Files.createDirectories(dir.resolve("barrier"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        try {
            for (int w = 0; w < WORKERS; w++) {
                ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        MultiProcessWriter.class.getName(),
                        location,
                        String.valueOf(w),
                        String.valueOf(ROUNDS),
                        barrier.toString());
                pb.redirectOutput(dir.resolve("worker-" + w + ".out").toFile());
                pb.redirectError(dir.resolve("worker-" + w + ".err").toFile());
                processes.add(pb.start());
            }
            // Release the workers together once all of them are connected and warmed up.
            while (!allReady(barrier, processes)) {
                Thread.sleep(20);
            }
            Files.writeString(barrier.resolve("go"), "go");
            for (int w = 0; w < WORKERS; w++) {
                Process p = processes.get(w);
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    fail("worker " + w + " did not finish (safety limit, not a timing assertion)");
                }
                assertThat(p.exitValue())
                        .as("worker %d exit code; its stderr:%n%s", w, stderr(w))
                        .isZero();
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        List<Line> lines = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            lines.addAll(parse(w));
        }
        return lines;
    }

    private static boolean allReady(Path barrier, List<Process> processes) {
        for (int w = 0; w < processes.size(); w++) {
            if (!processes.get(w).isAlive() && !Files.exists(barrier.resolve("ready-" + w))) {
                return true; // a worker died before the barrier: its exit code is reported below
            }
            if (!Files.exists(barrier.resolve("ready-" + w))) {
                return false;
            }
        }
        return true;
    }

    private String stderr(int w) {
        try {
            return Files.readString(dir.resolve("worker-" + w + ".err"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private List<Line> parse(int w) throws IOException {
        List<Line> lines = new ArrayList<>();
        for (String raw : Files.readAllLines(dir.resolve("worker-" + w + ".out"), StandardCharsets.UTF_8)) {
            if (!raw.startsWith("@@\t")) continue;
            String[] parts = raw.split("\t", -1);
            List<String> fields = List.of(parts).subList(Math.min(3, parts.length), parts.length);
            lines.add(new Line(w, parts[1], parts.length > 2 ? parts[2] : "", fields));
        }
        return lines;
    }

    private void checkEverything(Connection c, List<Line> lines) throws SQLException {
        // Every worker made all its writes and said so.
        for (int w = 0; w < WORKERS; w++) {
            int worker = w;
            List<Line> own = lines.stream().filter(l -> l.worker() == worker).toList();
            assertThat(own)
                    .filteredOn(l -> l.outcome().equals("DONE"))
                    .singleElement()
                    .satisfies(l -> assertThat(l.op()).isEqualTo(String.valueOf(WRITES)));
            assertThat(own.stream()
                            .filter(l ->
                                    Set.of("OK", "CONFLICT", "STALE", "BUSY").contains(l.outcome()))
                            .count())
                    .as("outcomes of worker %d", w)
                    .isEqualTo(WRITES);
        }
        Map<String, Long> outcomes = lines.stream()
                .collect(Collectors.groupingBy(l -> l.outcome() + " " + l.op(), TreeMap::new, Collectors.counting()));
        long retries = lines.stream()
                .filter(l -> l.outcome().equals("RETRIES"))
                .mapToLong(l -> Long.parseLong(l.op()))
                .sum();
        System.out.println("MultiProcessWritersTest: " + WORKERS + " JVMs x " + WRITES + " writes; retries " + retries
                + "; outcomes " + outcomes);
        assertThat(retries).isNotNegative();

        // Collisions were exercised on every colliding kind; derived slugs and distinct domains never collide.
        for (String op : List.of("register", "register-email", "org", "site", "site-slug", "domain")) {
            assertThat(outcomes.getOrDefault("CONFLICT " + op, 0L))
                    .as("conflicts on %s", op)
                    .isPositive();
        }
        for (String op : List.of("org-derived", "domain-shared", "invite")) {
            assertThat(outcomes.getOrDefault("CONFLICT " + op, 0L))
                    .as("conflicts on %s (no caller-visible collision: the library picks or the names differ)", op)
                    .isZero();
        }

        // Nothing lost, nothing extra: each table holds exactly the rows the workers reported, with their values.
        assertSameRows(c, "SELECT id, username, email FROM users", lines, Set.of("register", "register-email"), 3);
        assertSameRows(c, "SELECT id, name, slug FROM organizations", lines, Set.of("org", "org-derived"), 3);
        assertSameRows(
                c, "SELECT id, organization_id, invitee FROM organization_invitations", lines, Set.of("invite"), 3);
        assertSameRows(c, "SELECT id, name, slug FROM sites", lines, Set.of("site", "site-slug"), 3);
        assertSameRows(c, "SELECT id, site_id, domain FROM site_domains", lines, Set.of("domain", "domain-shared"), 3);
        assertSameRows(c, "SELECT id, site_id FROM deployments", lines, Set.of("deploy"), 2);

        // A conflict's value is held by a write some worker reported (the winner), never by the loser.
        Map<String, Set<String>> winners = new HashMap<>();
        winners.put("register", values(lines, Set.of("register", "register-email"), 1));
        winners.put("register-email", values(lines, Set.of("register", "register-email"), 2));
        winners.put("org", values(lines, Set.of("org", "org-derived"), 1));
        winners.put("site", values(lines, Set.of("site", "site-slug"), 1));
        winners.put("site-slug", values(lines, Set.of("site", "site-slug"), 2));
        winners.put("domain", values(lines, Set.of("domain", "domain-shared"), 2));
        for (Line l : lines) {
            if (l.outcome().equals("CONFLICT") && winners.containsKey(l.op())) {
                assertThat(winners.get(l.op()))
                        .as("winner of %s %s", l.op(), l.f(0))
                        .contains(l.f(0).toLowerCase(java.util.Locale.ROOT));
            }
        }

        // Uniqueness, checked on the rows themselves.
        for (String sql : List.of(
                "SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1",
                "SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1",
                "SELECT name_key FROM organizations GROUP BY name_key HAVING count(*) > 1",
                "SELECT lower(slug) FROM organizations GROUP BY lower(slug) HAVING count(*) > 1",
                "SELECT name_key FROM sites GROUP BY name_key HAVING count(*) > 1",
                "SELECT lower(slug) FROM sites GROUP BY lower(slug) HAVING count(*) > 1",
                "SELECT lower(domain) FROM site_domains GROUP BY lower(domain) HAVING count(*) > 1",
                "SELECT organization_id, invitee FROM organization_invitations WHERE status = 'pending'"
                        + " GROUP BY organization_id, invitee HAVING count(*) > 1",
                "SELECT site_id FROM site_domains GROUP BY site_id"
                        + " HAVING sum(CASE WHEN is_primary THEN 1 ELSE 0 END) <> 1")) {
            assertThat(rows(c, sql)).as(sql).isEmpty();
        }
        // Derived slugs of distinct names stepped aside (org-7, org-7-2, ...) instead of failing.
        assertThat(rows(c, "SELECT id, slug FROM organizations WHERE slug LIKE 'org-%-_'"))
                .as("derived slugs that stepped aside")
                .isNotEmpty();

        // Exactly one owner per organization: the member organizations.owner_id names.
        assertThat(rows(
                        c,
                        "SELECT o.id FROM organizations o WHERE (SELECT count(*) FROM organization_members m"
                                + " WHERE m.organization_id = o.id AND m.role = 'owner') <> 1 OR NOT EXISTS (SELECT 1"
                                + " FROM organization_members m WHERE m.organization_id = o.id"
                                + " AND m.user_id = o.owner_id AND m.role = 'owner')"))
                .isEmpty();
        // Members: each organization's creator plus each accepted invitation, nothing else.
        List<Line> accepts = ok(lines, Set.of("accept"));
        assertThat(count(c, "SELECT count(*) FROM organization_members"))
                .isEqualTo(ok(lines, Set.of("org", "org-derived")).size() + accepts.size());
        for (Line a : accepts) {
            assertThat(count(
                            c,
                            "SELECT count(*) FROM organization_invitations i JOIN organization_members m"
                                    + " ON m.organization_id = i.organization_id AND m.user_id = i.responder_id"
                                    + " WHERE i.status = 'accepted' AND i.id = " + a.id(0) + " AND i.organization_id = "
                                    + a.id(1) + " AND m.user_id = " + a.id(2)))
                    .as("accepted invitation %s", a.f(0))
                    .isEqualTo(1);
        }
        assertThat(count(c, "SELECT count(*) FROM organization_invitations WHERE status = 'accepted'"))
                .isEqualTo(accepts.size());
        assertThat(count(
                        c,
                        "SELECT count(*) FROM organization_members m JOIN users u ON u.id = m.user_id"
                                + " WHERE u.username LIKE 'owner-w%' AND NOT EXISTS (SELECT 1 FROM"
                                + " organization_invitations i WHERE i.status = 'accepted'"
                                + " AND i.organization_id = m.organization_id AND i.responder_id = m.user_id)"))
                .as("creators' memberships")
                .isEqualTo(ok(lines, Set.of("org", "org-derived")).size());

        // Ownership transfers: the audited ones are the reported ones, and the last one decided the owner.
        Pattern to = Pattern.compile("\"to\":\"?(\\d+)");
        Map<Long, Long> lastOwner = new HashMap<>();
        List<String> auditedTransfers = new ArrayList<>();
        for (List<String> r : rows(
                c,
                "SELECT target_id, details FROM audit_log WHERE action = 'organization.transfer_ownership' ORDER BY id")) {
            Matcher m = to.matcher(r.get(1));
            assertThat(m.find()).as(r.get(1)).isTrue();
            lastOwner.put(Long.parseLong(r.get(0)), Long.parseLong(m.group(1)));
            auditedTransfers.add(r.get(0) + ">" + m.group(1));
        }
        assertThat(auditedTransfers)
                .containsExactlyInAnyOrderElementsOf(ok(lines, Set.of("transfer")).stream()
                        .map(l -> l.f(0) + ">" + l.f(1))
                        .toList());
        for (List<String> r : rows(c, "SELECT id, owner_id FROM organizations")) {
            Long last = lastOwner.get(Long.parseLong(r.get(0)));
            if (last != null) {
                assertThat(Long.parseLong(r.get(1)))
                        .as("owner of organization %s", r.get(0))
                        .isEqualTo(last);
            }
        }

        // Deployments: audited status changes are the reported ones and form one legal path each.
        checkDeploymentPaths(c, lines);

        // One audit row per reported write: nothing recorded twice by a retried transaction, nothing missing.
        Map<String, Set<String>> actions = Map.of(
                "user.register", Set.of("register", "register-email"),
                "organization.create", Set.of("org", "org-derived"),
                "organization.invite", Set.of("invite"),
                "organization.invitation_accept", Set.of("accept"),
                "organization.transfer_ownership", Set.of("transfer"),
                "site.create", Set.of("site", "site-slug"),
                "domain.add", Set.of("domain", "domain-shared"),
                "deployment.create", Set.of("deploy"),
                "deployment.status", Set.of("transition"));
        for (var e : actions.entrySet()) {
            assertThat(count(c, "SELECT count(*) FROM audit_log WHERE action = '" + e.getKey() + "'"))
                    .as("audit rows %s", e.getKey())
                    .isEqualTo(ok(lines, e.getValue()).size());
        }
        assertThat(count(c, "SELECT count(*) FROM audit_log"))
                .as("no other audit rows")
                .isEqualTo(
                        ok(lines, actions.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                                .size());
    }

    private void checkDeploymentPaths(Connection c, List<Line> lines) throws SQLException {
        Map<Long, List<String[]>> audited = new HashMap<>();
        Pattern fromTo = Pattern.compile("\"from\":\"(\\w+)\".*\"to\":\"(\\w+)\"");
        for (List<String> r :
                rows(c, "SELECT target_id, details FROM audit_log WHERE action = 'deployment.status' ORDER BY id")) {
            Matcher m = fromTo.matcher(r.get(1));
            assertThat(m.find()).as(r.get(1)).isTrue();
            audited.computeIfAbsent(Long.parseLong(r.get(0)), k -> new ArrayList<>())
                    .add(new String[] {m.group(1), m.group(2)});
        }
        List<String> auditedSteps = new ArrayList<>();
        audited.forEach((id, steps) -> steps.forEach(s -> auditedSteps.add(id + ">" + s[1])));
        assertThat(auditedSteps)
                .containsExactlyInAnyOrderElementsOf(ok(lines, Set.of("transition")).stream()
                        .map(l -> l.f(0) + ">" + l.f(1))
                        .toList());
        int moved = 0;
        for (List<String> r : rows(
                c,
                "SELECT id, status, started_at IS NOT NULL, finished_at IS NOT NULL, build_time_seconds IS NOT NULL"
                        + " FROM deployments")) {
            long id = Long.parseLong(r.get(0));
            DeploymentStatus current = DeploymentStatus.fromDb(r.get(1));
            DeploymentStatus at = DeploymentStatus.PENDING;
            boolean built = false;
            for (String[] step : audited.getOrDefault(id, List.of())) {
                assertThat(step[0])
                        .as("deployment %d: a step starts where the last ended", id)
                        .isEqualTo(at.dbValue());
                DeploymentStatus next = DeploymentStatus.fromDb(step[1]);
                assertThat(at.canMoveTo(next))
                        .as("deployment %d: %s -> %s", id, at, next)
                        .isTrue();
                built |= next == DeploymentStatus.BUILDING;
                at = next;
                moved++;
            }
            assertThat(current).as("deployment %d status", id).isEqualTo(at);
            assertThat(Boolean.parseBoolean(r.get(2)))
                    .as("deployment %d started_at", id)
                    .isEqualTo(built);
            assertThat(Boolean.parseBoolean(r.get(3)))
                    .as("deployment %d finished_at", id)
                    .isEqualTo(at.isFinal());
            assertThat(Boolean.parseBoolean(r.get(4)))
                    .as("deployment %d build time", id)
                    .isEqualTo(at.isFinal() && built);
        }
        assertThat(moved).as("status changes").isPositive();
    }

    private static List<Line> ok(List<Line> lines, Set<String> ops) {
        return lines.stream()
                .filter(l -> l.outcome().equals("OK") && ops.contains(l.op()))
                .toList();
    }

    /** The rows of {@code sql} are exactly the reported ones ({id, values...}), in any order. */
    private static void assertSameRows(Connection c, String sql, List<Line> lines, Set<String> ops, int columns)
            throws SQLException {
        List<String> actual =
                rows(c, sql).stream().map(String::valueOf).sorted().toList();
        List<String> expected = ok(lines, ops).stream()
                .map(l -> String.valueOf(l.fields().subList(0, columns)))
                .sorted()
                .toList();
        assertThat(actual).as(sql).isEqualTo(expected);
    }

    private static Set<String> values(List<Line> lines, Set<String> ops, int field) {
        return ok(lines, ops).stream()
                .map(l -> l.f(field).toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.toSet());
    }

    private static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    row.add(v == null ? null : String.valueOf(v));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
