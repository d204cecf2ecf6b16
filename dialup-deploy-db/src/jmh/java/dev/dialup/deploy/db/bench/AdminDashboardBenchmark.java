package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.integration.AdminDashboard;
import dev.dialup.deploy.db.integration.AdminDashboardQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The admin panel's four dashboard aggregates over 1,000 sites, 100,000 deployments (spread
 * over 365 days, ~10% failed) and 90 days of site_usage_daily (90,000 rows), through
 * {@link AdminDashboardQueries}; each against the equivalent hand-written SQL on a raw
 * sqlite-jdbc connection to the same file, in the same run (the same statements the library
 * runs, written by hand). Target: median ≤ 20 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class AdminDashboardBenchmark {
    static final int SITES = 1_000;
    static final int DEPLOYMENTS = 100_000;
    static final int USAGE_DAYS = 90;
    static final Instant NOW = Instant.parse("2026-06-30T12:00:00Z");

    private Path dir;
    private DialupDatabase db;
    private AdminDashboard dashboard;
    private AccessScope admin;
    private Connection raw;
    private PreparedStatement rawSitesActive;
    private PreparedStatement rawSitesByLatest;
    private PreparedStatement rawPerDay;
    private PreparedStatement rawTopSites;
    private PreparedStatement rawTopSiteFigures;
    private PreparedStatement rawFailed;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bench-dashboard");
        Path file = dir.resolve("dashboard.db");
        db = DialupDatabase.builder()
                .allowSystemScope()
                .path(file)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
        seed(file);
        dashboard = new AdminDashboardQueries(db);
        admin = db.systemScope("bench");
        raw = SqliteOnly.dataSource(file, SqliteOnly.readerConfig(Duration.ofSeconds(10)))
                .getConnection();
        rawSitesActive = raw.prepareStatement("SELECT is_active, count(*) FROM sites GROUP BY is_active");
        rawSitesByLatest =
                raw.prepareStatement("SELECT coalesce(d.status, 'none'), count(*) FROM sites s LEFT JOIN deployments d"
                        + " ON d.id = (SELECT max(l.id) FROM deployments l WHERE l.site_id = s.id) GROUP BY 1");
        rawPerDay = raw.prepareStatement("SELECT substr(deployed_at, 1, 10) AS day, count(*), sum(status = 'success'),"
                + " sum(status = 'failed'), sum(status = 'cancelled'), sum(status IN ('pending', 'building'))"
                + " FROM deployments WHERE deployed_at >= ? GROUP BY day ORDER BY day");
        rawTopSites = raw.prepareStatement(
                "SELECT site_id, avg(avg_memory_mb) AS avg_mem FROM site_usage_daily WHERE date >= ?"
                        + " GROUP BY site_id ORDER BY avg_mem DESC, site_id LIMIT 10");
        rawTopSiteFigures = raw.prepareStatement("SELECT u.site_id, s.name, avg(u.avg_memory_mb), max(u.max_memory_mb),"
                + " avg(u.avg_cpu_percent), max(u.max_cpu_percent), count(*) FROM site_usage_daily u JOIN sites s ON s.id = u.site_id"
                + " WHERE u.site_id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) AND u.date >= ? GROUP BY u.site_id, s.name");
        rawFailed = raw.prepareStatement(
                "SELECT d.id, d.site_id, s.name, d.commit_hash, d.branch, d.deployed_by, d.deployed_at,"
                        + " d.finished_at FROM deployments d JOIN sites s ON s.id = d.site_id WHERE d.status = 'failed' ORDER BY d.id DESC LIMIT 20");
    }

    private void seed(Path file) throws Exception {
        try (Connection c = SqliteOnly.dataSource(file, SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                .getConnection()) {
            c.setAutoCommit(false);
            SplittableRandom rnd = new SplittableRandom(42);
            try (Statement st = c.createStatement()) {
                st.executeUpdate(
                        "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.test', '!bench')");
            }
            try (PreparedStatement site = c.prepareStatement(
                    "INSERT INTO sites (name, slug, owner_id, site_type, is_active) VALUES (?, ?, 1, 'dynamic', ?)")) {
                for (int i = 1; i <= SITES; i++) {
                    site.setString(1, "site-" + i);
                    site.setString(2, "site-" + i);
                    site.setBoolean(3, i % 10 != 0);
                    site.addBatch();
                }
                site.executeBatch();
            }
            String[] statuses = {
                "success",
                "success",
                "success",
                "success",
                "success",
                "success",
                "success",
                "failed",
                "cancelled",
                "success"
            };
            try (PreparedStatement dep =
                    c.prepareStatement("INSERT INTO deployments (site_id, commit_hash, branch, status, deployed_at,"
                            + " started_at, finished_at, build_time_seconds) VALUES (?, ?, 'main', ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < DEPLOYMENTS; i++) {
                    // Ids grow with time, as they do in production.
                    Instant at = NOW.minus(Duration.ofDays(365)).plusSeconds((long) i * 365 * 86400 / DEPLOYMENTS);
                    String status = i >= DEPLOYMENTS - 50
                            ? (i % 2 == 0 ? "pending" : "building")
                            : statuses[rnd.nextInt(statuses.length)];
                    int build = 30 + rnd.nextInt(300);
                    dep.setLong(1, 1 + rnd.nextInt(SITES));
                    dep.setString(2, Long.toHexString(rnd.nextLong()));
                    dep.setString(3, status);
                    dep.setString(4, StoredTime.format(at));
                    dep.setString(5, StoredTime.format(at.plusSeconds(5)));
                    dep.setString(
                            6,
                            status.equals("pending") || status.equals("building")
                                    ? null
                                    : StoredTime.format(at.plusSeconds(5 + build)));
                    dep.setObject(7, status.equals("pending") || status.equals("building") ? null : build);
                    dep.addBatch();
                    if (i % 10_000 == 9_999) dep.executeBatch();
                }
                dep.executeBatch();
            }
            try (PreparedStatement u = c.prepareStatement(
                    "INSERT INTO site_usage_daily (site_id, date, avg_memory_mb, max_memory_mb,"
                            + " avg_cpu_percent, max_cpu_percent, total_requests, uptime_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, 86400)")) {
                LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
                for (int s = 1; s <= SITES; s++) {
                    for (int d = 0; d < USAGE_DAYS; d++) {
                        double mem = 50 + rnd.nextDouble() * 900;
                        double cpu = rnd.nextDouble() * 80;
                        u.setLong(1, s);
                        u.setString(2, StoredTime.format(today.minusDays(d)));
                        u.setDouble(3, mem);
                        u.setDouble(4, mem * 1.5);
                        u.setDouble(5, cpu);
                        u.setDouble(6, Math.min(100, cpu * 2));
                        u.setLong(7, rnd.nextInt(100_000));
                        u.addBatch();
                    }
                }
                u.executeBatch();
            }
            // No ANALYZE: a production file may never have statistics, so plans are measured without them.
            c.commit();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (PreparedStatement ps :
                List.of(rawSitesActive, rawSitesByLatest, rawPerDay, rawTopSites, rawTopSiteFigures, rawFailed))
            ps.close();
        raw.close();
        db.close();
        BenchFiles.deleteRecursively(dir);
    }

    @Benchmark
    public Object sitesByStatus() {
        return dashboard.sitesByStatus(admin);
    }

    @Benchmark
    public Object deploymentsPerDay() {
        return dashboard.deploymentsPerDay(admin, 30);
    }

    @Benchmark
    public Object topSitesByResourceUse() {
        return dashboard.topSitesByResourceUse(admin, 30, AdminDashboard.ResourceMetric.MEMORY, 10);
    }

    @Benchmark
    public Object recentFailedDeployments() {
        return dashboard.recentFailedDeployments(admin, 20);
    }

    @Benchmark
    public void rawSitesByStatus(Blackhole bh) throws Exception {
        drain(rawSitesActive, bh);
        drain(rawSitesByLatest, bh);
    }

    @Benchmark
    public void rawDeploymentsPerDay(Blackhole bh) throws Exception {
        rawPerDay.setString(
                1,
                StoredTime.format(
                        NOW.truncatedTo(java.time.temporal.ChronoUnit.DAYS).minus(Duration.ofDays(29))));
        drain(rawPerDay, bh);
    }

    @Benchmark
    public void rawTopSitesByResourceUse(Blackhole bh) throws Exception {
        String from = StoredTime.format(LocalDate.ofInstant(NOW, ZoneOffset.UTC).minusDays(29));
        rawTopSites.setString(1, from);
        int i = 1;
        try (ResultSet rs = rawTopSites.executeQuery()) {
            while (rs.next()) rawTopSiteFigures.setLong(i++, rs.getLong(1));
        }
        rawTopSiteFigures.setString(11, from);
        drain(rawTopSiteFigures, bh);
    }

    @Benchmark
    public void rawRecentFailedDeployments(Blackhole bh) throws Exception {
        drain(rawFailed, bh);
    }

    private static void drain(PreparedStatement ps, Blackhole bh) throws Exception {
        try (ResultSet rs = ps.executeQuery()) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= cols; i++) bh.consume(rs.getObject(i));
            }
        }
    }
}
