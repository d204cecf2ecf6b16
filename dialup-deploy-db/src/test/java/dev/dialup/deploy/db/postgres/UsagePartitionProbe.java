package dev.dialup.deploy.db.postgres;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A throw-away measurement behind the PostgreSQL usage layout (docs/schema.md, "Usage on PostgreSQL"): NOT a
 * test and never run by the build. It loads the benchmark shape (1,000 sites × 7 days × 30 s) into a fresh
 * database of the embedded test server, then prints EXPLAIN ANALYZE timings of the query shapes of
 * {@code UsageQueries}/{@code UsageEnforcement} for daily vs weekly partitions and with/without a BRIN index
 * on {@code ts}, and the ingest rate of the library's one-statement batch against pgjdbc's
 * {@code reWriteBatchedInserts} with per-row triggers. Run from the module directory:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.dialup.deploy.db.postgres.UsagePartitionProbe}.
 */
public final class UsagePartitionProbe {
    static final int SITES = Integer.getInteger("sites", 1000);
    static final int DAYS = Integer.getInteger("days", 7);
    static final long DAY = 86_400;

    public static void main(String[] args) throws Exception {
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("probe")) {
            long today = Math.floorDiv(Instant.now().getEpochSecond(), DAY) * DAY;
            long start = today - DAYS * DAY;
            List<Long> sites = new ArrayList<>();
            try (DialupDatabase db = DialupDatabase.builder()
                    .location(pg.location())
                    .allowSystemScope()
                    .insecurePasswordHashingForTests()
                    .build()) {
                Fixtures f = new Fixtures(db);
                long owner = f.user("owner");
                for (int i = 0; i < SITES; i++) sites.add(f.personalSite("site-" + i, owner));
                if (Boolean.parseBoolean(System.getProperty("ingest", "true"))) ingest(db, pg, sites, today);
            }
            try (Connection c = pg.connect()) {
                c.setAutoCommit(true);
                long t0 = System.nanoTime();
                exec(
                        c,
                        "SELECT dialup_usage_partition_ensure(d) FROM generate_series(" + start + "::bigint, "
                                + (today - DAY) + ", 86400) d");
                for (long d = start; d < today; d += DAY) {
                    exec(
                            c,
                            "INSERT INTO usage_samples SELECT s.id, t, (random()*90000)::bigint, (random()*10000)::bigint,"
                                    + " (random()*200000)::bigint, (random()*3000)::bigint, (random()*400)::bigint,"
                                    + " (random()*50000)::bigint FROM generate_series(" + d + "::bigint, "
                                    + (d + DAY - 30)
                                    + ", 30) t CROSS JOIN (SELECT id FROM sites) s ORDER BY t, s.id");
                }
                System.out.printf("loaded %d days in %.1f s%n", DAYS, (System.nanoTime() - t0) / 1e9);
                boolean weekly = Boolean.parseBoolean(System.getProperty("weekly", "true"));
                if (weekly) {
                    // Weekly twin with the same rows (weeks aligned to the epoch's week: Thursday 00:00 UTC).
                    exec(
                            c,
                            "CREATE TABLE usage_weekly (LIKE usage_samples INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
                                    + " PRIMARY KEY (site_id, ts)) PARTITION BY RANGE (ts)");
                    long w0 = Math.floorDiv(start, 7 * DAY) * 7 * DAY;
                    for (long w = w0; w < today + 7 * DAY; w += 7 * DAY) {
                        exec(
                                c,
                                "CREATE TABLE usage_weekly_" + w + " PARTITION OF usage_weekly FOR VALUES FROM (" + w
                                        + ") TO (" + (w + 7 * DAY) + ")");
                    }
                    t0 = System.nanoTime();
                    exec(c, "INSERT INTO usage_weekly SELECT * FROM usage_samples ORDER BY ts, site_id");
                    System.out.printf("weekly copy %.1f s%n", (System.nanoTime() - t0) / 1e9);
                    size(c, "usage_weekly");
                }
                exec(
                        c,
                        "INSERT INTO usage_latest SELECT DISTINCT ON (site_id) " + "site_id, ts, memory_mb_x100,"
                                + " cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000, active_requests, response_time_ms_x100"
                                + " FROM usage_samples ORDER BY site_id, ts DESC ON CONFLICT DO NOTHING");
                exec(c, "VACUUM ANALYZE");
                size(c, "usage_samples");
                long site = sites.get(sites.size() / 2);
                long now = today - 1; // the loaded data ends just before today
                for (String table : weekly ? List.of("usage_samples", "usage_weekly") : List.of("usage_samples")) {
                    queries(c, table, site, now);
                }
                if (Boolean.parseBoolean(System.getProperty("covering", "false"))) {
                    exec(
                            c,
                            "CREATE UNIQUE INDEX usage_samples_covering ON usage_samples (site_id, ts) INCLUDE"
                                    + " (memory_mb_x100, cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000, active_requests,"
                                    + " response_time_ms_x100)");
                    exec(c, "VACUUM ANALYZE usage_samples");
                    size(c, "usage_samples");
                    System.out.println("-- daily partitions + covering (site_id, ts) INCLUDE (values)");
                    queries(c, "usage_samples", site, now);
                    exec(c, "DROP INDEX usage_samples_covering");
                }
                exec(c, "CREATE INDEX usage_samples_ts_brin ON usage_samples USING brin (ts)");
                exec(c, "ANALYZE usage_samples");
                size(c, "usage_samples");
                System.out.println("-- daily partitions + BRIN (ts)");
                queries(c, "usage_samples", site, now);
                exec(c, "DROP INDEX usage_samples_ts_brin");
                // Retention: one day by DROP of its partition vs DELETE of its rows from the weekly table.
                t0 = System.nanoTime();
                try (ResultSet rs = c.createStatement()
                        .executeQuery("SELECT * FROM dialup_usage_partition_drop_before(" + (start + DAY) + ")")) {
                    rs.next();
                    System.out.printf(
                            "drop partition %s (%d rows): %.1f ms%n",
                            rs.getString(1), rs.getLong(4), (System.nanoTime() - t0) / 1e6);
                }
                t0 = System.nanoTime();
                if (weekly) {
                    int n = c.createStatement().executeUpdate("DELETE FROM usage_weekly WHERE ts < " + (start + DAY));
                    System.out.printf("delete %d rows of one day: %.1f ms%n", n, (System.nanoTime() - t0) / 1e6);
                }
            }
        }
        System.exit(0);
    }

    /** Library ingest (one unnest statement per 1,000-sample round) vs reWriteBatchedInserts + row triggers. */
    static void ingest(DialupDatabase db, PgTestServer.Database pg, List<Long> sites, long today) throws Exception {
        int rounds = Integer.getInteger("rounds", 100);
        UsageRepository usage = new UsageRepository(db);
        AccessScope sys = db.systemScope("probe");
        Random r = new Random(1);
        long base = today + 60; // today's partition is created by the first batch
        usage.recordBatch(sys, round(sites, base - 30, r));
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) usage.recordBatch(sys, round(sites, base + i * 30L, r));
        double lib = rounds * (double) sites.size() / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("library ingest (unnest, one statement per round): %,.0f samples/s%n", lib);

        String url = pg.jdbcUrl() + (pg.jdbcUrl().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        try (Connection c = DriverManager.getConnection(url, pg.properties())) {
            c.setAutoCommit(true);
            exec(
                    c,
                    "CREATE FUNCTION probe_latest() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                            + " INSERT INTO usage_latest VALUES (NEW.site_id, NEW.ts, NEW.memory_mb_x100, NEW.cpu_percent_x100,"
                            + " NEW.disk_mb_x100, NEW.bandwidth_mb_x1000, NEW.active_requests, NEW.response_time_ms_x100)"
                            + " ON CONFLICT (site_id) DO UPDATE SET ts = excluded.ts, memory_mb_x100 = excluded.memory_mb_x100"
                            + " WHERE excluded.ts >= usage_latest.ts; RETURN NULL; END $$");
            exec(
                    c,
                    "CREATE FUNCTION probe_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                            + " INSERT INTO usage_day_totals VALUES (NEW.ts - NEW.ts % 86400, NEW.site_id,"
                            + " coalesce(NEW.bandwidth_mb_x1000, 0), coalesce(NEW.active_requests, 0))"
                            + " ON CONFLICT (day, site_id) DO UPDATE SET bandwidth_mb_x1000 = usage_day_totals.bandwidth_mb_x1000"
                            + " + excluded.bandwidth_mb_x1000, requests = usage_day_totals.requests + excluded.requests;"
                            + " RETURN NULL; END $$");
            exec(
                    c,
                    "CREATE TRIGGER probe_latest AFTER INSERT ON usage_samples FOR EACH ROW EXECUTE FUNCTION probe_latest()");
            exec(
                    c,
                    "CREATE TRIGGER probe_totals AFTER INSERT ON usage_samples FOR EACH ROW EXECUTE FUNCTION probe_totals()");
            c.setAutoCommit(false);
            long base2 = base + rounds * 30L;
            t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (site_id, ts) DO NOTHING")) {
                for (int i = 0; i < rounds; i++) {
                    for (UsageSample s : round(sites, base2 + i * 30L, r)) {
                        ps.setLong(1, s.siteId());
                        ps.setLong(2, s.timestamp().getEpochSecond());
                        for (int k = 3; k <= 8; k++) ps.setLong(k, r.nextInt(10000));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                }
            }
            double rewrite = rounds * (double) sites.size() / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("reWriteBatchedInserts + row triggers: %,.0f samples/s%n", rewrite);
            c.setAutoCommit(true);
            exec(c, "DROP TRIGGER probe_latest ON usage_samples");
            exec(c, "DROP TRIGGER probe_totals ON usage_samples");
            // Raw COPY of the same rounds, no aggregates kept: the floor the issue compares with.
            var copy = new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class));
            long base3 = base2 + rounds * 30L;
            c.setAutoCommit(false);
            t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                StringBuilder sb = new StringBuilder();
                for (long site : sites) {
                    sb.append(site).append('\t').append(base3 + i * 30L);
                    for (int k = 3; k <= 8; k++) sb.append('\t').append(r.nextInt(10000));
                    sb.append('\n');
                }
                copy.copyIn("COPY usage_samples FROM STDIN", new java.io.StringReader(sb.toString()));
                c.commit();
            }
            double raw = rounds * (double) sites.size() / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("raw COPY (no aggregates): %,.0f samples/s%n", raw);
            c.setAutoCommit(true);
            exec(c, "TRUNCATE usage_latest, usage_day_totals");
            exec(c, "DELETE FROM usage_samples WHERE ts >= " + today);
        }
    }

    static List<UsageSample> round(List<Long> sites, long ts, Random r) {
        List<UsageSample> out = new ArrayList<>(sites.size());
        for (long s : sites) {
            out.add(new UsageSample(
                    s,
                    Instant.ofEpochSecond(ts),
                    r.nextDouble() * 900,
                    r.nextDouble() * 100,
                    r.nextDouble() * 2000,
                    r.nextDouble() * 3,
                    r.nextInt(400),
                    r.nextDouble() * 500));
        }
        return out;
    }

    static void queries(Connection c, String t, long site, long now) throws SQLException {
        String cols = "site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000,"
                + " active_requests, response_time_ms_x100";
        long weekFrom = now - 7 * DAY;
        long fromMs = weekFrom * 1000;
        long spanMs = 7 * DAY * 1000;
        explain(
                c,
                t + " 24h series",
                "SELECT " + cols + " FROM " + t + " WHERE site_id = " + site + " AND ts >= " + (now - DAY)
                        + " AND ts < " + now + " ORDER BY ts");
        explain(
                c,
                t + " 7d in 500 buckets",
                "SELECT (ts * 1000 - " + fromMs + ") * 500 / " + spanMs
                        + " AS b, count(*), avg(memory_mb_x100), max(memory_mb_x100), avg(cpu_percent_x100),"
                        + " max(cpu_percent_x100), avg(disk_mb_x100), max(disk_mb_x100), sum(bandwidth_mb_x1000),"
                        + " sum(active_requests), avg(response_time_ms_x100), max(response_time_ms_x100) FROM " + t
                        + " WHERE ts >= " + weekFrom + " AND ts < " + now + " AND site_id = " + site + " GROUP BY b");
        for (long window : new long[] {300, 3600}) {
            explain(
                    c,
                    t + " over limit, window " + window + " s",
                    "SELECT lim.site_id, max(u.memory_mb_x100),"
                            + " max(u.cpu_percent_x100), max(u.disk_mb_x100), max(u.active_requests)"
                            + " FROM site_resource_limits lim CROSS JOIN " + t
                            + " u WHERE u.site_id = lim.site_id AND u.ts >= "
                            + (now - window) + " GROUP BY lim.site_id, lim.max_memory_mb, lim.max_cpu_percent,"
                            + " lim.max_disk_mb, lim.max_requests_per_minute HAVING max(u.memory_mb_x100) > lim.max_memory_mb"
                            + " * 100::bigint OR max(u.cpu_percent_x100) > lim.max_cpu_percent * 100::bigint");
        }
        explain(
                c,
                t + " rollup of a day",
                "SELECT s.id, count(*), avg(u.memory_mb_x100), max(u.memory_mb_x100),"
                        + " avg(u.cpu_percent_x100), max(u.cpu_percent_x100), sum(u.bandwidth_mb_x1000), sum(u.active_requests),"
                        + " avg(u.response_time_ms_x100) FROM sites s CROSS JOIN " + t
                        + " u WHERE u.site_id = s.id AND u.ts >= "
                        + (now + 1 - 2 * DAY) + " AND u.ts < " + (now + 1 - DAY) + " GROUP BY s.id");
        explain(c, "latest for all sites", "SELECT " + cols + " FROM usage_latest ORDER BY site_id");
    }

    /** Median execution time of five EXPLAIN ANALYZE runs (after one warm-up), and the plan's first line. */
    static void explain(Connection c, String label, String sql) throws SQLException {
        double[] ms = new double[5];
        String first = null;
        String nodes = "";
        for (int i = -1; i < ms.length; i++) {
            StringBuilder plan = new StringBuilder();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
                while (rs.next()) plan.append(rs.getString(1)).append('\n');
            }
            String text = plan.toString();
            if (i < 0) {
                first = text.lines().findFirst().orElse("");
                nodes = text.lines()
                        .filter(l -> l.contains("Scan") || l.contains("Buffers") && !l.contains("Planning"))
                        .limit(4)
                        .map(String::trim)
                        .reduce((a, b) -> a + " | " + b)
                        .orElse("");
                continue;
            }
            String exec = text.lines()
                    .filter(l -> l.startsWith("Execution Time"))
                    .findFirst()
                    .orElse("Execution Time: -1 ms");
            ms[i] = Double.parseDouble(exec.replaceAll("[^0-9.]", ""));
        }
        Arrays.sort(ms);
        System.out.printf("%-45s median %8.2f ms  [%s] %s%n", label, ms[2], first.trim(), nodes);
    }

    static void size(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT sum(pg_table_size(i.inhrelid)), sum(pg_indexes_size(i.inhrelid)),"
                                + " count(*) FROM pg_inherits i WHERE i.inhparent = '" + table + "'::regclass")) {
            rs.next();
            System.out.printf(
                    "%s: %d partitions, heap %,d MB, indexes %,d MB%n",
                    table, rs.getLong(3), rs.getLong(1) >> 20, rs.getLong(2) >> 20);
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
