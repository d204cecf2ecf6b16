package dev.dialup.deploy.db.bench;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3's target: listing the sites visible to a user who belongs to 50 organizations,
 * among 10,000 sites in 1,000 organizations (10 per organization, plus the user's 5 personal
 * sites), through {@link SiteRepository#list} — median ≤ 2 ms. Baseline: the same SQL on a
 * raw sqlite-jdbc read-only connection, same file, same run. {@code limit} is the page size
 * (50 = one page; 500 = the largest page, 500 of the 505 visible sites).
 *
 * <p>Issue 9 (decisions on current facts): three methods run the same jOOQ query
 * ({@code selectFrom(SITES).where(…).orderBy(NAME, ID).limit(limit + 1)}) in one read
 * transaction on the library's reader pool, differing only in how visibility is decided:
 * <ul>
 *   <li>{@code snapshotCondition} (baseline): the pre-issue-9 snapshot style, the user's 50
 *       organization ids as literals, as scopes used to carry them;</li>
 *   <li>{@code currentFactsCondition}: what the library does now, {@link TenantFilter#siteVisible}
 *       — one indexed query for the caller's current facts, then the literal-id condition, both
 *       in the same transaction;</li>
 *   <li>{@code subQueryCondition}: the first issue-9 design, kept here for comparison — the
 *       condition embeds uncorrelated sub-queries on the current user and membership rows.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class VisibleSitesBenchmark {
    static final int ORGS = 1_000;
    static final int SITES_PER_ORG = 10;
    static final int USER_ORGS = 50;

    @Param({"50", "500"})
    public int limit;

    private Path dir;
    private DialupDatabase db;
    private SiteRepository sites;
    private AccessScopes scopes;
    private AccessScope scope;
    private long userId;
    private Connection raw;
    private PreparedStatement rawList;
    private List<Long> orgIds;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("bench-visible-sites");
        Path file = dir.resolve("bench.db");
        db = DialupDatabase.open(file);
        userId = seed(db);
        sites = new SiteRepository(db);
        scopes = new AccessScopes(db);
        scope = scopes.forUser(userId);
        raw = SqliteOnly.dataSource(file, SqliteOnly.readerConfig(java.time.Duration.ofSeconds(10)))
                .getConnection();
        orgIds = db.read(dsl -> dsl.select(ORGANIZATION_MEMBERS.ORGANIZATION_ID)
                .from(ORGANIZATION_MEMBERS)
                .where(ORGANIZATION_MEMBERS.USER_ID.eq(userId))
                .fetch(ORGANIZATION_MEMBERS.ORGANIZATION_ID));
        String literalIds = orgIds.stream().map(String::valueOf).collect(Collectors.joining(","));
        rawList = raw.prepareStatement("SELECT * FROM sites WHERE (owner_id = ? OR organization_id IN (" + literalIds
                + "))" + " ORDER BY name, id LIMIT ?");
    }

    /** 1,000 organizations with 10 sites each; the benchmark user is a member of every 20th (50 in all). */
    static long seed(DialupDatabase db) {
        return db.write(tx -> {
            List<Long> owners = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                owners.add(tx.insertInto(USERS)
                        .set(USERS.USERNAME, "owner" + i)
                        .set(USERS.EMAIL, "owner" + i + "@bench.test")
                        .set(USERS.PASSWORD_HASH, "!bench")
                        .returning(USERS.ID)
                        .fetchOne()
                        .getId());
            }
            long user = tx.insertInto(USERS)
                    .set(USERS.USERNAME, "bench")
                    .set(USERS.EMAIL, "bench@bench.test")
                    .set(USERS.PASSWORD_HASH, "!bench")
                    .returning(USERS.ID)
                    .fetchOne()
                    .getId();
            for (int o = 0; o < ORGS; o++) {
                long org = tx.insertInto(ORGANIZATIONS)
                        .set(ORGANIZATIONS.NAME, "Org " + o)
                        .set(ORGANIZATIONS.SLUG, "org-" + o)
                        .set(ORGANIZATIONS.OWNER_ID, owners.get(o % owners.size()))
                        .returning(ORGANIZATIONS.ID)
                        .fetchOne()
                        .getId();
                if (o % (ORGS / USER_ORGS) == 0) {
                    tx.insertInto(ORGANIZATION_MEMBERS)
                            .set(ORGANIZATION_MEMBERS.ORGANIZATION_ID, org)
                            .set(ORGANIZATION_MEMBERS.USER_ID, user)
                            .set(ORGANIZATION_MEMBERS.ROLE, "member")
                            .execute();
                }
                for (int s = 0; s < SITES_PER_ORG; s++) {
                    // Names interleave organizations so visible sites are spread over the whole name order.
                    String name = String.format("site-%02d-%04d", s, o);
                    tx.insertInto(SITES)
                            .set(SITES.NAME, name)
                            .set(SITES.SLUG, name)
                            .set(SITES.ORGANIZATION_ID, org)
                            .set(SITES.SITE_TYPE, "dynamic")
                            .execute();
                }
            }
            for (int p = 0; p < 5; p++) {
                tx.insertInto(SITES)
                        .set(SITES.NAME, "personal-" + p)
                        .set(SITES.SLUG, "personal-" + p)
                        .set(SITES.OWNER_ID, user)
                        .set(SITES.SITE_TYPE, "static")
                        .execute();
            }
            tx.execute("ANALYZE");
            return user;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        rawList.close();
        raw.close();
        db.close();
        BenchFiles.deleteRecursively(dir);
    }

    /** The repository call with a scope the service already holds. */
    @Benchmark
    public Page<Site> library() {
        return sites.list(scope, SiteFilter.ALL, null, limit);
    }

    /** A request's full cost: build the scope from the user id, then list. */
    @Benchmark
    public Page<Site> libraryWithScope() {
        return sites.list(scopes.forUser(userId), SiteFilter.ALL, null, limit);
    }

    /** Baseline for issue 9: the pre-issue-9 snapshot condition (literal organization ids). */
    @Benchmark
    public List<SitesRecord> snapshotCondition() {
        return db.read(dsl -> dsl.selectFrom(SITES)
                .where(SITES.OWNER_ID.eq(userId).or(SITES.ORGANIZATION_ID.in(orgIds)))
                .orderBy(SITES.NAME, SITES.ID)
                .limit(limit + 1)
                .fetch());
    }

    /**
     * Issue 9, the library's path: {@link TenantFilter#siteVisible} reads the caller's facts with
     * one indexed query in this transaction, then the same query as the baseline runs.
     */
    @Benchmark
    public List<SitesRecord> currentFactsCondition() {
        return db.read(dsl -> dsl.selectFrom(SITES)
                .where(TenantFilter.siteVisible(dsl, scope, SITES))
                .orderBy(SITES.NAME, SITES.ID)
                .limit(limit + 1)
                .fetch());
    }

    /** Issue 9's first design, for comparison: the current facts as sub-queries inside the condition. */
    @Benchmark
    public List<SitesRecord> subQueryCondition() {
        return db.read(dsl -> dsl.selectFrom(SITES)
                .where(subQueryVisible(userId))
                .orderBy(SITES.NAME, SITES.ID)
                .limit(limit + 1)
                .fetch());
    }

    private static final Users SU = USERS.as("scope_user");
    private static final OrganizationMembers SM = ORGANIZATION_MEMBERS.as("scope_member");
    private static final Organizations SO = ORGANIZATIONS.as("scope_org");

    /** The condition {@code TenantFilter.siteVisible} produced before the facts query replaced it. */
    static Condition subQueryVisible(long uid) {
        Condition activeUser =
                DSL.exists(DSL.selectOne().from(SU).where(SU.ID.eq(uid)).and(SU.IS_ACTIVE.isTrue()));
        Condition activeAdmin = DSL.exists(DSL.selectOne()
                .from(SU)
                .where(SU.ID.eq(uid))
                .and(SU.IS_ACTIVE.isTrue())
                .and(SU.IS_ADMIN.isTrue()));
        var orgs = DSL.select(SM.ORGANIZATION_ID)
                .from(SM)
                .join(SO)
                .on(SO.ID.eq(SM.ORGANIZATION_ID))
                .where(SM.USER_ID.eq(uid).and(SO.IS_ACTIVE.isTrue()));
        return activeAdmin.or(activeUser.and(SITES.OWNER_ID.eq(uid).or(SITES.ORGANIZATION_ID.in(orgs))));
    }

    @Benchmark
    public int rawJdbc() throws Exception {
        rawList.setLong(1, userId);
        rawList.setInt(2, limit + 1);
        int n = 0;
        raw.setAutoCommit(false);
        try (ResultSet rs = rawList.executeQuery()) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                // Read every column, as the library does, so the baseline moves the same data.
                for (int c = 1; c <= columns; c++) rs.getString(c);
                n++;
            }
        }
        raw.commit();
        return n;
    }
}
