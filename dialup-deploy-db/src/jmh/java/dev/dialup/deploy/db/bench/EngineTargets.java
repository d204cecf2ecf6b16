package dev.dialup.deploy.db.bench;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToLongFunction;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * What the engine benchmarks (issue 13) run against — the JMH {@code @Param} value {@code target}:
 *
 * <ul>
 *   <li>{@value #SQLITE}: the library on an SQLite file (the existing suite's setup, WAL,
 *       {@code synchronous=NORMAL});</li>
 *   <li>{@value #PG_RLS_ON}: the library on PostgreSQL connected as the runtime role
 *       ({@link PgBenchServer#RUNTIME_ROLE}: no superuser, no BYPASSRLS, owns nothing), so every row-level
 *       security policy applies — production's setup;</li>
 *   <li>{@value #PG_RLS_OFF}: the same library and queries connected as the superuser, which bypasses
 *       row-level security: the baseline the RLS overhead is reported against.</li>
 * </ul>
 *
 * Every target opens the library with {@link DialupDatabase.Builder} alone (no migration on open: the
 * datasets are migrated when they are built), with the system scope allowed and a fixed clock.
 *
 * <p>Also the two small datasets shared by both engines, built through the library's jOOQ tables (the
 * same code on both engines), cached under {@code target/bench-data/} (SQLite) or in the benchmark cluster
 * (PostgreSQL), keyed by {@link PgBenchServer#schemaKey()}:
 * <ul>
 *   <li><b>admin</b>: {@link AdminDashboardBenchmark}'s shape — 1,000 sites (10 % inactive), 100,000
 *       deployments over 365 days (ids growing with time, ~10 % failed, the last 50 pending/building), 90
 *       days of {@code site_usage_daily} per site;</li>
 *   <li><b>tenancy</b>: {@link VisibleSitesBenchmark}'s shape (its own seed): 1,000 organizations × 10 sites,
 *       the benchmark user in 50 of them plus 5 personal sites (505 visible).</li>
 * </ul>
 */
final class EngineTargets {
    static final String SQLITE = "sqlite";
    static final String PG_RLS_ON = "postgresql-rls-on";
    static final String PG_RLS_OFF = "postgresql-rls-off";

    static final String DATASETS_VERSION = "v1";
    /** The admin dataset's "now". */
    static final Instant ADMIN_NOW = AdminDashboardBenchmark.NOW;

    private EngineTargets() {}

    static boolean postgres(String target) {
        return !SQLITE.equals(target);
    }

    /** The library on an SQLite file. */
    static DialupDatabase openSqlite(Path file, Instant now) {
        return DialupDatabase.builder()
                .allowSystemScope()
                .path(file)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build();
    }

    /** The library on a PostgreSQL database of the benchmark cluster, as the runtime role or the superuser. */
    static DialupDatabase openPostgres(String target, String database, Instant now) throws Exception {
        if (PG_RLS_ON.equals(target)) PgBenchServer.grantRuntimeRole(database);
        String role = PG_RLS_ON.equals(target) ? PgBenchServer.RUNTIME_ROLE : PgBenchServer.SUPERUSER;
        return DialupDatabase.builder()
                .allowSystemScope()
                .location(PgBenchServer.url(database, role))
                .migrateOnOpen(false)
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build();
    }

    static DialupDatabase open(String target, Path sqliteFile, String pgDatabase, Instant now) throws Exception {
        return postgres(target) ? openPostgres(target, pgDatabase, now) : openSqlite(sqliteFile, now);
    }

    /**
     * The usage dataset (20 M samples by default) of {@code target}, opened in place: for benchmarks that only read.
     * On PostgreSQL the dataset is first loaded into the server's buffers ({@link PgBenchServer#prewarm}).
     */
    static DialupDatabase openUsage(String target) throws Exception {
        if (!postgres(target)) return openSqlite(UsageBenchData.dataset(), UsageBenchData.END);
        String database = PgUsageData.database();
        PgBenchServer.prewarm(database);
        return openPostgres(target, database, UsageBenchData.END);
    }

    // --- the small shared datasets ------------------------------------------------------------------

    /** The admin dataset of {@code target}, opened (clock at {@link #ADMIN_NOW}). */
    static DialupDatabase openAdmin(String target) throws Exception {
        return open(
                target,
                cachedSqlite("admin", EngineTargets::seedAdmin),
                cachedPg("admin", EngineTargets::seedAdmin),
                ADMIN_NOW);
    }

    /** The tenancy dataset of {@code target}, opened; {@link #tenancyUser} is the user whose sites are listed. */
    static DialupDatabase openTenancy(String target) throws Exception {
        return open(
                target,
                cachedSqlite("tenancy", VisibleSitesBenchmark::seed),
                cachedPg("tenancy", VisibleSitesBenchmark::seed),
                Instant.now());
    }

    /**
     * The benchmark user of the tenancy dataset ({@link VisibleSitesBenchmark#seed} names it "bench"). Read
     * outside the library's scoped calls — on PostgreSQL through a superuser connection, since a transaction
     * without an identity sees no tenant row once row-level security is on.
     */
    static long tenancyUser(String target, DialupDatabase db) throws Exception {
        String sql = "SELECT id FROM users WHERE username = 'bench'";
        if (!postgres(target)) {
            return db.withReaderConnection(c -> {
                try (var st = c.createStatement();
                        var rs = st.executeQuery(sql)) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }
        try (var c = PgBenchServer.superuser(cachedPg("tenancy", VisibleSitesBenchmark::seed));
                var st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static synchronized Path cachedSqlite(String label, ToLongFunction<DialupDatabase> seed) throws Exception {
        Path file =
                UsageBenchData.DIR.resolve(label + "-" + DATASETS_VERSION + "-" + PgBenchServer.schemaKey() + ".db");
        if (Files.exists(file)) return file;
        Files.createDirectories(UsageBenchData.DIR);
        Path tmp = UsageBenchData.DIR.resolve(label + "-generating.db");
        for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        try (DialupDatabase db = openSqlite(tmp, ADMIN_NOW)) {
            seed.applyAsLong(db);
            db.withWriterConnection(c -> {
                try (var st = c.createStatement()) {
                    st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
                return null;
            });
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        for (String suffix : new String[] {"-wal", "-shm"}) Files.deleteIfExists(Path.of(tmp + suffix));
        return file;
    }

    private static synchronized String cachedPg(String label, ToLongFunction<DialupDatabase> seed) throws Exception {
        String name = "bench_" + label + "_" + DATASETS_VERSION + "_" + PgBenchServer.schemaKey();
        if (PgBenchServer.complete(name)) return name;
        PgBenchServer.drop(name);
        PgBenchServer.admin("CREATE DATABASE " + name);
        try (DialupDatabase db = DialupDatabase.builder()
                .location(PgBenchServer.url(name, PgBenchServer.SUPERUSER))
                .allowSystemScope()
                .clock(Clock.fixed(ADMIN_NOW, ZoneOffset.UTC))
                .build()) {
            seed.applyAsLong(db);
        }
        try (var c = PgBenchServer.superuser(name);
                var st = c.createStatement()) {
            st.execute("VACUUM (ANALYZE)");
        }
        PgBenchServer.grantRuntimeRole(name);
        PgBenchServer.markComplete(name);
        return name;
    }

    /**
     * {@link AdminDashboardBenchmark}'s dataset, written through jOOQ so both engines get the same rows:
     * 1,000 sites (every 10th inactive), 100,000 deployments spread over the 365 days before {@link #ADMIN_NOW}
     * (ids growing with time, ~70 % success, ~10 % failed, ~10 % cancelled, the last 50 pending/building),
     * 90 days of {@code site_usage_daily} per site. Returns the owner's id.
     */
    static long seedAdmin(DialupDatabase db) {
        int sites = AdminDashboardBenchmark.SITES;
        int deployments = AdminDashboardBenchmark.DEPLOYMENTS;
        long owner = db.write(tx -> tx.insertInto(USERS)
                .set(USERS.USERNAME, "owner")
                .set(USERS.EMAIL, "owner@example.test")
                .set(USERS.PASSWORD_HASH, "!bench")
                .returning(USERS.ID)
                .fetchOne()
                .getId());
        List<Long> siteIds = db.write(tx -> {
            List<Long> ids = new ArrayList<>();
            for (int i = 1; i <= sites; i++) {
                ids.add(tx.insertInto(SITES)
                        .set(SITES.NAME, "site-" + i)
                        .set(SITES.SLUG, "site-" + i)
                        .set(SITES.OWNER_ID, owner)
                        .set(SITES.SITE_TYPE, "dynamic")
                        .set(SITES.IS_ACTIVE, i % 10 != 0)
                        .returning(SITES.ID)
                        .fetchOne()
                        .getId());
            }
            return ids;
        });
        SplittableRandom rnd = new SplittableRandom(42);
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
        List<Field<?>> depCols = List.of(
                DEPLOYMENTS.SITE_ID,
                DEPLOYMENTS.COMMIT_HASH,
                DEPLOYMENTS.BRANCH,
                DEPLOYMENTS.STATUS,
                DEPLOYMENTS.DEPLOYED_AT,
                DEPLOYMENTS.STARTED_AT,
                DEPLOYMENTS.FINISHED_AT,
                DEPLOYMENTS.BUILD_TIME_SECONDS);
        for (int from = 0; from < deployments; from += 1_000) {
            int start = from;
            List<List<Object>> rows = new ArrayList<>();
            for (int i = start; i < Math.min(deployments, start + 1_000); i++) {
                Instant at = ADMIN_NOW.minus(Duration.ofDays(365)).plusSeconds((long) i * 365 * 86400 / deployments);
                String status = i >= deployments - 50
                        ? (i % 2 == 0 ? "pending" : "building")
                        : statuses[rnd.nextInt(statuses.length)];
                int build = 30 + rnd.nextInt(300);
                boolean open = status.equals("pending") || status.equals("building");
                List<Object> row = new ArrayList<>();
                row.add(siteIds.get(rnd.nextInt(sites)));
                row.add(Long.toHexString(rnd.nextLong()));
                row.add("main");
                row.add(status);
                row.add(at);
                row.add(at.plusSeconds(5));
                row.add(open ? null : at.plusSeconds(5 + build));
                row.add(open ? null : build);
                rows.add(row);
            }
            db.writeVoid(tx -> insertRows(tx, DEPLOYMENTS, depCols, rows));
        }
        List<Field<?>> dailyCols = List.of(
                SITE_USAGE_DAILY.SITE_ID,
                SITE_USAGE_DAILY.DATE,
                SITE_USAGE_DAILY.AVG_MEMORY_MB,
                SITE_USAGE_DAILY.MAX_MEMORY_MB,
                SITE_USAGE_DAILY.AVG_CPU_PERCENT,
                SITE_USAGE_DAILY.MAX_CPU_PERCENT,
                SITE_USAGE_DAILY.TOTAL_REQUESTS,
                SITE_USAGE_DAILY.UPTIME_SECONDS);
        LocalDate today = LocalDate.ofInstant(ADMIN_NOW, ZoneOffset.UTC);
        for (int s = 0; s < sites; s += 10) {
            List<List<Object>> rows = new ArrayList<>();
            for (int k = s; k < Math.min(sites, s + 10); k++) {
                for (int d = 0; d < AdminDashboardBenchmark.USAGE_DAYS; d++) {
                    double mem = 50 + rnd.nextDouble() * 900;
                    double cpu = rnd.nextDouble() * 80;
                    rows.add(List.of(
                            siteIds.get(k),
                            today.minusDays(d),
                            mem,
                            mem * 1.5,
                            cpu,
                            Math.min(100, cpu * 2),
                            (long) rnd.nextInt(100_000),
                            86_400));
                }
            }
            db.writeVoid(tx -> insertRows(tx, SITE_USAGE_DAILY, dailyCols, rows));
        }
        return owner;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void insertRows(
            org.jooq.DSLContext tx, org.jooq.Table<?> table, List<Field<?>> cols, List<List<Object>> rows) {
        var insert = tx.insertInto(table).columns(cols);
        for (List<Object> row : rows) {
            List<Field<?>> values = new ArrayList<>();
            for (int i = 0; i < cols.size(); i++) values.add(DSL.val(row.get(i), (Field) cols.get(i)));
            insert = insert.values(values);
        }
        insert.execute();
    }
}
