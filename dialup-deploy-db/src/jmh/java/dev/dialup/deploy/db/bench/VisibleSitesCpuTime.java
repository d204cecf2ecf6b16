package dev.dialup.deploy.db.bench;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteRepository;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.jooq.Condition;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Companion to {@link VisibleSitesBenchmark} for a machine shared with other jobs: the same
 * dataset and the same query variants, but timed as <em>CPU time of the calling thread</em>
 * ({@link ThreadMXBean#getCurrentThreadCpuTime()}) — SQLite runs in that thread through JNI, so
 * this counts jOOQ, the driver and the database work while leaving out the time the thread waited
 * for a core. Variants run interleaved in blocks (A, B, C, … then again), so drift hits all alike;
 * the result per variant is the median over blocks of the mean CPU time per call. Wall-clock
 * medians from JMH remain the reference on a quiet machine.
 *
 * <pre>java -cp … dev.dialup.deploy.db.bench.VisibleSitesCpuTime [blocks=40] [callsPerBlock=100]</pre>
 */
public final class VisibleSitesCpuTime {
    private VisibleSitesCpuTime() {}

    public static void main(String[] args) throws Exception {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int limit = 50;
        Path dir = Files.createTempDirectory("bench-visible-sites-cpu");
        try (DialupDatabase db = DialupDatabase.open(dir.resolve("bench.db"))) {
            long userId = VisibleSitesBenchmark.seed(db);
            SiteRepository sites = new SiteRepository(db);
            AccessScope scope = new AccessScopes(db).forUser(userId);
            List<Long> orgIds = db.read(dsl -> dsl.select(ORGANIZATION_MEMBERS.ORGANIZATION_ID)
                    .from(ORGANIZATION_MEMBERS)
                    .where(ORGANIZATION_MEMBERS.USER_ID.eq(userId))
                    .fetch(ORGANIZATION_MEMBERS.ORGANIZATION_ID));
            // "pre-rendered" design: the sub-query condition rendered once for this user, reused as plain SQL
            String rendered = DSL.using(SQLDialect.SQLITE).renderInlined(VisibleSitesBenchmark.subQueryVisible(userId));
            Condition preRendered = DSL.condition(rendered);

            Map<String, IntSupplier> variants = new LinkedHashMap<>();
            variants.put(
                    "snapshotCondition",
                    () -> db.read(dsl -> dsl.selectFrom(SITES)
                                    .where(SITES.OWNER_ID.eq(userId).or(SITES.ORGANIZATION_ID.in(orgIds)))
                                    .orderBy(SITES.NAME, SITES.ID)
                                    .limit(limit + 1)
                                    .fetch())
                            .size());
            variants.put(
                    "currentFactsCondition",
                    () -> db.read(dsl -> dsl.selectFrom(SITES)
                                    .where(TenantFilter.siteVisible(dsl, scope, SITES))
                                    .orderBy(SITES.NAME, SITES.ID)
                                    .limit(limit + 1)
                                    .fetch())
                            .size());
            variants.put(
                    "subQueryCondition",
                    () -> db.read(dsl -> dsl.selectFrom(SITES)
                                    .where(VisibleSitesBenchmark.subQueryVisible(userId))
                                    .orderBy(SITES.NAME, SITES.ID)
                                    .limit(limit + 1)
                                    .fetch())
                            .size());
            variants.put(
                    "preRenderedSubQuery",
                    () -> db.read(dsl -> dsl.selectFrom(SITES)
                                    .where(preRendered)
                                    .orderBy(SITES.NAME, SITES.ID)
                                    .limit(limit + 1)
                                    .fetch())
                            .size());
            variants.put(
                    "library",
                    () -> sites.list(scope, SiteFilter.ALL, null, limit).items().size());

            for (var e : variants.entrySet()) {
                if (e.getValue().getAsInt() < limit)
                    throw new IllegalStateException(e.getKey() + " returned too few rows");
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Map<String, List<Double>> perCall = new LinkedHashMap<>();
            variants.keySet().forEach(k -> perCall.put(k, new ArrayList<>()));
            int warmupBlocks = Math.max(5, blocks / 4);
            for (int b = 0; b < warmupBlocks + blocks; b++) {
                for (var e : variants.entrySet()) {
                    long cpu0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) e.getValue().getAsInt();
                    long cpu = mx.getCurrentThreadCpuTime() - cpu0;
                    if (b >= warmupBlocks) perCall.get(e.getKey()).add(cpu / 1e6 / calls);
                }
            }
            System.out.printf(
                    "CPU time per call (ms), %d blocks x %d calls after %d warm-up blocks, page of %d%n",
                    blocks, calls, warmupBlocks, limit);
            System.out.printf("%-24s %8s %8s %8s%n", "variant", "median", "p10", "p90");
            for (var e : perCall.entrySet()) {
                List<Double> v = new ArrayList<>(e.getValue());
                v.sort(null);
                System.out.printf(
                        "%-24s %8.3f %8.3f %8.3f%n",
                        e.getKey(), v.get(v.size() / 2), v.get(v.size() / 10), v.get(v.size() * 9 / 10));
            }
        } finally {
            BenchFiles.deleteRecursively(dir);
        }
    }
}
