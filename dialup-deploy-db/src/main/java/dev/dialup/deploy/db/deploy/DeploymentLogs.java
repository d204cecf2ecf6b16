package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_ARCHIVES;
import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENT_LOG_CHUNKS;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.access.UniqueConstraints;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.DeploymentLogArchives;
import dev.dialup.deploy.db.generated.tables.DeploymentLogChunks;
import dev.dialup.deploy.db.generated.tables.Deployments;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The build logs of {@link DeploymentRepository}: appending chunks under the size cap, reading them back, and
 * archiving old logs into compressed rows. Package-private; the repository's public methods delegate here
 * after the same access rules ({@code requireVisible}, {@code requireBuilder}).
 */
final class DeploymentLogs {
    private static final Deployments D = DEPLOYMENTS;
    private static final DeploymentLogChunks C = DEPLOYMENT_LOG_CHUNKS;
    private static final DeploymentLogArchives A = DEPLOYMENT_LOG_ARCHIVES;

    private final DialupDatabase db;
    private final AuditLog audit;
    private final DeploymentRepository deployments;

    DeploymentLogs(DialupDatabase db, AuditLog audit, DeploymentRepository deployments) {
        this.db = db;
        this.audit = audit;
        this.deployments = deployments;
    }

    /**
     * Appends one chunk of build output while the deployment is building. Once the stored
     * log reaches {@code deployments.max_log_bytes}, the part that fits is kept, a truncation
     * marker is appended and later chunks are dropped. Returns the bytes stored from this chunk.
     */
    int append(AccessScope scope, long deploymentId, String chunk) {
        if (chunk == null || chunk.isEmpty()) throw new ValidationException("chunk", "must not be empty");
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > DeploymentRepository.MAX_CHUNK_BYTES)
            throw new ValidationException(
                    "chunk", "must be at most " + DeploymentRepository.MAX_CHUNK_BYTES + " bytes");
        Inputs.noLoneSurrogate("chunk", chunk);
        return db.write(scope, tx -> {
            Record row = deployments.requireBuilder(tx, scope, deploymentId);
            if (DeploymentStatus.fromDb(row.get(D.STATUS)) != DeploymentStatus.BUILDING) {
                throw new ConflictException("deployment " + deploymentId + " is " + row.get(D.STATUS)
                        + "; logs are appended only while building");
            }
            if (Boolean.TRUE.equals(row.get(D.LOG_TRUNCATED))) return 0;
            long cap = ConfigValues.get(db, tx, ConfigSettings.DEPLOYMENT_MAX_LOG_BYTES);
            long used = row.get(D.LOG_BYTES);
            int seq = tx.select(DSL.coalesce(DSL.max(C.SEQ), -1))
                            .from(C)
                            .where(C.DEPLOYMENT_ID.eq(deploymentId))
                            .fetchOne()
                            .value1()
                    + 1;
            String kept = chunk;
            boolean truncate = used + bytes.length > cap;
            if (truncate) kept = Utf8.prefix(chunk, (int) Math.max(0, cap - used));
            int keptBytes = kept.getBytes(StandardCharsets.UTF_8).length;
            if (!kept.isEmpty()) insertChunk(tx, deploymentId, seq++, kept);
            if (truncate) insertChunk(tx, deploymentId, seq, BuildLog.truncationMarker(cap));
            tx.update(D)
                    .set(D.LOG_BYTES, (int) (used + keptBytes))
                    .set(D.LOG_TRUNCATED, truncate)
                    .where(D.ID.eq(deploymentId))
                    .execute();
            // Not audited: a log chunk is build output, not an administrative action, and the
            // chunk table is its own record. The deployment's status changes are audited.
            return keptBytes;
        });
    }

    /** The build log in order, from the chunks or, once archived, from the compressed archive. */
    BuildLog read(AccessScope scope, long deploymentId) {
        return db.read(scope, dsl -> {
            Record row = deployments.requireVisible(dsl, scope, deploymentId);
            boolean truncated = Boolean.TRUE.equals(row.get(D.LOG_TRUNCATED));
            if (row.get(D.LOG_ARCHIVED_AT) != null) {
                byte[] gz = dsl.select(A.COMPRESSED)
                        .from(A)
                        .where(A.DEPLOYMENT_ID.eq(deploymentId))
                        .fetchOne(A.COMPRESSED);
                return new BuildLog(deploymentId, gz == null ? "" : gunzip(gz), truncated, true);
            }
            return new BuildLog(deploymentId, concatenatedChunks(dsl, deploymentId), truncated, false);
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
    int archiveOld(AccessScope scope, int batchSize) {
        if (batchSize < 1 || batchSize > 10_000)
            throw new ValidationException("batchSize", "must be between 1 and 10000");
        return db.write(scope, tx -> {
            TenantFilter.requireAdmin(tx, scope, "archiving build logs");
            if (!ConfigValues.get(db, tx, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_ENABLED)) return 0;
            long days = ConfigValues.get(db, tx, ConfigSettings.DEPLOYMENT_LOG_ARCHIVE_AFTER)
                    .toDays();
            Instant now = now();
            Instant cutoff = now.minus(Duration.ofDays(days));
            List<Long> ids = tx.select(D.ID)
                    .from(D)
                    .where(D.LOG_ARCHIVED_AT.isNull())
                    .and(D.FINISHED_AT.isNotNull())
                    .and(D.FINISHED_AT.lt(cutoff))
                    .orderBy(D.FINISHED_AT)
                    .limit(batchSize)
                    .fetch(D.ID);
            for (long id : ids) {
                String text = concatenatedChunks(tx, id);
                int chunks = tx.fetchCount(C, C.DEPLOYMENT_ID.eq(id));
                // One archive per deployment is the primary key's rule, not the select's above.
                UniqueConstraints.conflictOn(
                        Map.of(
                                "deployment_log_archives.deployment_id",
                                "build logs were archived by another writer at the same time; try again"),
                        () -> tx.insertInto(A)
                                .set(A.DEPLOYMENT_ID, id)
                                .set(A.COMPRESSED, gzip(text))
                                .set(A.ORIGINAL_BYTES, text.getBytes(StandardCharsets.UTF_8).length)
                                .set(A.CHUNK_COUNT, chunks)
                                .set(A.ARCHIVED_AT, now)
                                .execute());
                tx.deleteFrom(C).where(C.DEPLOYMENT_ID.eq(id)).execute();
                tx.update(D).set(D.LOG_ARCHIVED_AT, now).where(D.ID.eq(id)).execute();
            }
            if (!ids.isEmpty()) {
                audit.record(
                        tx,
                        scope,
                        "deployment.logs_archive",
                        "deployment",
                        null,
                        null,
                        Map.of("count", ids.size(), "olderThanDays", days));
            }
            return ids.size();
        });
    }

    /** A chunk at {@code seq}: UNIQUE(deployment_id, seq) decides if another writer took that place first. */
    private void insertChunk(DSLContext tx, long deploymentId, int seq, String content) {
        UniqueConstraints.conflictOn(
                Map.of(
                        "deployment_log_chunks.deployment_id",
                        "deployment " + deploymentId
                                + ": another writer appended to the log at the same time; try again"),
                () -> tx.insertInto(C)
                        .set(C.DEPLOYMENT_ID, deploymentId)
                        .set(C.SEQ, seq)
                        .set(C.CONTENT, content)
                        .set(C.CREATED_AT, now())
                        .execute());
    }

    private String concatenatedChunks(DSLContext dsl, long deploymentId) {
        StringBuilder sb = new StringBuilder();
        dsl.select(C.CONTENT)
                .from(C)
                .where(C.DEPLOYMENT_ID.eq(deploymentId))
                .orderBy(C.SEQ)
                .forEach(r -> sb.append(r.value1()));
        return sb.toString();
    }

    private Instant now() {
        return StoredTime.truncate(db.clock().instant());
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
