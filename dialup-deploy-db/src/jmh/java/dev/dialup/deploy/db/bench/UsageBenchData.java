package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.ops.SqliteOnly;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

/**
 * The usage benchmarks' dataset: 1,000 sites × 7 days of 30-second samples (20,160,000 rows)
 * in a file database whose schema (tables, keys, triggers) is created by
 * {@link DialupDatabase#open}. Generated once with raw JDBC batches — round by round, as the
 * monitoring core would write them, so page fill is what production gets — then cached under
 * {@code target/bench-data/} by {@link #VERSION} and reused by every benchmark class and run.
 * Benchmarks that write work on a copy ({@link #copyTo}).
 */
final class UsageBenchData {
    /** Bump when the generator or the schema changes: the cache key. */
    static final String VERSION = "v1";
    static final int SITES = 1_000;
    static final int INTERVAL = 30;
    static final int ROUNDS = 7 * 2_880;
    /** First sample; the dataset covers [START, END). */
    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant END = START.plusSeconds((long) ROUNDS * INTERVAL);

    static final Path DIR = Path.of("target", "bench-data").toAbsolutePath();
    static final Path FILE = DIR.resolve("usage-1000x7d-" + VERSION + ".db");
    static final Path STATS = DIR.resolve("usage-1000x7d-" + VERSION + ".properties");

    private UsageBenchData() {}

    /** The cached dataset file, generated on first use. */
    static synchronized Path dataset() throws Exception {
        if (Files.exists(FILE) && Files.exists(STATS)) return FILE;
        Files.createDirectories(DIR);
        Path tmp = DIR.resolve("usage-generating.db");
        for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        long t0 = System.nanoTime();
        DialupDatabase.open(tmp).close(); // the library's own schema: same tables, keys and triggers
        long rows = 0;
        try (Connection c = SqliteOnly.dataSource(tmp, SqliteOnly.writerConfig(Duration.ofSeconds(10))).getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA cache_size = -262144"); // 256 MiB page cache (generator only; not the forked heap)
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.test', '!bench')");
            }
            try (PreparedStatement site = c.prepareStatement(
                    "INSERT INTO sites (name, slug, owner_id, site_type, is_active) VALUES (?, ?, 1, 'dynamic', 1)")) {
                for (int i = 1; i <= SITES; i++) {
                    site.setString(1, "site-" + i);
                    site.setString(2, "site-" + i);
                    site.addBatch();
                }
                site.executeBatch();
            }
            c.commit();
            try (PreparedStatement ins = c.prepareStatement(RAW_INSERT)) {
                for (int round = 0; round < ROUNDS; round++) {
                    long ts = START.getEpochSecond() + (long) round * INTERVAL;
                    for (int site = 1; site <= SITES; site++) {
                        bindRaw(ins, sample(site, ts));
                        ins.addBatch();
                    }
                    ins.executeBatch();
                    rows += SITES;
                    if (round % 20 == 19) c.commit();
                }
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
            SqliteOnly.checkpointTruncate(c);
            long pages = SqliteOnly.pragmaLong(c, "page_count");
            long free = SqliteOnly.pragmaLong(c, "freelist_count");
            long pageSize = SqliteOnly.pragmaLong(c, "page_size");
            double seconds = (System.nanoTime() - t0) / 1e9;
            Properties p = new Properties();
            p.setProperty("rows", Long.toString(rows));
            p.setProperty("generationSeconds", String.format("%.1f", seconds));
            p.setProperty("pageSize", Long.toString(pageSize));
            p.setProperty("pageCount", Long.toString(pages));
            p.setProperty("freelistCount", Long.toString(free));
            p.setProperty("bytesPerSample", String.format("%.2f", (double) (pages - free) * pageSize / rows));
            p.setProperty("fileBytes", Long.toString(Files.size(tmp)));
            try (var out = Files.newBufferedWriter(STATS.resolveSibling("stats.tmp"))) {
                p.store(out, "usage benchmark dataset " + VERSION);
            }
        }
        Files.move(tmp, FILE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        for (String suffix : new String[] {"-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        Files.move(STATS.resolveSibling("stats.tmp"), STATS, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("usage dataset generated: " + Files.readString(STATS));
        return FILE;
    }

    /** A private copy of the dataset for benchmarks that write. */
    static Path copyTo(Path dir) throws Exception {
        Path target = dir.resolve("usage.db");
        Files.copy(dataset(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    static final String RAW_INSERT = "INSERT INTO usage_samples (site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100,"
            + " bandwidth_mb_x1000, active_requests, response_time_ms_x100) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    /** Binds a sample exactly as the library stores it (fixed point). */
    static void bindRaw(PreparedStatement ps, UsageSample x) throws Exception {
        ps.setLong(1, x.siteId());
        ps.setLong(2, x.timestamp().getEpochSecond());
        ps.setLong(3, Math.round(x.memoryMb() * 100));
        ps.setLong(4, Math.round(x.cpuPercent() * 100));
        ps.setLong(5, Math.round(x.diskMb() * 100));
        ps.setLong(6, Math.round(x.bandwidthMb() * 1000));
        ps.setLong(7, x.activeRequests());
        ps.setLong(8, Math.round(x.responseTimeMs() * 100));
    }

    /**
     * A deterministic, plausible sample: memory 100–480 MB with a spike over the default
     * 512 MB limit in about 1 sample in 500, CPU 0–45 %, disk slowly growing, 0–0.5 MB per
     * interval, 0–300 requests, 5–200 ms.
     */
    static UsageSample sample(long site, long ts) {
        long h = mix(site * 0x9E3779B97F4A7C15L + ts);
        double memory = (h & 0x1FF) % 500 == 0 ? 600 + (h >>> 9 & 0x7F) : 100 + (h >>> 9 & 0xFFFF) % 38_000 / 100.0;
        double cpu = (h >>> 25 & 0x1FFF) % 4_500 / 100.0;
        double disk = 200 + site % 500 + (ts - START.getEpochSecond()) / 86_400.0;
        double bandwidth = (h >>> 38 & 0x1FF) / 1_000.0;
        int requests = (int) ((h >>> 47 & 0x1FF) % 300);
        double rt = 5 + (h >>> 56 & 0xFF) * 0.75;
        return UsageSample.of(site, Instant.ofEpochSecond(ts), memory, cpu, Math.round(disk * 100) / 100.0, bandwidth, requests, rt);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93e34b2c2c3L;
        return z ^ (z >>> 33);
    }
}
