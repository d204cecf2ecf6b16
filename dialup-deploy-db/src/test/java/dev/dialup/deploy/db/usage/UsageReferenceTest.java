package dev.dialup.deploy.db.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.PgTestServer;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property-style checks: for many seeds, random samples (gaps, jitter, nulls, samples exactly
 * on bucket edges and range ends) are recorded, and every query is compared with a
 * straightforward computation in Java over the same data, quantized as the store keeps it.
 * Each seed stores its samples in one of three states (seed index mod 3): all still in
 * {@code usage_recent}, split between it and the history mid-way through a move cycle, or all
 * moved into {@code usage_samples} — every query must give the same answers in each. On PostgreSQL
 * ({@link BothEngines}) every sample goes straight into the partitioned {@code usage_samples}, whatever the
 * seed's state; the same reference computation must hold there too.
 */
@BothEngines
class UsageReferenceTest {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final Instant DAY_START = Instant.parse("2026-11-19T00:00:00Z");

    @TempDir
    Path dir;

    static Stream<Long> seeds() {
        return IntStream.range(0, 30).mapToObj(i -> 1000L + i * 7919L);
    }

    /** Where the samples of a seed end up: 0 all recent, 1 split, 2 all history. */
    static int storage(long seed) {
        return (int) ((seed - 1000L) / 7919L % 3);
    }

    record World(DialupDatabase db, UsageRepository usage, List<Long> sites, List<UsageSample> samples) {}

    static double q(Double v, int scale) {
        return Math.round(v * scale) / (double) scale;
    }

    /** The sample as the store keeps it: second precision, fixed-point values. */
    static UsageSample stored(UsageSample s) {
        return new UsageSample(
                s.siteId(),
                Instant.ofEpochSecond(s.timestamp().getEpochSecond()),
                s.memoryMb() == null ? null : q(s.memoryMb(), 100),
                s.cpuPercent() == null ? null : q(s.cpuPercent(), 100),
                s.diskMb() == null ? null : q(s.diskMb(), 100),
                s.bandwidthMb() == null ? null : q(s.bandwidthMb(), 1000),
                s.activeRequests(),
                s.responseTimeMs() == null ? null : q(s.responseTimeMs(), 100));
    }

    /** The PostgreSQL databases of this class's seeds (engine {@code postgresql}), dropped afterwards. */
    private final List<PgTestServer.Database> pgDatabases = new ArrayList<>();

    @AfterEach
    void dropPostgresDatabases() {
        pgDatabases.forEach(PgTestServer.Database::close);
        pgDatabases.clear();
    }

