package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
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
 * {@link DialupDatabase#open}. Generated once with raw JDBC batches — in the order the library
 * writes them (history in move-step blocks, the newest rounds through the recent table), so page
 * fill is what production gets — then cached under
 * {@code target/bench-data/} by {@link #VERSION} and reused by every benchmark class and run.
 * Benchmarks that write work on a copy ({@link #copyTo}).
 *
 * <p>v3 (V60 layout, session 6 move threshold): the last {@link #RECENT_ROUNDS} rounds are in
 * {@code usage_recent}, as the library leaves them in steady state (it starts moving at 120,000 recent
 * rows; v2 had 20 rounds, the threshold before); everything
 * older is in the history {@code usage_samples}, with its {@code usage_day_totals} rows.
 *
 * <p>{@link #planDataset()} is the baseline issue 15 asks for: the same samples in the plan's
 * literal {@code site_resource_usage} table (rowid {@code id}, TEXT {@code timestamp}, REAL
 * values, an index on {@code (site_id, timestamp)}), preloaded to the same 20,160,000 rows.
 */
final class UsageBenchData {
    /** Bump when the generator or the schema changes: the cache key. */
    static final String VERSION = "v3";

    /**
     * Sites: 1,000 unless {@code -Ddialup.bench.sites=N} asks for fewer (smoke runs; the file names carry
     * the number).
     */
    static final int SITES = Integer.getInteger("dialup.bench.sites", 1_000);
    /** Samples per ingest call of the batch benchmarks: one 30-s round of 1,000 sites (more rounds if fewer sites). */
    static final int BATCH = 1_000;

    static final int INTERVAL = 30;
    /**
     * Days of samples: 7 (the dataset, 20,160,000 rows) unless {@code -Ddialup.bench.days=N}
     * asks for a smaller one (for development on a loaded machine; the file name carries the days).
     */
    static final int DAYS = Integer.getInteger("dialup.bench.days", 7);

    static final int ROUNDS = DAYS * 2_880;
    /** First sample; the dataset covers [START, END). */
    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

    static final Instant END = START.plusSeconds((long) ROUNDS * INTERVAL);

    static final Path DIR = Path.of("target", "bench-data").toAbsolutePath();
    static final Path FILE = DIR.resolve("usage-" + SITES + "x" + DAYS + "d-" + VERSION + ".db");
    static final Path STATS = DIR.resolve("usage-" + SITES + "x" + DAYS + "d-" + VERSION + ".properties");
    /** Rounds of the dataset that are still in usage_recent (120 x 1,000 = the library's move threshold). */
    static final int RECENT_ROUNDS = 120;

    static final String PLAN_VERSION = "v1";
    static final Path PLAN_FILE = DIR.resolve("plan-" + SITES + "x" + DAYS + "d-" + PLAN_VERSION + ".db");
    static final Path PLAN_STATS = DIR.resolve("plan-" + SITES + "x" + DAYS + "d-" + PLAN_VERSION + ".properties");

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
        try (Connection c = SqliteOnly.dataSource(tmp, SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                .getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA cache_size = -262144"); // 256 MiB page cache (generator only; not the forked heap)
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate(
                        "INSERT INTO users (username, email, password_hash) VALUES ('owner', 'owner@example.test', '!bench')");
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
            int historyRounds = ROUNDS - RECENT_ROUNDS;
            long[][] bandwidth = new long[SITES + 1][DAYS + 1];
            long[][] requests = new long[SITES + 1][DAYS + 1];
            // The history as the library writes it: blocks of RECENT_ROUNDS rounds, moved site by site in key order.
            try (PreparedStatement ins = c.prepareStatement(RAW_INSERT)) {
                for (int block = 0; block < historyRounds; block += RECENT_ROUNDS) {
                    int end = Math.min(historyRounds, block + RECENT_ROUNDS);
                    for (int site = 1; site <= SITES; site++) {
                        for (int round = block; round < end; round++) {
                            long ts = START.getEpochSecond() + (long) round * INTERVAL;
                            int day = (int) ((ts - START.getEpochSecond()) / 86_400);
                            UsageSample x = sample(site, ts);
                            bindRaw(ins, x);
                            ins.addBatch();
                            bandwidth[site][day] += Math.round(x.bandwidthMb() * 1000);
                            requests[site][day] += x.activeRequests();
                        }
                    }
                    ins.executeBatch();
                    rows += (long) (end - block) * SITES;
                    c.commit();
                }
            }
            // The history's day totals (what the recent-table trigger kept while the rows were recent).
            try (PreparedStatement tot =
                    c.prepareStatement("INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)"
                            + " VALUES (?, ?, ?, ?)")) {
                for (int day = 0; day <= DAYS; day++) {
                    for (int site = 1; site <= SITES; site++) {
                        if (bandwidth[site][day] == 0 && requests[site][day] == 0) continue;
                        tot.setLong(1, START.getEpochSecond() + day * 86_400L);
                        tot.setLong(2, site);
                        tot.setLong(3, bandwidth[site][day]);
                        tot.setLong(4, requests[site][day]);
                        tot.addBatch();
                    }
                }
                tot.executeBatch();
            }
            long firstRecent = START.getEpochSecond() + (long) historyRounds * INTERVAL;
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE usage_ingest_state SET moved_before = " + firstRecent + ", recent_rows = "
                        + (long) RECENT_ROUNDS * SITES);
            }
            // The newest rounds through the recent table: its triggers keep usage_latest and the day totals.
            try (PreparedStatement ins = c.prepareStatement(RAW_INSERT.replace("usage_samples", "usage_recent"))) {
                for (int round = historyRounds; round < ROUNDS; round++) {
                    long ts = START.getEpochSecond() + (long) round * INTERVAL;
                    for (int site = 1; site <= SITES; site++) {
                        bindRaw(ins, sample(site, ts));
                        ins.addBatch();
                    }
                    ins.executeBatch();
                    rows += SITES;
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

    /**
     * The baseline file: the plan's literal table, 20,160,000 rows of the same samples, written
     * round by round in id order; the {@code (site_id, timestamp)} index is built after loading
     * (a sorted build; incremental inserts of 20M rows at 1,000 insertion points per round
     * would take hours on the shared machine), then checkpointed. Cached like {@link #dataset()}.
     */
    static synchronized Path planDataset() throws Exception {
        if (Files.exists(PLAN_FILE) && Files.exists(PLAN_STATS)) return PLAN_FILE;
        Files.createDirectories(DIR);
        Path tmp = DIR.resolve("plan-generating.db");
        for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        long t0 = System.nanoTime();
        long rows = 0;
        try (Connection c = SqliteOnly.dataSource(tmp, SqliteOnly.writerConfig(Duration.ofSeconds(10)))
                .getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA cache_size = -262144");
                st.execute("CREATE TABLE sites (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
                st.execute(PLAN_TABLE);
            }
            c.setAutoCommit(false);
            try (PreparedStatement site = c.prepareStatement("INSERT INTO sites (id, name) VALUES (?, ?)")) {
                for (int i = 1; i <= SITES; i++) {
                    site.setInt(1, i);
                    site.setString(2, "site-" + i);
                    site.addBatch();
                }
                site.executeBatch();
            }
            c.commit();
            try (PreparedStatement ins = c.prepareStatement(PLAN_INSERT)) {
                for (int round = 0; round < ROUNDS; round++) {
                    long ts = START.getEpochSecond() + (long) round * INTERVAL;
                    for (int site = 1; site <= SITES; site++) {
                        bindPlan(ins, sample(site, ts));
                        ins.addBatch();
                    }
                    ins.executeBatch();
                    rows += SITES;
                    if (round % 20 == 19) c.commit();
                }
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute(PLAN_INDEX);
            }
            c.commit();
            c.setAutoCommit(true);
            SqliteOnly.checkpointTruncate(c);
            long pages = SqliteOnly.pragmaLong(c, "page_count");
            long free = SqliteOnly.pragmaLong(c, "freelist_count");
            long pageSize = SqliteOnly.pragmaLong(c, "page_size");
            Properties p = new Properties();
            p.setProperty("rows", Long.toString(rows));
            p.setProperty("generationSeconds", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            p.setProperty("pageCount", Long.toString(pages));
            p.setProperty("bytesPerSample", String.format("%.2f", (double) (pages - free) * pageSize / rows));
            p.setProperty("fileBytes", Long.toString(Files.size(tmp)));
            try (var out = Files.newBufferedWriter(PLAN_STATS.resolveSibling("plan-stats.tmp"))) {
                p.store(out, "plan-layout baseline dataset " + PLAN_VERSION);
            }
        }
        Files.move(tmp, PLAN_FILE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        for (String suffix : new String[] {"-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        Files.move(PLAN_STATS.resolveSibling("plan-stats.tmp"), PLAN_STATS, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("plan-layout dataset generated: " + Files.readString(PLAN_STATS));
        return PLAN_FILE;
    }

    /** The plan's table, literally (V2 before V20 replaced it), with its foreign key and checks. */
    static final String PLAN_TABLE = "CREATE TABLE site_resource_usage ("
            + " id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,"
            + " memory_mb REAL, cpu_percent REAL, disk_mb REAL, bandwidth_mb REAL, active_requests INTEGER, response_time_ms REAL,"
            + " FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE,"
            + " CHECK (memory_mb IS NULL OR memory_mb >= 0), CHECK (cpu_percent IS NULL OR cpu_percent >= 0),"
            + " CHECK (disk_mb IS NULL OR disk_mb >= 0), CHECK (bandwidth_mb IS NULL OR bandwidth_mb >= 0),"
            + " CHECK (active_requests IS NULL OR active_requests >= 0), CHECK (response_time_ms IS NULL OR response_time_ms >= 0))";

    static final String PLAN_INDEX =
            "CREATE INDEX idx_site_resource_usage_site_id_timestamp ON site_resource_usage(site_id, timestamp)";
    static final String PLAN_INSERT =
            "INSERT INTO site_resource_usage (site_id, timestamp, memory_mb, cpu_percent, disk_mb,"
                    + " bandwidth_mb, active_requests, response_time_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final java.time.format.DateTimeFormatter PLAN_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    /** Binds a sample as the plan's table stores it: text UTC time, REAL values. */
    static void bindPlan(PreparedStatement ps, UsageSample x) throws Exception {
        ps.setLong(1, x.siteId());
        ps.setString(2, PLAN_TIME.format(x.timestamp()));
        ps.setDouble(3, x.memoryMb());
        ps.setDouble(4, x.cpuPercent());
        ps.setDouble(5, x.diskMb());
        ps.setDouble(6, x.bandwidthMb());
        ps.setInt(7, x.activeRequests());
        ps.setDouble(8, x.responseTimeMs());
    }

    /** A private copy of the plan-layout baseline. */
    static Path copyPlanTo(Path dir) throws Exception {
        Path target = dir.resolve("plan.db");
        Files.copy(planDataset(), target, StandardCopyOption.REPLACE_EXISTING);
        return flushed(target);
    }

    /** A private copy of the dataset for benchmarks that write. */
    static Path copyTo(Path dir) throws Exception {
        Path target = dir.resolve("usage.db");
        Files.copy(dataset(), target, StandardCopyOption.REPLACE_EXISTING);
        return flushed(target);
    }

    /**
     * The copy written to disk before anything is measured: otherwise the kernel writes its ~0.7–2.3 GB of
     * dirty pages back during the first iterations, which then measure the copy's write-back too.
     */
    private static Path flushed(Path file) throws Exception {
        try (java.nio.channels.FileChannel ch =
                java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return file;
    }

    static final String RAW_INSERT =
            "INSERT INTO usage_samples (site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100,"
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
        return UsageSample.of(
                site, Instant.ofEpochSecond(ts), memory, cpu, Math.round(disk * 100) / 100.0, bandwidth, requests, rt);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93e34b2c2c3L;
        return z ^ (z >>> 33);
    }
}
