package dev.dialup.deploy.db.usage;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.ActorWorld.Rule;
import dev.dialup.deploy.db.testing.MatrixHarness;
import dev.dialup.deploy.db.testing.MatrixHarness.Outcome;
import dev.dialup.deploy.db.testing.TestDb;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-tenant matrix for every public method of {@link UsageRepository} × every actor.
 * Ingest, enforcement, rollup and retention are the system scope's (everyone else:
 * AccessDeniedException); the user-facing queries follow "read a site" (personal owner, any
 * member of its active organization, system admins, the system scope; everyone else:
 * NotFoundException, exactly like a missing site). Denied calls leave every table unchanged.
 */
public class UsageMatrixTest {
    @TempDir
    static Path dir;

    private static DialupDatabase db;

    public static Set<String> coveredMethods() {
        Set<String> names = new TreeSet<>();
        cases(null).forEach(c -> names.add("UsageRepository#" + c.method()));
        return names;
    }

    interface Call {
        Object run(AccessScope scope, long siteId);
    }

    record Case(String method, Function<Actor, Outcome> rule, Call call) {}

    @TestFactory
    Stream<DynamicContainer> everyMethodForEveryActor() {
        db = TestDb.open(dir);
        World w = new World(db);
        return cases(w).stream()
                .map(c -> DynamicContainer.dynamicContainer(
                        c.method(),
                        Stream.of(Actor.values()).map(a -> DynamicTest.dynamicTest(a.name(), () -> check(w, c, a)))));
    }

    @AfterAll
    static void close() {
        if (db != null) db.close();
    }

    /** One cell: allowed calls run; refused ones fail as documented (a not-found names the site) and change nothing. */
    private static void check(World w, Case c, Actor actor) throws Exception {
        long site = w.actors.targetSite(actor);
        AccessScope scope = w.actors.scope(actor);
        MatrixHarness.check(
                db, c.rule().apply(actor), "site", site, () -> c.call().run(scope, site));
    }

    static final class World {
        final DialupDatabase db;
        final ActorWorld actors;
        final UsageRepository usage;
        final AtomicLong second = new AtomicLong();
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        World(DialupDatabase db) {
            this.db = db;
            actors = ActorWorld.create(db);
            usage = new UsageRepository(db);
            // every site has recent samples, so allowed reads return data
            List<UsageSample> seed = new ArrayList<>();
            for (long site : List.of(actors.orgSite, actors.personalSite, actors.deadOrgSite)) {
                for (int i = 1; i <= 10; i++)
                    seed.add(UsageSample.of(site, now.minusSeconds(30L * i), 100 + i, 5, 10, 0.5, 3, 20));
            }
            usage.recordBatch(actors.system(), seed);
        }

        /** A fresh, never-used second in the past hour for ingest calls. */
        Instant freshInstant() {
            return now.minus(Duration.ofHours(1)).plusSeconds(second.incrementAndGet());
        }
    }

