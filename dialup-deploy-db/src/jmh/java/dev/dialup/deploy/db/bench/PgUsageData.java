package dev.dialup.deploy.db.bench;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * The usage dataset of {@link UsageBenchData} — the same samples, sites and shape (1,000 sites × 7 days ×
 * 30 s = 20,160,000 samples by default, {@code -Ddialup.bench.sites} / {@code -Ddialup.bench.days} for
 * smaller ones) — in a database of the benchmark PostgreSQL cluster ({@link PgBenchServer}), loaded once
 * and kept in the cluster's data directory for later forks and runs.
 *
 * <p>Loading, as the SQLite generator does it: the schema by {@link DialupDatabase} (Flyway, as superuser);
 * the history with pgjdbc {@code COPY} as superuser, in time order (round by round, every site once per
 * round: the order PostgreSQL's ingest writes the day partitions in), so the heap's page order is what
 * production gets; the history's day totals by one {@code INSERT … SELECT}; then the newest
 * {@link #TAIL_ROUNDS} rounds through the library's own {@link UsageRepository#recordBatch}
 * (so whatever the ingest path maintains — latest samples, day totals, ingest state — is maintained by the
 * library itself); then {@code VACUUM (ANALYZE)}, a rebuild of the BRIN index and a checkpoint. Tables the current schema does not have
 * ({@code usage_recent}, {@code usage_ingest_state}, {@code usage_day_totals}) are skipped, so a changed
 * usage layout (issue 13 partitioning) needs changes here only if it refuses {@code COPY} into
 * {@code usage_samples} (e.g. a partitioned table without a partition for the dataset's days). The load is checked: the plan's
 * {@code site_resource_usage} view (every stored sample) must hold exactly the generated samples.
 */
final class PgUsageData {
    /**
     * Rounds loaded last, through the library's ingest (the rest is COPYed in time order). Kept at
     * the 20 of the cached PostgreSQL datasets (the SQLite dataset's {@link UsageBenchData#RECENT_ROUNDS} follows
     * the SQLite move threshold).
     */
    static final int TAIL_ROUNDS = 20;

    /** v2: the history in time order, as PostgreSQL's ingest lays it out (see {@link #load}). */
    static final String VERSION = "v2";

    private PgUsageData() {}

    /** The loaded dataset database's name (loaded on first use). */
    static synchronized String database() throws Exception {
        String name = "bench_usage_" + UsageBenchData.SITES + "x" + UsageBenchData.DAYS + "d_" + VERSION + "_"
                + PgBenchServer.schemaKey();
        if (PgBenchServer.complete(name)) return name;
        PgBenchServer.drop(name);
        PgBenchServer.admin("CREATE DATABASE " + name);
        long t0 = System.nanoTime();
        try (DialupDatabase db = DialupDatabase.builder()
                .location(PgBenchServer.url(name, PgBenchServer.SUPERUSER))
                .allowSystemScope()
                .clock(Clock.fixed(UsageBenchData.END, ZoneOffset.UTC))
                .build()) {
            long rows = load(name, db);
            long stored = db.read(dsl -> dsl.fetchCount(dsl.selectFrom("site_resource_usage")));
            if (stored != rows) {
                throw new IllegalStateException("PostgreSQL usage dataset: " + stored + " samples stored, " + rows
                        + " generated (the loader no longer matches the schema?)");
            }
            try (Connection c = PgBenchServer.superuser(name);
                    Statement st = c.createStatement()) {
                st.execute("VACUUM (ANALYZE)");
                // Rebuilt once loaded: an autovacuum worker killed while summarizing a BRIN range (CREATE DATABASE
                // … TEMPLATE, as copyOf runs, terminates the template's workers) leaves a placeholder there, and
                // PostgreSQL 18.6 then scans every block from that range to the end (seen: the over-limit query's
                // last-day scan read 12,760 blocks instead of 216, 115 ms instead of 6.5; docs/PERFORMANCE.md).
                if (tableExists(c, "usage_samples")) {
                    try (ResultSet rs =
                            st.executeQuery("SELECT 1 FROM pg_class WHERE relname = 'idx_usage_samples_ts_brin'")) {
                        if (rs.next()) st.execute("REINDEX INDEX idx_usage_samples_ts_brin");
                    }
                }
                st.execute("CHECKPOINT");
                Properties p = new Properties();
                p.setProperty("rows", Long.toString(rows));
                p.setProperty("loadSeconds", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
                try (ResultSet rs = st.executeQuery(
                        "SELECT pg_database_size(current_database()), (SELECT sum(pg_total_relation_size(relid))::bigint"
                                + " FROM pg_partition_tree('usage_samples'))")) { // a partitioned parent has no storage
                    rs.next();
                    p.setProperty("databaseBytes", Long.toString(rs.getLong(1)));
                    p.setProperty("usageSamplesBytes", Long.toString(rs.getLong(2)));
                    p.setProperty("bytesPerSample", String.format("%.1f", (double) rs.getLong(2) / rows));
                }
                Files.createDirectories(UsageBenchData.DIR); // the cluster may live elsewhere (dataDir)
                try (var out = Files.newBufferedWriter(UsageBenchData.DIR.resolve(name + ".properties"))) {
                    p.store(out, "PostgreSQL usage benchmark dataset " + name);
                }
                System.out.println("PostgreSQL usage dataset loaded: " + p);
            }
        }
        PgBenchServer.grantRuntimeRole(name);
        PgBenchServer.markComplete(name);
        return name;
    }

    private static long load(String name, DialupDatabase db) throws Exception {
        int sites = UsageBenchData.SITES;
        long rows = 0;
        try (Connection c = PgBenchServer.superuser(name)) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO users (username, email, password_hash)"
                        + " VALUES ('owner', 'owner@example.test', '!bench')");
                st.executeUpdate("INSERT INTO sites (id, name, slug, owner_id, site_type, is_active)"
                        + " SELECT g, 'site-' || g, 'site-' || g, (SELECT min(id) FROM users), 'dynamic', true"
                        + " FROM generate_series(1, " + sites + ") g");
                st.execute("SELECT setval(pg_get_serial_sequence('sites', 'id'), " + sites + ")");
                // Partitioned usage_samples (V61): the day partitions of the dataset and of the 70 days after it
                // (ingest continues after the dataset; prune clocks run 31+ days later), through the library's
                // partition function.
                long firstDay = Math.floorDiv(UsageBenchData.START.getEpochSecond(), 86_400L) * 86_400L;
                long lastDay = Math.floorDiv(UsageBenchData.END.getEpochSecond(), 86_400L) * 86_400L + 70 * 86_400L;
                st.execute("SELECT dialup_usage_partition_ensure(d) FROM generate_series(" + firstDay + ", " + lastDay
                        + ", 86400) d WHERE to_regprocedure('dialup_usage_partition_ensure(bigint)') IS NOT NULL");
            }
            int historyRounds = UsageBenchData.ROUNDS - TAIL_ROUNDS;
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder text = new StringBuilder(1 << 20);
            // The history in the order PostgreSQL's ingest writes it (v2): round by round, every site once per
            // round, straight into the day partitions — so a site's samples of a day lie on as many heap pages
            // as it has samples, as on a real server. (v1 wrote blocks of TAIL_ROUNDS rounds site by site,
            // SQLite's move-step order, which PostgreSQL never produces: it flattered per-site reads ~15×.)
            for (int round = 0; round < historyRounds; ) {
                CopyIn in = copy.copyIn("COPY usage_samples (" + COLUMNS + ") FROM STDIN");
                int until = Math.min(historyRounds, round + 1_000); // ~1 M rows per COPY
                for (; round < until; round++) {
                    long ts = UsageBenchData.START.getEpochSecond() + (long) round * UsageBenchData.INTERVAL;
                    for (int site = 1; site <= sites; site++) {
                        appendCopyLine(text, UsageBenchData.sample(site, ts));
                        rows++;
                    }
                    if (text.length() > (1 << 20) - 100_000) flush(in, text);
                }
                flush(in, text);
                in.endCopy();
            }
            try (Statement st = c.createStatement()) {
                if (tableExists(c, "usage_day_totals")) {
                    st.executeUpdate("INSERT INTO usage_day_totals (day, site_id, bandwidth_mb_x1000, requests)"
                            + " SELECT ts - ts % 86400, site_id, sum(coalesce(bandwidth_mb_x1000, 0)),"
                            + " sum(coalesce(active_requests, 0)) FROM usage_samples GROUP BY 1, 2");
                }
                if (tableExists(c, "usage_ingest_state")) {
                    long firstRecent =
                            UsageBenchData.START.getEpochSecond() + (long) historyRounds * UsageBenchData.INTERVAL;
                    st.executeUpdate(
                            "UPDATE usage_ingest_state SET moved_before = " + firstRecent + ", recent_rows = 0");
                }
            }
        }
        // The newest rounds through the library: it keeps whatever its ingest path maintains.
        UsageRepository usage = new UsageRepository(db);
        AccessScope system = db.systemScope("bench-load");
        long next = (long) (UsageBenchData.ROUNDS - TAIL_ROUNDS) * sites;
        long last = (long) UsageBenchData.ROUNDS * sites;
        while (next < last) {
            List<UsageSample> batch = new ArrayList<>(UsageBenchData.BATCH);
            for (int i = 0; i < UsageBenchData.BATCH && next < last; i++, next++) {
                long ts = UsageBenchData.START.getEpochSecond() + next / sites * UsageBenchData.INTERVAL;
                batch.add(UsageBenchData.sample(next % sites + 1, ts));
            }
            usage.recordBatch(system, batch);
            rows += batch.size();
        }
        return rows;
    }

    /** The columns of a stored sample, in the order {@link #appendCopyLine} writes them. */
    static final String COLUMNS = "site_id, ts, memory_mb_x100, cpu_percent_x100, disk_mb_x100, bandwidth_mb_x1000,"
            + " active_requests, response_time_ms_x100";

    /** The sample as the library stores it (fixed point), in {@link #COLUMNS} order. */
    static long[] stored(UsageSample x) {
        return new long[] {
            x.siteId(),
            x.timestamp().getEpochSecond(),
            Math.round(x.memoryMb() * 100),
            Math.round(x.cpuPercent() * 100),
            Math.round(x.diskMb() * 100),
            Math.round(x.bandwidthMb() * 1000),
            x.activeRequests(),
            Math.round(x.responseTimeMs() * 100)
        };
    }

    /** One line of {@code COPY … FROM STDIN} text format: the sample as the library stores it ({@link #stored}). */
    static void appendCopyLine(StringBuilder out, UsageSample x) {
        long[] v = stored(x);
        for (int k = 0; k < v.length; k++) out.append(k == 0 ? "" : "\t").append(v[k]);
        out.append('\n');
    }

    static void flush(CopyIn in, StringBuilder text) throws Exception {
        if (text.isEmpty()) return;
        byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        in.writeToCopy(bytes, 0, bytes.length);
        text.setLength(0);
    }

    static boolean tableExists(Connection c, String table) throws Exception {
        try (var ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
