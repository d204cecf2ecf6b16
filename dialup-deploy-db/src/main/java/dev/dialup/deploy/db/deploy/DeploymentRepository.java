package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_ARCHIVES;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_CHUNKS;
import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.DeploymentLogArchives;
import dev.dialup.deploy.db.generated.tables.DeploymentLogChunks;
import dev.dialup.deploy.db.generated.tables.Deployments;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import dev.dialup.deploy.db.sites.Branches;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SelectJoinStep;
import org.jooq.impl.DSL;

/**
 * Deployments of a site: queue, state machine, chunked build logs with a size cap, history,
 * rollback target and log archival.
 *
 * <p>Permissions (docs/deployments.md): read (find, history, latest successful, log) — anyone
 * who can read the site; create — anyone who can read the site (org members may deploy the
 * site's configured branch; naming another branch needs a site manager);
 * status changes and log appends — the system scope (the builder) and site managers;
 * archival — system admins and the system scope.
 */
public final class DeploymentRepository {
    /** Default cap when {@code deployments.max_log_bytes} is missing: the catalogue's default. */
    public static final long DEFAULT_MAX_LOG_BYTES = ConfigSettings.DEPLOYMENT_MAX_LOG_BYTES.defaultValue();

    public static final int MAX_CHUNK_BYTES = 256 * 1024;

    private static final Deployments D = DEPLOYMENTS;
    private static final DeploymentLogChunks C = DEPLOYMENT_LOG_CHUNKS;
    private static final DeploymentLogArchives A = DEPLOYMENT_LOG_ARCHIVES;
    private static final Sites S = SITES;

    private final DialupDatabase db;
    private final AuditLog audit;
    private final DeploymentLogs logs;