    World world(long seed) throws Exception {
        DialupDatabase db;
        if (TempDatabase.onPostgres()) {
            PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("UsageReferenceTest");
            pgDatabases.add(pg);
            db = DialupDatabase.builder()
                    .location(pg.location())
                    .allowSystemScope()
                    .insecurePasswordHashingForTests()
                    .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                    .build();
        } else {
            Path sub = Files.createDirectories(dir.resolve("s" + seed));
            db = TestDb.builder(sub).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
        }
        AccessScope SYS = db.systemScope("monitoring");
        Fixtures f = new Fixtures(db);
        long owner = f.user("owner");
        Random r = new Random(seed);
        List<Long> sites = new ArrayList<>();
        for (int i = 0; i < 4; i++) sites.add(f.personalSite("site-" + i, owner));
        List<UsageSample> samples = new ArrayList<>();
        // site 0..2 get samples over yesterday and this morning; site 3 never reports
        for (int i = 0; i < 3; i++) {
            long site = sites.get(i);
            long t = DAY_START.getEpochSecond() - r.nextInt(600);
            while (t < NOW.getEpochSecond()) {
                if (r.nextInt(20) != 0) { // gaps
                    samples.add(new UsageSample(
                            site,
                            Instant.ofEpochSecond(t, r.nextInt(2) == 0 ? 0 : r.nextInt(999_000_000)),
                            maybe(r, 50 + r.nextDouble() * 900),
                            maybe(r, r.nextDouble() * 120),
                            maybe(r, r.nextDouble() * 2000),
                            maybe(r, r.nextDouble() * 3),
                            r.nextInt(10) == 0 ? null : r.nextInt(400),
                            maybe(r, r.nextDouble() * 500)));
                }
                t += 30 + (r.nextInt(5) == 0 ? r.nextInt(120) : 0);
            }
        }
        int storage = storage(seed);
        UsageRepository usage = switch (storage) {
            case 0 -> new UsageRepository(db, Integer.MAX_VALUE, 1); // never moves
            case 1 -> new UsageRepository(db, 1_000, 1); // a move step of one site after each batch
            default -> new UsageRepository(db);
        };
        java.util.Collections.shuffle(samples, r);
        for (int from = 0; from < samples.size(); from += 2000) {
            usage.recordBatch(SYS, samples.subList(from, Math.min(samples.size(), from + 2000)));
        }
        if (storage == 2) usage.moveRecentSamples(SYS);
        int history =
                db.read(TestDb.system(db), dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.USAGE_SAMPLES));
        int recent =
                db.read(TestDb.system(db), dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.USAGE_RECENT));
        assertThat(history + recent).isEqualTo(samples.size());
        if (TempDatabase.onPostgres()) {
            // PostgreSQL ingest stores into the partitioned history directly: there is no staging to split.
            assertThat(recent).isZero();
        } else
            switch (storage) {
                case 0 -> assertThat(history).isZero();
                case 1 ->
                    assertThat(history)
                            .as("split between the tables")
                            .isPositive()
                            .isLessThan(samples.size());
                default -> assertThat(recent).isZero();
            }
        return new World(
                db,
                usage,
                sites,
                samples.stream().map(UsageReferenceTest::stored).toList());
    }

    static Double maybe(Random r, double v) {
        return r.nextInt(15) == 0 ? null : v;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyQueryAgreesWithAReferenceComputation(long seed) throws Exception {
        World w = world(seed);
        try (DialupDatabase db = w.db()) {
            AccessScope SYS = db.systemScope("monitoring");
            Random r = new Random(seed ^ 0x5DEECE66DL);
            Map<Long, List<UsageSample>> bySite = w.samples().stream()
                    .collect(Collectors.groupingBy(UsageSample::siteId, TreeMap::new, Collectors.toList()));
            bySite.values().forEach(l -> l.sort(Comparator.comparing(UsageSample::timestamp)));

            // latest: the newest sample per site, absent for a site that never reported
            Map<Long, UsageSample> latest = w.usage().latest(SYS, w.sites());
            for (long site : w.sites()) {
                List<UsageSample> l = bySite.get(site);
                if (l == null) assertThat(latest).doesNotContainKey(site);
                else assertThat(latest.get(site)).isEqualTo(l.get(l.size() - 1));
            }
            assertThat(w.usage().latestForVisibleSites(SYS)).containsExactlyElementsOf(latest.values());

            long site = w.sites().get(r.nextInt(3));
            List<UsageSample> all = bySite.get(site);
            for (int k = 0; k < 5; k++) {
                // ranges that start and end exactly on sample times, between them, and empty
                Instant a = k == 0
                        ? all.get(r.nextInt(all.size())).timestamp()
                        : DAY_START.plusMillis(
                                (long) (r.nextDouble() * Duration.ofHours(30).toMillis()));
                Instant b = k == 4
                        ? a
                        : a.plusMillis(
                                1 + (long) (r.nextDouble() * Duration.ofHours(8).toMillis()));
                if (k == 1)
                    b = all.get(Math.min(all.size() - 1, r.nextInt(all.size())))
                                    .timestamp()
                                    .isAfter(a)
                            ? all.get(Math.min(all.size() - 1, r.nextInt(all.size())))
                                    .timestamp()
                            : b;
                if (b.isBefore(a)) b = a;
                Instant from = a;
                Instant to = b;
                List<UsageSample> expected = all.stream()
                        .filter(x ->
                                !x.timestamp().isBefore(from) && x.timestamp().isBefore(to))
                        .toList();
                assertThat(w.usage().series(SYS, site, from, to))
                        .as("series [%s, %s)", from, to)
                        .isEqualTo(expected);
                if (to.isAfter(from)) checkBuckets(w, site, all, from, to, 1 + r.nextInt(50));
            }

            // rollup of yesterday against the samples of that UTC day
            LocalDate day = LocalDate.ofInstant(DAY_START, ZoneOffset.UTC);
            w.usage().rollupDay(SYS, day);
            for (long s : w.sites()) {
                List<UsageSample> ofDay = bySite.getOrDefault(s, List.of()).stream()
                        .filter(x -> !x.timestamp().isBefore(DAY_START)
                                && x.timestamp().isBefore(DAY_START.plus(Duration.ofDays(1))))
                        .toList();
                List<DailyUsage> rows = w.usage().daily(SYS, s, day, day);
                if (ofDay.isEmpty()) {
                    assertThat(rows).isEmpty();
                    continue;
                }
                DailyUsage d = rows.get(0);
                assertThat(d.uptimeSeconds()).isEqualTo(Math.min(86400, ofDay.size() * 30L));
                assertClose(d.avgMemoryMb(), avg(ofDay, UsageSample::memoryMb));
                assertClose(d.maxMemoryMb(), max(ofDay, UsageSample::memoryMb));
                assertClose(d.avgCpuPercent(), avg(ofDay, UsageSample::cpuPercent));
                assertClose(d.maxCpuPercent(), max(ofDay, UsageSample::cpuPercent));
                assertClose(
                        d.totalBandwidthMb(),
                        ofDay.stream()
                                .filter(x -> x.bandwidthMb() != null)
                                .mapToDouble(UsageSample::bandwidthMb)
                                .sum());
                assertThat(d.totalRequests())
                        .isEqualTo(ofDay.stream()
                                .filter(x -> x.activeRequests() != null)
                                .mapToLong(UsageSample::activeRequests)
                                .sum());
                assertClose(d.avgResponseTimeMs(), avg(ofDay, UsageSample::responseTimeMs));
            }

            // over limit: tight random limits, compared dimension by dimension
            SiteLimitsRepository limits = new SiteLimitsRepository(db);
            Map<Long, ResourceLimits> set = new TreeMap<>();
            for (long s : w.sites()) {
                ResourceLimits l = new ResourceLimits(
                        100 + r.nextInt(900),
                        1 + r.nextInt(120),
                        1 + r.nextInt(2000),
                        1 + r.nextInt(3000),
                        1 + r.nextInt(800));
                limits.set(SYS, s, l);
                set.put(s, l);
            }
            Duration window = Duration.ofMinutes(1 + r.nextInt(120));
            Instant since = NOW.minus(window);
            List<String> expected = new ArrayList<>();
            for (long s : w.sites()) {
                List<UsageSample> inWindow = bySite.getOrDefault(s, List.of()).stream()
                        .filter(x -> !x.timestamp().isBefore(since))
                        .toList();
                List<UsageSample> today = bySite.getOrDefault(s, List.of()).stream()
                        .filter(x -> !x.timestamp().isBefore(NOW.truncatedTo(java.time.temporal.ChronoUnit.DAYS)))
                        .toList();
                ResourceLimits l = set.get(s);
                if (!inWindow.isEmpty()) {
                    if (max(inWindow, UsageSample::memoryMb) != null
                            && max(inWindow, UsageSample::memoryMb) > l.memoryMb()) expected.add(s + ":MEMORY");
                    if (max(inWindow, UsageSample::cpuPercent) != null
                            && max(inWindow, UsageSample::cpuPercent) > l.cpuPercent()) expected.add(s + ":CPU");
                    if (max(inWindow, UsageSample::diskMb) != null && max(inWindow, UsageSample::diskMb) > l.diskMb())
                        expected.add(s + ":DISK");
                }
                double bw = today.stream()
                        .filter(x -> x.bandwidthMb() != null)
                        .mapToDouble(UsageSample::bandwidthMb)
                        .sum();
                if (bw > l.bandwidthMb() + 1e-9) expected.add(s + ":BANDWIDTH");
                if (!inWindow.isEmpty()) {
                    int maxReq = inWindow.stream()
                            .filter(x -> x.activeRequests() != null)
                            .mapToInt(UsageSample::activeRequests)
                            .max()
                            .orElse(-1);
                    if (maxReq >= 0 && maxReq * 60.0 / 30 > l.requestsPerMinute())
                        expected.add(s + ":REQUESTS_PER_MINUTE");
                }
            }
            List<String> actual = w.usage().sitesOverLimit(SYS, window).stream()
                    .map(o -> o.siteId() + ":" + o.dimension())
                    .toList();
            assertThat(actual).as("over limit in the last %s", window).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    private static void checkBuckets(World w, long site, List<UsageSample> all, Instant from, Instant to, int n) {
        long fromMs = from.toEpochMilli();
        long span = to.toEpochMilli() - fromMs;
        List<List<UsageSample>> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) expected.add(new ArrayList<>());
        for (UsageSample x : all) {
            long t = x.timestamp().toEpochMilli();
            if (t < fromMs || t >= to.toEpochMilli()) continue;
            expected.get((int) Math.floorDiv((t - fromMs) * n, span)).add(x);
        }
        List<SeriesBucket> buckets = w.usage().seriesBuckets(w.db().systemScope("monitoring"), site, from, to, n);
        assertThat(buckets).hasSize(n);
        assertThat(buckets.get(0).start()).isEqualTo(Instant.ofEpochMilli(fromMs));
        assertThat(buckets.get(n - 1).end()).isEqualTo(to.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        for (int i = 0; i < n; i++) {
            List<UsageSample> e = expected.get(i);
            SeriesBucket b = buckets.get(i);
            assertThat(b.samples())
                    .as("bucket %d of %d over [%s, %s)", i, n, from, to)
                    .isEqualTo(e.size());
            if (e.isEmpty()) {
                assertThat(b.avgMemoryMb()).isNull();
                continue;
            }
            assertClose(b.avgMemoryMb(), avg(e, UsageSample::memoryMb));
            assertClose(b.maxMemoryMb(), max(e, UsageSample::memoryMb));
            assertClose(b.maxCpuPercent(), max(e, UsageSample::cpuPercent));
            assertClose(b.avgDiskMb(), avg(e, UsageSample::diskMb));
            assertClose(b.maxResponseTimeMs(), max(e, UsageSample::responseTimeMs));
        }
    }

    static Double avg(List<UsageSample> l, java.util.function.Function<UsageSample, Double> f) {
        var s = l.stream()
                .map(f)
                .filter(java.util.Objects::nonNull)
                .mapToDouble(Double::doubleValue)
                .summaryStatistics();
        return s.getCount() == 0 ? null : s.getAverage();
    }

    static Double max(List<UsageSample> l, java.util.function.Function<UsageSample, Double> f) {
        return l.stream()
                .map(f)
                .filter(java.util.Objects::nonNull)
                .max(Double::compare)
                .orElse(null);
    }

    static void assertClose(Double actual, Double expected) {
        if (expected == null) {
            assertThat(actual).isNull();
        } else {
            assertThat(actual).isNotNull();
            assertThat(actual).isCloseTo(expected, within(1e-6 * Math.max(1, Math.abs(expected))));
        }
    }
}