    private static List<Case> cases(World w) {
        Function<Actor, Outcome> system = Rule.SYSTEM::outcome;
        Function<Actor, Outcome> readSite = Rule.READ_SITE::outcome;
        Function<Actor, Outcome> anyone = a -> Outcome.OK; // filters to visible sites, never refuses
        List<Case> out = new ArrayList<>();
        out.add(new Case(
                "record",
                system,
                (s, site) -> w.usage.record(s, UsageSample.of(site, w.freshInstant(), 1, 1, 1, 1, 1, 1))));
        out.add(new Case(
                "recordBatch",
                system,
                (s, site) -> w.usage.recordBatch(
                        s,
                        List.of(
                                UsageSample.of(site, w.freshInstant(), 1, 1, 1, 1, 1, 1),
                                UsageSample.of(site, w.freshInstant(), 2, 2, 2, 2, 2, 2)))));
        out.add(new Case("recorder", system, (s, site) -> {
            // refused at creation for everyone but the system scope; allowed: one sample, committed by close()
            try (UsageRecorder recorder = w.usage.recorder(s, UsageRecorder.Settings.defaults())) {
                recorder.record(UsageSample.of(site, w.freshInstant(), 3, 3, 3, 3, 3, 3));
                recorder.close();
                assertThat(recorder.recorded()).isEqualTo(1);
                return recorder.recorded();
            }
        }));
        out.add(new Case("sitesOverLimit", system, (s, site) -> w.usage.sitesOverLimit(s, Duration.ofMinutes(5))));
        out.add(new Case(
                "rollupDay",
                system,
                (s, site) -> w.usage.rollupDay(s, LocalDate.now(ZoneOffset.UTC).minusDays(1))));
        out.add(new Case("prune", system, (s, site) -> w.usage.prune(s)));
        out.add(new Case("moveRecentSamples", system, (s, site) -> w.usage.moveRecentSamples(s)));
        out.add(new Case("createPartitionsAhead", system, (s, site) -> w.usage.createPartitionsAhead(s)));
        out.add(new Case("latest", readSite, (s, site) -> {
            var latest = w.usage.latest(s, List.of(site));
            assertThat(latest).containsKey(site);
            return latest;
        }));
        out.add(new Case("latestForVisibleSites", anyone, (s, site) -> {
            var visible = w.usage.latestForVisibleSites(s).stream()
                    .map(UsageSample::siteId)
                    .toList();
            // what each actor may see, by the read rule on the three seeded sites
            List<Long> expected = new ArrayList<>();
            for (long candidate : List.of(w.actors.orgSite, w.actors.personalSite, w.actors.deadOrgSite)) {
                if (mayRead(w, s, candidate)) expected.add(candidate);
            }
            assertThat(visible).containsExactlyInAnyOrderElementsOf(expected);
            return visible;
        }));
        out.add(new Case(
                "series",
                readSite,
                (s, site) -> w.usage.series(s, site, w.now.minus(Duration.ofHours(1)), w.now.plusSeconds(1))));
        out.add(new Case(
                "seriesBuckets",
                readSite,
                (s, site) -> w.usage.seriesBuckets(s, site, w.now.minus(Duration.ofHours(1)), w.now, 12)));
        out.add(new Case("usageVsLimits", readSite, (s, site) -> w.usage.usageVsLimits(s, site)));
        out.add(new Case(
                "daily",
                readSite,
                (s, site) -> w.usage.daily(
                        s, site, LocalDate.now(ZoneOffset.UTC).minusDays(7), LocalDate.now(ZoneOffset.UTC))));
        return out;
    }

    /**
     * The read-a-site rule, evaluated independently of TenantFilter for the visibility check
     * above, on the current rows (a scope carries no permissions of its own).
     */
    private static boolean mayRead(World w, AccessScope s, long site) {
        if (s.isSystem()) return true;
        long uid = s.userId().orElseThrow();
        return w.db.read(dsl -> {
            var u = dsl.select(USERS.IS_ACTIVE, USERS.IS_ADMIN)
                    .from(USERS)
                    .where(USERS.ID.eq(uid))
                    .fetchOne();
            if (!Boolean.TRUE.equals(u.value1())) return false;
            if (Boolean.TRUE.equals(u.value2())) return true;
            if (site == w.actors.personalSite) return uid == personalOwnerId(w);
            long org = site == w.actors.orgSite ? w.actors.orgA : w.actors.orgB;
            return dsl.fetchExists(
                    ORGANIZATION_MEMBERS
                            .join(ORGANIZATIONS)
                            .on(ORGANIZATIONS.ID.eq(ORGANIZATION_MEMBERS.ORGANIZATION_ID)),
                    ORGANIZATION_MEMBERS
                            .USER_ID
                            .eq(uid)
                            .and(ORGANIZATION_MEMBERS.ORGANIZATION_ID.eq(org))
                            .and(ORGANIZATIONS.IS_ACTIVE.isTrue()));
        });
    }

    private static long personalOwnerId(World w) {
        return w.actors.scope(Actor.PERSONAL_OWNER).userId().orElseThrow();
    }
}
