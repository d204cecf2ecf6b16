package dev.dialup.deploy.db.guide;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.DatabaseBusyException;
import dev.dialup.deploy.db.DatabaseClosedException;
import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.OperationInterruptedException;
import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.Deployment;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.IllegalTransitionException;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.tenancy.Organization;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.tenancy.User;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.usage.OverLimit;
import dev.dialup.deploy.db.usage.UsageRecorder;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every ```java block of docs/guide.md, verbatim, between "// snippet: NAME" and
 * "// end snippet". {@code GuideTest} checks that the guide's blocks equal these regions and
 * runs them, so the guide compiles and works or the build fails.
 */
public final class GuideSnippets {
    private GuideSnippets() {}

    /** The one place the guide uses a system scope (the lead adapts it to the system capability). */
    // snippet: system-scope
    static AccessScope authService(DialupDatabase db) {
        return db.systemScope("auth"); // the registration/login service acts as the platform
    }
    // end snippet

    static long lifecycle(Path file) {
        // snippet: lifecycle
        // At service start-up: one DialupDatabase per process (it owns the single writer connection).
        DialupDatabase db =
                DialupDatabase.builder().path(file).allowSystemScope().build();
        // Repositories are stateless and thread-safe: create each once and share it (singletons).
        UserRepository users = new UserRepository(db);
        SiteRepository sites = new SiteRepository(db);
        AccessScopes scopes = new AccessScopes(db);
        // ... serve requests from many threads ...
        // At shutdown, after the last request: close it once.
        db.close();
        // end snippet
        return users.hashCode() + sites.hashCode() + scopes.hashCode();
    }

    /** The keyset a service passes to EnvironmentRepository; here generated into a private file. */
    static SecretsKeyset keyset(Path dir) {
        SecretsKeyset.generate().writeTo(dir.resolve("secrets-keyset.json"));
        Map<String, String> environment = Map.of(
                "DIALUP_SECRETS_KEYSET_FILE", dir.resolve("secrets-keyset.json").toString());
        // snippet: keyset
        // DIALUP_SECRETS_KEYSET (the JSON) or DIALUP_SECRETS_KEYSET_FILE (a 0600 file) names the keyset;
        // SecretsKeyset.fromEnvironment() reads System.getenv(), this overload a map you pass.
        SecretsKeyset keyset = SecretsKeyset.fromEnvironment(environment);
        // end snippet
        return keyset;
    }

    /** A sample request handler: the complete flow the guide describes. */
    public record Response(int status, String body) {}

    public static final class SiteService {
        private final UserRepository users;
        private final AccessScopes scopes;
        private final SiteRepository sites;
        private final SiteLimitsRepository limits;
        private final DeploymentRepository deployments;

        public SiteService(
                UserRepository users,
                AccessScopes scopes,
                SiteRepository sites,
                SiteLimitsRepository limits,
                DeploymentRepository deployments) {
            this.users = users;
            this.scopes = scopes;
            this.sites = sites;
            this.limits = limits;
            this.deployments = deployments;
        }

        // snippet: request-flow
        /** POST /sites/{slug}/deployments with a login and password (a real service uses a session token). */
        public Response deploy(AccessScope authScope, String login, String password, String slug, String commit) {
            try {
                // 1. authenticate: who is asking (empty on a wrong password or an unknown user)
                Optional<Long> userId = users.authenticate(authScope, login, password);
                if (userId.isEmpty()) {
                    return new Response(401, "unauthorized");
                }
                // 2. scope: a fresh snapshot of the caller's roles, for this request only
                AccessScope scope = scopes.forUser(userId.get());
                // 3. repositories: every call is checked against the scope
                Site site = sites.findBySlug(scope, slug);
                ResourceLimits siteLimits = limits.get(scope, site.id());
                Deployment deployment =
                        deployments.create(scope, site.id(), new NewDeployment(commit, "deploy " + commit, "main"));
                // 4. response
                return new Response(
                        201,
                        "deployment " + deployment.id() + " of " + site.slug() + " (" + siteLimits.memoryMb() + " MB)");
            } catch (DialupDataException e) {
                return ErrorMapping.toResponse(e);
            }
        }
        // end snippet
    }

    public static final class ErrorMapping {
        private ErrorMapping() {}

        // snippet: error-mapping
        static Response toResponse(DialupDataException e) {
            int status = switch (e) {
                case ValidationException v -> 400; // bad input; nothing was written
                case NotFoundException n -> 404; // missing OR not visible to the caller (same message)
                case AccessDeniedException a -> 403; // visible, but the caller's role may not do this
                case IllegalTransitionException t -> 409; // a ConflictException: deployment status change not allowed
                case ConflictException c -> 409; // taken name/slug/domain/username, state forbids it, stale
                case DatabaseBusyException b -> 503; // another process held the write lock; retry later
                case DatabaseClosedException x -> 503; // the database was closed: shutting down
                case OperationInterruptedException x -> 503; // the request thread was interrupted
                case StorageException s -> 507; // disk full / file gone / not writable
                case IncompatibleDatabaseException i -> 500; // start-up only: wrong file, newer schema
                default -> 500; // MigrationFailedException, secrets, other failures
            };
            return new Response(status, e.getMessage()); // messages never contain secret values
        }
        // end snippet
    }

    /** Registers the demo world the request-flow snippet runs against (not in the guide). */
    static long seed(DialupDatabase db) {
        AccessScope auth = authService(db);
        UserRepository users = new UserRepository(db);
        User owner = users.register(auth, "guide-owner", "owner@guide.example", "correct horse battery", "Guide Owner");
        users.register(auth, "guide-outsider", "outsider@guide.example", "correct horse battery", "Guide Outsider");
        AccessScopes scopes = new AccessScopes(db);
        Organization org =
                new OrganizationRepository(db).create(scopes.forUser(owner.id()), "Guide Org", null, "for the guide");
        Site site = new SiteRepository(db)
                .create(scopes.forUser(owner.id()), NewSite.forOrganization(org.id(), "guide-shop", SiteType.DYNAMIC));
        new SiteLimitsRepository(db)
                .set(scopes.forUser(owner.id()), site.id(), new ResourceLimits(512, 100, 1024, 10_240, 600));
        return site.id();
    }

    // snippet: usage
    // The monitoring loop: one UsageRepository (a facade over ingest, queries, enforcement,
    // rollup and retention), created once and shared like every repository.
    static List<OverLimit> monitoringRound(DialupDatabase db, UsageRepository usage, List<UsageSample> round) {
        AccessScope monitoring = db.systemScope("monitoring");
        usage.recordBatch(monitoring, round); // one transaction; re-sending the same round writes nothing
        return usage.sitesOverLimit(monitoring, Duration.ofMinutes(5)); // for the enforcement loop
    }
    // end snippet

    // snippet: usage-recorder
    // Pollers that report one sample at a time: one UsageRecorder per ingest loop, shared by its threads.
    // record() checks the sample and queues it; the recorder's thread commits the queue in batches.
    static UsageRecorder startRecorder(DialupDatabase db, UsageRepository usage, LongAdder droppedSamples) {
        return usage.recorder(
                db.systemScope("monitoring"),
                UsageRecorder.Settings.defaults() // up to 1,000 per batch, every 100 ms, at most 10,000 pending
                        .withOnRejected(rejected -> droppedSamples.increment())); // unknown site, conflict, ...
    }

    static void onSample(UsageRecorder recorder, UsageSample sample) {
        recorder.record(sample); // returns at once; blocks only while the recorder is full
    }

    static void stopRecorder(UsageRecorder recorder) {
        recorder.close(); // at shutdown, before db.close(): commits what is still queued
    }
    // end snippet

    static EnvironmentRepository environment(DialupDatabase db, SecretsKeyset keyset) {
        return new EnvironmentRepository(db, keyset);
    }
}