    public DeploymentRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
        this.logs = new DeploymentLogs(db, audit, this);
    }

    /**
     * Queues a deployment (status pending) for a site the caller may deploy. {@code branch} null
     * deploys the site's configured branch. Naming another branch needs a site manager (personal
     * owner, organization owner/admin, system admin, system scope): a plain member gets
     * {@link AccessDeniedException}. Every branch — named or configured — must be a valid git
     * branch name ({@link Branches}; {@link ValidationException} otherwise). Refused calls write nothing.
     */
    public Deployment create(AccessScope scope, long siteId, NewDeployment request) {
        Inputs.notNull("request", request);
        String hash = optional("commitHash", request.commitHash(), 64);
        if (hash != null && !hash.matches("[0-9a-fA-F]{4,64}"))
            throw new ValidationException("commitHash", "must be 4-64 hex digits");
        String message = optional("commitMessage", request.commitMessage(), 4096);
        String requested = Branches.optional("branch", request.branch());
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireDeployableSite(tx, scope, siteId);
            String branch = requested;
            if (branch != null && !branch.equals(site.getBranch()) && !TenantFilter.canManage(tx, scope, site)) {
                throw new AccessDeniedException(
                        "deploying another branch than the site's configured one needs a site manager");
            }
            if (branch == null) {
                // A branch stored before validation existed (or behind the API) is never handed on unchecked.
                branch = Branches.require("branch", site.getBranch() == null ? "main" : site.getBranch());
            }
            long id = tx.insertInto(D)
                    .set(D.SITE_ID, siteId)
                    .set(D.COMMIT_HASH, hash == null ? null : hash.toLowerCase())
                    .set(D.COMMIT_MESSAGE, message)
                    .set(D.BRANCH, branch)
                    .set(D.DEPLOYED_BY, scope.userId().orElse(null))
                    .set(D.STATUS, DeploymentStatus.PENDING.dbValue())
                    .set(D.DEPLOYED_AT, now())
                    .returning(D.ID)
                    .fetchOne()
                    .getId();
            audit.record(
                    tx,
                    scope,
                    "deployment.create",
                    "deployment",
                    id,
                    site.getOrganizationId(),
                    detailsOf("siteId", siteId, "commitHash", hash, "branch", requested));
            return load(tx, id);
        });
    }

    /** One deployment of a visible site. */
    public Deployment find(AccessScope scope, long deploymentId) {
        return db.read(scope, dsl -> toDeployment(requireVisible(dsl, scope, deploymentId)));
    }

    /**
     * Moves a deployment along the state machine and records the time of the change
     * ({@code started_at} on building, {@code finished_at} and the computed build time on a
     * final status). An illegal move raises {@link IllegalTransitionException} and writes nothing.
     */
    public Deployment transition(AccessScope scope, long deploymentId, DeploymentStatus to) {
        if (to == null) throw new ValidationException("status", "must not be null");
        return db.write(scope, tx -> {
            Record row = requireBuilder(tx, scope, deploymentId);
            DeploymentStatus from = DeploymentStatus.fromDb(row.get(D.STATUS));
            if (!from.canMoveTo(to)) throw new IllegalTransitionException(deploymentId, from, to);
            Instant now = now();
            var update = tx.update(D).set(D.STATUS, to.dbValue());
            if (to == DeploymentStatus.BUILDING) {
                update = update.set(D.STARTED_AT, now);
            } else {
                Instant started = row.get(D.STARTED_AT);
                Integer seconds = started == null
                        ? null
                        : (int) Math.max(0, Duration.between(started, now).toSeconds());
                update = update.set(D.FINISHED_AT, now).set(D.BUILD_TIME_SECONDS, seconds);
            }
            // The status guard makes a concurrent change lose instead of overwrite.
            update.where(D.ID.eq(deploymentId)).and(D.STATUS.eq(from.dbValue())).execute();
            audit.record(
                    tx,
                    scope,
                    "deployment.status",
                    "deployment",
                    deploymentId,
                    row.get(S.ORGANIZATION_ID),
                    Map.of("from", from.dbValue(), "to", to.dbValue()));
            return load(tx, deploymentId);
        });
    }

    /**
     * Appends one chunk of build output while the deployment is building. Once the stored
     * log reaches {@code deployments.max_log_bytes}, the part that fits is kept, a truncation
     * marker is appended and later chunks are dropped. Returns the bytes stored from this chunk.
     */
    public int appendLog(AccessScope scope, long deploymentId, String chunk) {
        return logs.append(scope, deploymentId, chunk);
    }

    /** The build log in order, from the chunks or, once archived, from the compressed archive. */
    public BuildLog readLog(AccessScope scope, long deploymentId) {
        return logs.read(scope, deploymentId);
    }

    /**
     * A site's deployments newest first, {@code limit} (1..{@value Page#MAX_LIMIT}) per page,
     * keyset-paginated by id: pass {@code page.next().orElse(null)} back as {@code after}
     * ({@code null}: from the newest).
     */
    public Page<Deployment> history(AccessScope scope, long siteId, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            List<Deployment> rows = selectBase(dsl)
                    .where(D.SITE_ID.eq(siteId))
                    .and(after == null ? DSL.noCondition() : D.ID.lt(after.id()))
                    .orderBy(D.ID.desc())
                    .limit(n + 1)
                    .fetch(this::toDeployment);
            return Page.of(rows, n, x -> PageCursor.ofId(x.id()));
        });
    }

    /** The newest successful deployment of a site: the rollback target. */
    public Optional<Deployment> latestSuccessful(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return selectBase(dsl)
                    .where(D.SITE_ID.eq(siteId))
                    .and(D.STATUS.eq(DeploymentStatus.SUCCESS.dbValue()))
                    .orderBy(D.ID.desc())
                    .limit(1)
                    .fetchOptional(this::toDeployment);
        });
    }

    /**
     * Compresses the logs of deployments that finished more than
     * {@code deployments.log_archive_after_days} ago into {@code deployment_log_archives}
     * and deletes their chunks, up to {@code batchSize} deployments in one transaction
     * (one audit row). Deployments themselves are kept. Returns how many were archived.
     * System admins and the system scope. While {@code deployments.log_archive_enabled} is
     * false nothing is archived (0, no audit row): logs stay in their chunks.
     */
    public int archiveOldLogs(AccessScope scope, int batchSize) {
        return logs.archiveOld(scope, batchSize);
    }

    private SelectJoinStep<Record> selectBase(DSLContext dsl) {
        return dsl.select(D.fields()).select(S.ORGANIZATION_ID).from(D).join(S).on(S.ID.eq(D.SITE_ID));
    }

    private Deployment toDeployment(Record r) {
        return new Deployment(
                r.get(D.ID),
                r.get(D.SITE_ID),
                r.get(D.COMMIT_HASH),
                r.get(D.COMMIT_MESSAGE),
                r.get(D.BRANCH),
                r.get(D.DEPLOYED_BY),
                DeploymentStatus.fromDb(r.get(D.STATUS)),
                r.get(D.DEPLOYED_AT),
                r.get(D.STARTED_AT),
                r.get(D.FINISHED_AT),
                r.get(D.BUILD_TIME_SECONDS),
                r.get(D.LOG_BYTES),
                Boolean.TRUE.equals(r.get(D.LOG_TRUNCATED)),
                r.get(D.LOG_ARCHIVED_AT));
    }

    private Deployment load(DSLContext dsl, long id) {
        return toDeployment(selectBase(dsl).where(D.ID.eq(id)).fetchOne());
    }

    /** The deployment joined with its site, if the site is visible; otherwise not found. */
    Record requireVisible(DSLContext dsl, AccessScope scope, long deploymentId) {
        Record r = selectBase(dsl)
                .where(D.ID.eq(deploymentId))
                .and(TenantFilter.siteVisible(dsl, scope, S))
                .fetchOne();
        if (r == null) throw new NotFoundException("deployment", deploymentId);
        return r;
    }

    /** Status changes and log appends: the system scope (the builder) and managers of the site. */
    Record requireBuilder(DSLContext dsl, AccessScope scope, long deploymentId) {
        Record r = requireVisible(dsl, scope, deploymentId);
        TenantFilter.requireManageableSite(dsl, scope, r.get(D.SITE_ID));
        return r;
    }

    private Instant now() {
        return StoredTime.truncate(db.clock().instant());
    }

    private static String optional(String field, String value, int max) {
        if (value == null) return null;
        String t = value.strip();
        if (t.isEmpty()) return null;
        if (t.length() > max) throw new ValidationException(field, "must be at most " + max + " characters");
        if (t.chars().anyMatch(ch -> ch == 0)) throw new ValidationException(field, "must not contain NUL characters");
        Inputs.noLoneSurrogate(field, t);
        return t;
    }

    private static Map<String, Object> detailsOf(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
