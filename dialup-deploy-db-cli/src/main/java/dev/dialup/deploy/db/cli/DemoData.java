package dev.dialup.deploy.db.cli;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeds the demo world through the same repositories and scopes a platform service uses:
 * accounts are registered by the "auth" component, the organization and sites are created by
 * their users, deployments are driven by the "builder" component.
 */
final class DemoData {
    static final String PASSWORD = "demo-password-1";
    private static final int STEPS = 5;

    record Result(boolean created, long usageSamples, LocalDate rolledUpDay, List<Long> siteIds) {}

    private final DialupDatabase db;

    DemoData(DialupDatabase db) {
        this.db = db;
    }

    Result seed(Progress progress) {
        boolean created = !alreadySeeded();
        List<Long> siteIds = created ? createWorld(progress) : existingDemoSites();
        progress.update("usage", 3, STEPS);
        LocalDate yesterday = LocalDate.ofInstant(db.clock().instant(), java.time.ZoneOffset.UTC)
                .minusDays(1);
        long samples = recordDay(siteIds, yesterday);
        progress.update("rollup", 4, STEPS);
        new UsageRepository(db).rollupDay(db.systemScope("monitoring"), yesterday);
        progress.update("done", STEPS, STEPS);
        return new Result(created, samples, yesterday, siteIds);
    }

    /**
     * A day of 30-second samples per site, as the monitoring core would send them (one batch
     * per site-hour). Values are a deterministic function of site and time, so a second run
     * re-sends identical samples and the ingest skips them.
     */
    private long recordDay(List<Long> siteIds, LocalDate day) {
        UsageRepository usage = new UsageRepository(db);
        long start = day.atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond();
        long sent = 0;
        for (long site : siteIds) {
            double base = 80 + (site * 37 % 300);
            for (int hour = 0; hour < 24; hour++) {
                List<UsageSample> batch = new ArrayList<>(120);
                for (int i = 0; i < 120; i++) {
                    long ts = start + hour * 3600L + i * 30L;
                    Random r = new Random(site * 1_000_003L + ts);
                    double wave = Math.sin(2 * Math.PI * (ts - start) / 86_400.0);
                    batch.add(UsageSample.of(
                            site,
                            Instant.ofEpochSecond(ts),
                            base + 40 * wave + r.nextDouble() * 10,
                            Math.max(0, 15 + 10 * wave + r.nextGaussian() * 3),
                            200 + site % 50,
                            r.nextDouble() * 2,
                            r.nextInt(60),
                            20 + r.nextDouble() * 80));
                }
                usage.recordBatch(db.systemScope("monitoring"), batch);
                sent += batch.size();
            }
        }
        return sent;
    }

    private boolean alreadySeeded() {
        int n = db.read(dsl -> dsl.fetchCount(USERS, USERS.USERNAME.eq("demo-alice")));
        return n > 0;
    }

    private List<Long> existingDemoSites() {
        AccessScope admin = db.systemScope("cli:demo");
        List<Long> ids = new ArrayList<>();
        for (Site s :
                new SiteRepository(db).list(admin, SiteFilter.ALL, null, 500).items()) {
            if (s.name().startsWith("demo-")) ids.add(s.id());
        }
        return ids;
    }

    private List<Long> createWorld(Progress progress) {
        AccessScope auth = db.systemScope("auth");
        AccessScope builder = db.systemScope("builder");
        UserRepository users = new UserRepository(db);
        AccessScopes scopes = new AccessScopes(db);

        progress.update("accounts", 0, STEPS);
        long alice = users.register(auth, "demo-alice", "alice@demo.example", PASSWORD, "Alice (org owner)")
                .id();
        long bob = users.register(auth, "demo-bob", "bob@demo.example", PASSWORD, "Bob (org admin)")
                .id();
        long carol = users.register(auth, "demo-carol", "carol@demo.example", PASSWORD, "Carol (org member)")
                .id();
        long dave = users.register(auth, "demo-dave", "dave@demo.example", PASSWORD, "Dave (personal sites)")
                .id();

        progress.update("sites", 1, STEPS);
        OrganizationRepository orgs = new OrganizationRepository(db);
        AccessScope aliceScope = scopes.forUser(alice);
        long acme = orgs.create(aliceScope, "Demo Acme Web", null, "A demo organization")
                .id();
        // Membership by invitation: alice invites, bob and carol accept with their own scopes.
        AccessScope bobScope = scopes.forUser(bob);
        orgs.acceptInvitation(
                bobScope,
                orgs.invite(aliceScope, acme, "demo-bob", OrgRole.ADMIN).id());
        orgs.acceptInvitation(
                scopes.forUser(carol),
                orgs.invite(aliceScope, acme, "carol@demo.example", OrgRole.MEMBER)
                        .id());
        AccessScope daveScope = scopes.forUser(dave);

        SiteRepository sites = new SiteRepository(db);
        List<Long> ids = new ArrayList<>();
        ids.add(sites.create(aliceScope, NewSite.forOrganization(acme, "demo-acme-shop", SiteType.DYNAMIC))
                .id());
        ids.add(sites.create(bobScope, NewSite.forOrganization(acme, "demo-acme-docs", SiteType.STATIC))
                .id());
        ids.add(sites.create(aliceScope, NewSite.forOrganization(acme, "demo-acme-api", SiteType.DOCKER))
                .id());
        ids.add(sites.create(daveScope, NewSite.personal("demo-dave-blog", SiteType.STATIC))
                .id());
        ids.add(sites.create(daveScope, NewSite.personal("demo-dave-portfolio", SiteType.DYNAMIC))
                .id());
        sites.update(
                bobScope,
                ids.get(0),
                SiteConfig.defaults()
                        .withRepository("https://git.demo.example/acme/shop.git", "main")
                        .withCommands("npm ci && npm run build", "npm start")
                        .withPort(3000));
        new SiteLimitsRepository(db).set(bobScope, ids.get(0), new ResourceLimits(1024, 100, 4096, 20_480, 5000));
        new SiteDomainRepository(db).add(aliceScope, ids.get(0), "shop.acme.demo.example");
        sites.update(
                daveScope,
                ids.get(4),
                SiteConfig.defaults().withDescription("paused").withActive(false));

        progress.update("deploys", 2, STEPS);
        DeploymentRepository deployments = new DeploymentRepository(db);
        AccessScope carolScope = scopes.forUser(carol);
        int n = 0;
        for (long site : ids) {
            for (int i = 0; i < 3; i++, n++) {
                AccessScope requester = site == ids.get(3) || site == ids.get(4) ? daveScope : carolScope;
                long id = deployments
                        .create(
                                requester,
                                site,
                                new NewDeployment(String.format("%07x", 0xabc000 + n), "demo change " + n, "main"))
                        .id();
                deployments.transition(builder, id, DeploymentStatus.BUILDING);
                deployments.appendLog(builder, id, "$ build\nstep 1/2 ok\n");
                boolean fails = n % 4 == 1;
                deployments.appendLog(builder, id, fails ? "step 2/2 FAILED: exit code 1\n" : "step 2/2 ok\n");
                deployments.transition(builder, id, fails ? DeploymentStatus.FAILED : DeploymentStatus.SUCCESS);
            }
        }
        return ids;
    }
}
