package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_ARCHIVES;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_CHUNKS;
import static dev.dialup.deploy.db.generated.Tables.SITES;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.generated.tables.DeploymentLogChunks;
import dev.dialup.deploy.db.generated.tables.Deployments;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.records.DeploymentsRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.sites.Branches;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
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
    /** Default cap when {@code deployments.max_log_bytes} is missing. */
    public static final long DEFAULT_MAX_LOG_BYTES = 1024 * 1024;
    public static final int MAX_CHUNK_BYTES = 256 * 1024;
    public static final int MAX_PAGE_SIZE = 200;

    private final Deployments d = DEPLOYMENTS.as("d");
    private final DeploymentLogChunks c = DEPLOYMENT_LOG_CHUNKS.as("c");
    private final Sites s = SITES.as("s");

    private final DialupDatabase db;
    private final AuditLog audit;

    public DeploymentRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
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
        if (hash != null && !hash.matches("[0-9a-fA-F]{4,64}")) throw new ValidationException("commitHash", "must be 4-64 hex digits");
        String message = optional("commitMessage", request.commitMessage(), 4096);
        String requested = Branches.optional("branch", request.branch());
        return db.write(tx -> {
            SitesRecord site = TenantFilter.requireDeployableSite(tx, scope, siteId);
            String branch = requested;
            if (branch != null && !branch.equals(site.getBranch()) && !TenantFilter.canManage(tx, scope, site)) {
                throw new AccessDeniedException("deploying another branch than the site's configured one needs a site manager");
            }
            if (branch == null) {
                // A branch stored before validation existed (or behind the API) is never handed on unchecked.
                branch = Branches.require("branch", site.getBranch() == null ? "main" : site.getBranch());
            }
            long id = tx.insertInto(DEPLOYMENTS)
                    .set(DEPLOYMENTS.SITE_ID, siteId)
                    .set(DEPLOYMENTS.COMMIT_HASH, hash == null ? null : hash.toLowerCase())
                    .set(DEPLOYMENTS.COMMIT_MESSAGE, message)
                    .set(DEPLOYMENTS.BRANCH, branch)
                    .set(DEPLOYMENTS.DEPLOYED_BY, scope.userId().orElse(null))
                    .set(DEPLOYMENTS.STATUS, DeploymentStatus.PENDING.dbValue())
                    .set(DEPLOYMENTS.DEPLOYED_AT, now())
                    .returning(DEPLOYMENTS.ID).fetchOne().getId();
            audit.record(tx, scope, "deployment.create", "deployment", id, site.getOrganizationId(),
                    detailsOf("siteId", siteId, "commitHash", hash, "branch", requested));
            return load(tx, id);
        });
    }

    /** One deployment of a visible site. */
    public Deployment find(AccessScope scope, long deploymentId) {
        return db.read(dsl -> toDeployment(requireVisible(dsl, scope, deploymentId)));
    }

    /**
     * Moves a deployment along the state machine and records the time of the change
     * ({@code started_at} on building, {@code finished_at} and the computed build time on a
     * final status). An illegal move raises {@link IllegalTransitionException} and writes nothing.
     */
    public Deployment transition(AccessScope scope, long deploymentId, DeploymentStatus to) {
        if (to == null) throw new ValidationException("status", "must not be null");
        return db.write(tx -> {
            Record row = requireBuilder(tx, scope, deploymentId);
            DeploymentStatus from = DeploymentStatus.fromDb(row.get(d.STATUS));
            if (!from.canMoveTo(to)) throw new IllegalTransitionException(deploymentId, from, to);
            Instant now = now();
            var update = tx.update(DEPLOYMENTS).set(DEPLOYMENTS.STATUS, to.dbValue());
            if (to == DeploymentStatus.BUILDING) {
                update = update.set(DEPLOYMENTS.STARTED_AT, now);
            } else {
                Instant started = row.get(d.STARTED_AT);
                Integer seconds = started == null ? null : (int) Math.max(0, Duration.between(started, now).toSeconds());
                update = update.set(DEPLOYMENTS.FINISHED_AT, now).set(DEPLOYMENTS.BUILD_TIME_SECONDS, seconds);
            }
            // The status guard makes a concurrent change lose instead of overwrite.
            update.where(DEPLOYMENTS.ID.eq(deploymentId)).and(DEPLOYMENTS.STATUS.eq(from.dbValue())).execute();
            audit.record(tx, scope, "deployment.status", "deployment", deploymentId, row.get(s.ORGANIZATION_ID),
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
        if (chunk == null || chunk.isEmpty()) throw new ValidationException("chunk", "must not be empty");
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_CHUNK_BYTES) throw new ValidationException("chunk", "must be at most " + MAX_CHUNK_BYTES + " bytes");
        Inputs.noLoneSurrogate("chunk", chunk);
        return db.write(tx -> {
            Record row = requireBuilder(tx, scope, deploymentId);
            if (DeploymentStatus.fromDb(row.get(d.STATUS)) != DeploymentStatus.BUILDING) {
                throw new ConflictException("deployment " + deploymentId + " is " + row.get(d.STATUS) + "; logs are appended only while building");
            }
            if (Boolean.TRUE.equals(row.get(d.LOG_TRUNCATED))) return 0;
            long cap = ConfigValues.readLong(tx, ConfigSettings.DEPLOYMENT_MAX_LOG_BYTES.key(), DEFAULT_MAX_LOG_BYTES);
            long used = row.get(d.LOG_BYTES);
            int seq = tx.select(DSL.coalesce(DSL.max(c.SEQ), -1)).from(c).where(c.DEPLOYMENT_ID.eq(deploymentId)).fetchOne().value1() + 1;
            String kept = chunk;
            boolean truncate = used + bytes.length > cap;
            if (truncate) kept = Utf8.prefix(chunk, (int) Math.max(0, cap - used));
            int keptBytes = kept.getBytes(StandardCharsets.UTF_8).length;
            if (!kept.isEmpty()) insertChunk(tx, deploymentId, seq++, kept);
            if (truncate) insertChunk(tx, deploymentId, seq, BuildLog.truncationMarker(cap));
            tx.update(DEPLOYMENTS)
                    .set(DEPLOYMENTS.LOG_BYTES, (int) (used + keptBytes))
                    .set(DEPLOYMENTS.LOG_TRUNCATED, truncate)
                    .where(DEPLOYMENTS.ID.eq(deploymentId)).execute();
            // Not audited: a log chunk is build output, not an administrative action, and the
            // chunk table is its own record. The deployment's status changes are audited.
            return keptBytes;
        });
    }

    /** The build log in order, from the chunks or, once archived, from the compressed archive. */
    public BuildLog readLog(AccessScope scope, long deploymentId) {
        return db.read(dsl -> {
            Record row = requireVisible(dsl, scope, deploymentId);
            boolean truncated = Boolean.TRUE.equals(row.get(d.LOG_TRUNCATED));
            if (row.get(d.LOG_ARCHIVED_AT) != null) {
                byte[] gz = dsl.select(DEPLOYMENT_LOG_ARCHIVES.COMPRESSED).from(DEPLOYMENT_LOG_ARCHIVES)
                        .where(DEPLOYMENT_LOG_ARCHIVES.DEPLOYMENT_ID.eq(deploymentId)).fetchOne(DEPLOYMENT_LOG_ARCHIVES.COMPRESSED);
                return new BuildLog(deploymentId, gz == null ? "" : gunzip(gz), truncated, true);
            }
            return new BuildLog(deploymentId, concatenatedChunks(dsl, deploymentId), truncated, false);
        });
    }

    /** A site's deployments newest first, {@code limit} per page, before {@code beforeId} (null: from the newest). */
    public DeploymentPage history(AccessScope scope, long siteId, Long beforeId, int limit) {
        if (limit < 1 || limit > MAX_PAGE_SIZE) throw new ValidationException("limit", "must be between 1 and " + MAX_PAGE_SIZE);
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            List<Deployment> rows = selectBase(dsl)
                    .where(d.SITE_ID.eq(siteId))
                    .and(beforeId == null ? DSL.noCondition() : d.ID.lt(beforeId))
                    .orderBy(d.ID.desc())
                    .limit(limit + 1)
                    .fetch(this::toDeployment);
            if (rows.size() <= limit) return new DeploymentPage(rows, null);
            List<Deployment> page = rows.subList(0, limit);
            return new DeploymentPage(List.copyOf(page), page.get(limit - 1).id());
        });
    }

    /** The newest successful deployment of a site: the rollback target. */
    public Optional<Deployment> latestSuccessful(AccessScope scope, long siteId) {
        return db.read(dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return selectBase(dsl)
                    .where(d.SITE_ID.eq(siteId)).and(d.STATUS.eq(DeploymentStatus.SUCCESS.dbValue()))
                    .orderBy(d.ID.desc()).limit(1)
                    .fetchOptional(this::toDeployment);
        });
    }

    /**
     * Compresses the logs of deployments that finished more than
     * {@code deployments.log_archive_after_days} ago into {@code deployment_log_archives}
     * and deletes their chunks, up to {@code batchSize} deployments in one transaction
     * (one audit row). Deployments themselves are kept. Returns how many were archived.
     * System admins and the system scope.
     */
    public int archiveOldLogs(AccessScope scope, int batchSize) {
        if (batchSize < 1 || batchSize > 10_000) throw new ValidationException("batchSize", "must be between 1 and 10000");
        return db.write(tx -> {
            TenantFilter.requireAdmin(tx, scope, "archiving build logs");
            long days = ConfigValues.readLong(tx, ConfigKeys.DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS, 90);
            Instant now = now();
            Instant cutoff = now.minus(Duration.ofDays(days));
            List<Long> ids = tx.select(d.ID).from(d)
                    .where(d.LOG_ARCHIVED_AT.isNull()).and(d.FINISHED_AT.isNotNull()).and(d.FINISHED_AT.lt(cutoff))
                    .orderBy(d.FINISHED_AT).limit(batchSize)
                    .fetch(d.ID);
            for (long id : ids) {
                String text = concatenatedChunks(tx, id);
                int chunks = tx.fetchCount(c, c.DEPLOYMENT_ID.eq(id));
                tx.insertInto(DEPLOYMENT_LOG_ARCHIVES)
                        .set(DEPLOYMENT_LOG_ARCHIVES.DEPLOYMENT_ID, id)
                        .set(DEPLOYMENT_LOG_ARCHIVES.COMPRESSED, gzip(text))
                        .set(DEPLOYMENT_LOG_ARCHIVES.ORIGINAL_BYTES, text.getBytes(StandardCharsets.UTF_8).length)
                        .set(DEPLOYMENT_LOG_ARCHIVES.CHUNK_COUNT, chunks)
                        .set(DEPLOYMENT_LOG_ARCHIVES.ARCHIVED_AT, now)
                        .execute();
                tx.deleteFrom(DEPLOYMENT_LOG_CHUNKS).where(DEPLOYMENT_LOG_CHUNKS.DEPLOYMENT_ID.eq(id)).execute();
                tx.update(DEPLOYMENTS).set(DEPLOYMENTS.LOG_ARCHIVED_AT, now).where(DEPLOYMENTS.ID.eq(id)).execute();
            }
            if (!ids.isEmpty()) {
                audit.record(tx, scope, "deployment.logs_archive", "deployment", null, null,
                        Map.of("count", ids.size(), "olderThanDays", days));
            }
            return ids.size();
        });
    }

    private SelectJoinStep<Record> selectBase(DSLContext dsl) {
        return dsl.select(d.fields()).select(s.ORGANIZATION_ID).from(d).join(s).on(s.ID.eq(d.SITE_ID));
    }

    private Deployment toDeployment(Record r) {
        return new Deployment(r.get(d.ID), r.get(d.SITE_ID), r.get(d.COMMIT_HASH), r.get(d.COMMIT_MESSAGE), r.get(d.BRANCH),
                r.get(d.DEPLOYED_BY), DeploymentStatus.fromDb(r.get(d.STATUS)), r.get(d.DEPLOYED_AT),
                r.get(d.STARTED_AT), r.get(d.FINISHED_AT), r.get(d.BUILD_TIME_SECONDS), r.get(d.LOG_BYTES),
                Boolean.TRUE.equals(r.get(d.LOG_TRUNCATED)), r.get(d.LOG_ARCHIVED_AT));
    }

    private Deployment load(DSLContext dsl, long id) {
        return toDeployment(selectBase(dsl).where(d.ID.eq(id)).fetchOne());
    }

    /** The deployment joined with its site, if the site is visible; otherwise not found. */
    private Record requireVisible(DSLContext dsl, AccessScope scope, long deploymentId) {
        Record r = selectBase(dsl).where(d.ID.eq(deploymentId)).and(TenantFilter.siteVisible(scope, s)).fetchOne();
        if (r == null) throw new NotFoundException("deployment", deploymentId);
        return r;
    }

    /** Status changes and log appends: the system scope (the builder) and managers of the site. */
    private Record requireBuilder(DSLContext dsl, AccessScope scope, long deploymentId) {
        Record r = requireVisible(dsl, scope, deploymentId);
        TenantFilter.requireManageableSite(dsl, scope, r.get(d.SITE_ID));
        return r;
    }

    private void insertChunk(DSLContext tx, long deploymentId, int seq, String content) {
        tx.insertInto(DEPLOYMENT_LOG_CHUNKS)
                .set(DEPLOYMENT_LOG_CHUNKS.DEPLOYMENT_ID, deploymentId)
                .set(DEPLOYMENT_LOG_CHUNKS.SEQ, seq)
                .set(DEPLOYMENT_LOG_CHUNKS.CONTENT, content)
                .set(DEPLOYMENT_LOG_CHUNKS.CREATED_AT, now())
                .execute();
    }

    private String concatenatedChunks(DSLContext dsl, long deploymentId) {
        StringBuilder sb = new StringBuilder();
        dsl.select(c.CONTENT).from(c).where(c.DEPLOYMENT_ID.eq(deploymentId)).orderBy(c.SEQ).forEach(r -> sb.append(r.value1()));
        return sb.toString();
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

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String gunzip(byte[] data) {
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return new String(gz.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt build-log archive", e);
        }
    }

    /** UTF-8 aware cutting, so a truncated log never ends in half a character. */
    static final class Utf8 {
        private Utf8() {}

        static String prefix(String s, int maxBytes) {
            int bytes = 0;
            int i = 0;
            while (i < s.length()) {
                int cp = s.codePointAt(i);
                int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                if (bytes + n > maxBytes) break;
                bytes += n;
                i += Character.charCount(cp);
            }
            return s.substring(0, i);
        }
    }
}
