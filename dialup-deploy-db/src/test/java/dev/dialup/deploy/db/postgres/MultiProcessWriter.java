package dev.dialup.deploy.db.postgres;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.deploy.Deployment;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.IllegalTransitionException;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteDomain;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.tenancy.Invitation;
import dev.dialup.deploy.db.tenancy.Member;
import dev.dialup.deploy.db.tenancy.Organization;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.tenancy.User;
import dev.dialup.deploy.db.tenancy.UserRepository;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * One of the separate JVMs of {@link MultiProcessWritersTest}: its own {@link DialupDatabase} (own pools) on the
 * PostgreSQL database named by the first argument (never printed), writing through the repositories only.
 *
 * <p>Arguments: {@code location worker rounds barrierDir}. Before the barrier it registers its owner and a home site;
 * then, once {@code barrierDir/go} exists, it runs {@code rounds} rounds of ten writes each. Names are chosen so the
 * workers collide on purpose (the same username, email, organization name, derived organization slug, site name,
 * site slug and domain in the same round). Every outcome is one line on stdout, fields separated by tabs:
 *
 * <pre>
 * &#64;&#64;  OK        op  id  key...        a write that committed (what the worker believes is in the database)
 * &#64;&#64;  CONFLICT  op  key               ConflictException (a collision: nothing of it may be left behind)
 * &#64;&#64;  STALE     op  key  exception    the worker's view was overtaken (illegal transition, access/not found)
 * &#64;&#64;  BUSY      op  key               DatabaseBusyException: retries exhausted
 * &#64;&#64;  RETRIES   n                     db.writeRetries() at the end
 * &#64;&#64;  DONE      writes
 * </pre>
 *
 * Any other exception ends the process with exit code 1 (a crash the parent reports).
 */
public final class MultiProcessWriter {
    static final String PASSWORD = "correct horse battery";
    /** Punctuation that keeps organization names distinct while they slugify to the same slug. */
    private static final String[] PUNCT = {"", "!", "?", "."};

    private final PrintStream out;
    private final int w;
    private final Random random;
    private final AccessScope system;
    private final AccessScopes scopes;
    private final UserRepository users;
    private final OrganizationRepository orgs;
    private final SiteRepository sites;
    private final SiteDomainRepository domains;
    private final DeploymentRepository deployments;

    private long owner;
    private AccessScope ownerScope;
    /** Scopes of this worker's users (a scope is only the id; building one reads the database once). */
    private final java.util.Map<Long, AccessScope> userScopes = new java.util.HashMap<>();
    /** Site ids by slug once seen (sites are never deleted here). */
    private final java.util.Map<String, Long> sitesBySlug = new java.util.HashMap<>();

    private long homeSite;
    private final List<Long> ownUsers = new ArrayList<>();
    private final List<Long> ownOrgs = new ArrayList<>();
    private final List<Long> ownSites = new ArrayList<>();
    /** (organization, user) pairs this worker's users joined by accepting an invitation. */
    private final List<long[]> joined = new ArrayList<>();

    private int writes;

    private MultiProcessWriter(DialupDatabase db, int worker, PrintStream out) {
        this.out = out;
        this.w = worker;
        this.random = new Random(1000L + worker);
        this.system = db.systemScope("worker-" + worker);
        this.scopes = new AccessScopes(db);
        this.users = new UserRepository(db);
        this.orgs = new OrganizationRepository(db);
        this.sites = new SiteRepository(db);
        this.domains = new SiteDomainRepository(db);
        this.deployments = new DeploymentRepository(db);
    }

    public static void main(String[] args) throws Exception {
        String location = args[0];
        int worker = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path barrier = Path.of(args[3]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (DialupDatabase db = DialupDatabase.builder()
                .location(location)
                .migrateOnOpen(false)
                .writers(2)
                .readers(2)
                .allowSystemScope()
                .insecurePasswordHashingForTests()
                .build()) {
            MultiProcessWriter worker1 = new MultiProcessWriter(db, worker, out);
            worker1.warmUp();
            Files.writeString(barrier.resolve("ready-" + worker), "ready");
            Path go = barrier.resolve("go");
            while (!Files.exists(go)) {
                Thread.sleep(5);
            }
            for (int k = 0; k < rounds; k++) {
                worker1.round(k);
            }
            out.println("@@\tRETRIES\t" + db.writeRetries());
            out.println("@@\tDONE\t" + worker1.writes);
        } catch (Throwable t) {
            // The location may carry credentials: the stack trace goes out, the URL never does.
            System.err.println("worker " + worker + " crashed: " + t.getClass().getName());
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void warmUp() {
        writes += 2;
        User u = users.register(system, "owner-w" + w, "owner-w" + w + "@c.test", PASSWORD, null);
        ok("register", u.id(), u.username(), u.email());
        owner = u.id();
        ownerScope = scopes.forUser(owner);
        Site home = sites.create(ownerScope, NewSite.personal("Home w" + w, SiteType.STATIC));
        ok("site", home.id(), home.name(), home.slug());
        homeSite = home.id();
        ownSites.add(home.id());
    }

    /** Ten writes; every worker does the same kind of write in the same slot, on colliding names. */
    private void round(int k) {
        // 0: the same username in every worker.
        attempt("register", "user" + k, () -> {
            User u = users.register(system, "user" + k, "user" + k + "-w" + w + "@c.test", PASSWORD, null);
            ownUsers.add(u.id());
            return new Object[] {u.id(), u.username(), u.email()};
        });
        // 1: the same email (in another case in odd workers), distinct usernames.
        String email = (w % 2 == 0 ? "v" : "V") + k + "@C.test";
        attempt("register-email", email.toLowerCase(), () -> {
            User u = users.register(system, "v" + k + "-w" + w, email, PASSWORD, null);
            ownUsers.add(u.id());
            return new Object[] {u.id(), u.username(), u.email()};
        });
        // 2: even rounds the same organization name; odd rounds distinct names with the same derived slug.
        boolean sameName = k % 2 == 0;
        String orgName = "Org " + k + (sameName ? "" : PUNCT[w]);
        attempt(sameName ? "org" : "org-derived", orgName, () -> {
            Organization o = orgs.create(ownerScope, orgName, null, null);
            ownOrgs.add(o.id());
            return new Object[] {o.id(), o.name(), o.slug()};
        });
        // 3: invite the shared user of this round (whoever registered it) into one of this worker's organizations.
        if (!ownOrgs.isEmpty()) {
            long org = ownOrgs.get(k % ownOrgs.size());
            attempt("invite", "user" + k, () -> {
                Invitation inv = orgs.invite(ownerScope, org, "user" + k, OrgRole.MEMBER);
                return new Object[] {inv.id(), inv.organizationId(), inv.invitee()};
            });
        } else {
            deploy(k);
        }
        // 4: one of this worker's users accepts a pending invitation (mostly from other workers' organizations).
        if (!accept()) {
            deploy(k);
        }
        // 5: the system scope hands an organization one of this worker's users joined to that user.
        if (!joined.isEmpty()) {
            long[] m = joined.get(random.nextInt(joined.size()));
            attempt("transfer", m[0] + ":" + m[1], () -> {
                Organization o = orgs.transferOwnership(system, m[0], m[1]);
                return new Object[] {o.id(), o.ownerId()};
            });
        } else {
            transition(k);
        }
        // 6: even rounds the same site name (derived slug); odd rounds distinct names with the same chosen slug.
        String siteName = sameName ? "Site " + k : "Site " + k + " w" + w;
        String siteSlug = sameName ? null : "site-" + k;
        boolean inOrg = !ownOrgs.isEmpty() && random.nextBoolean();
        attempt(sameName ? "site" : "site-slug", sameName ? siteName : siteSlug, () -> {
            NewSite request = new NewSite(
                    siteName, siteSlug, SiteType.DYNAMIC, inOrg ? ownOrgs.get(k % ownOrgs.size()) : null, null);
            Site s = sites.create(ownerScope, request);
            ownSites.add(s.id());
            return new Object[] {s.id(), s.name(), s.slug()};
        });
        // 7: even rounds the same domain (in another case in odd workers) on one of this worker's sites; odd rounds
        // distinct domains on the round's shared site at once (whose first domain becomes its one primary).
        if (sameName) {
            String domain = (w % 2 == 0 ? "d" : "D") + k + ".collide.test";
            long domainSite = ownSites.get(k % ownSites.size());
            attempt("domain", domain.toLowerCase(), () -> {
                SiteDomain d = domains.add(ownerScope, domainSite, domain);
                return new Object[] {d.id(), d.siteId(), d.domain()};
            });
        } else {
            String domain = "d" + k + "-w" + w + ".shared.test";
            long shared = sharedSite(k);
            attempt("domain-shared", domain, () -> {
                SiteDomain d = domains.add(system, shared, domain);
                return new Object[] {d.id(), d.siteId(), d.domain()};
            });
        }
        // 8: every worker deploys the round's shared site.
        deploy(k);
        // 9: every worker moves the newest unfinished deployment of that site on.
        transition(k);
    }

    private boolean accept() {
        // The newest few users: older ones have answered their invitations by now (keeps the reads few).
        for (int i = ownUsers.size() - 1; i >= Math.max(0, ownUsers.size() - 4); i--) {
            long uid = ownUsers.get(i);
            AccessScope me = userScopes.computeIfAbsent(uid, scopes::forUser);
            List<Invitation> mine = orgs.myInvitations(me);
            if (!mine.isEmpty()) {
                Invitation inv = mine.get(0);
                attempt("accept", String.valueOf(inv.id()), () -> {
                    Member m = orgs.acceptInvitation(me, inv.id());
                    joined.add(new long[] {inv.organizationId(), uid});
                    return new Object[] {inv.id(), inv.organizationId(), m.userId()};
                });
                return true;
            }
        }
        return false;
    }

    /** The newest site among site-k, site-(k-1) ... (another worker's, most often), else this worker's home site. */
    private long sharedSite(int k) {
        for (int j = k; j >= Math.max(0, k - 3); j--) {
            Long known = sitesBySlug.get("site-" + j);
            if (known != null) {
                return known;
            }
            try {
                long id = sites.findBySlug(system, "site-" + j).id();
                sitesBySlug.put("site-" + j, id);
                return id;
            } catch (NotFoundException e) {
                // not created yet (the worker that wins it may be behind): try an older round
            }
        }
        return homeSite;
    }

    private void deploy(int k) {
        long site = sharedSite(k);
        attempt("deploy", String.valueOf(site), () -> {
            Deployment d = deployments.create(system, site, new NewDeployment("abc" + k, "round " + k, null));
            return new Object[] {d.id(), d.siteId()};
        });
    }

    private void transition(int k) {
        long site = sharedSite(k);
        Deployment target = deployments.history(system, site, (PageCursor) null, 20).items().stream()
                .filter(d -> !d.status().isFinal())
                .findFirst()
                .orElse(null);
        if (target == null) {
            deploy(k);
            return;
        }
        List<DeploymentStatus> next = new ArrayList<>(target.status().next());
        next.sort(null);
        DeploymentStatus to = next.get(random.nextInt(next.size()));
        attempt("transition", String.valueOf(target.id()), () -> {
            Deployment d = deployments.transition(system, target.id(), to);
            // The status it came from is the one the committed attempt read (a retry may read a newer one).
            return new Object[] {d.id(), d.status().dbValue()};
        });
    }

    /** One write through a repository; collisions and overtaken views are outcomes, not failures. */
    private void attempt(String op, String key, Supplier<Object[]> write) {
        writes++;
        try {
            Object[] fields = write.get();
            ok(op, fields);
        } catch (IllegalTransitionException | AccessDeniedException | NotFoundException e) {
            line("STALE", op, key, e.getClass().getSimpleName());
        } catch (ConflictException e) {
            line("CONFLICT", op, key, e.getMessage());
        } catch (DatabaseBusyException e) {
            line("BUSY", op, key, e.reason().name());
        }
    }

    private void ok(String op, Object... fields) {
        Object[] all = new Object[fields.length + 1];
        all[0] = op;
        System.arraycopy(fields, 0, all, 1, fields.length);
        line("OK", all);
    }

    private void line(String outcome, Object... fields) {
        StringBuilder b = new StringBuilder("@@\t").append(outcome);
        for (Object f : fields) {
            b.append('\t').append(f);
        }
        out.println(b);
    }
}
