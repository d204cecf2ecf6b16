package dev.dialup.deploy.db.audit;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import dev.dialup.deploy.db.generated.tables.records.AuditLogRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;

/**
 * Reading and pruning the append-only audit log. There is no update or delete API: the V5
 * triggers reject both, except deleting rows older than {@code audit.retention_days}, and V45's
 * trigger never lets a row younger than 30 days go, whatever {@code system_config} says.
 */
public final class AuditLogRepository {
    private static final dev.dialup.deploy.db.generated.tables.AuditLog A = AUDIT_LOG;
    static final int PRUNE_BATCH = 500;

    private final DialupDatabase db;
    private final AuditLog audit;

    public AuditLogRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /**
     * Newest first, keyset-paginated by id. System admins read every row ({@code organizationId}
     * narrows to one organization); organization owners/admins read the rows of the
     * organizations they manage ({@code organizationId} null = all of them). Asking for an
     * organization you belong to without managing it is {@link AccessDeniedException}; one you
     * cannot see is {@code NotFoundException}.
     */
    public Page<AuditEntry> list(AccessScope scope, Long organizationId, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        return db.read(scope, dsl -> {
            Condition where = TenantFilter.auditVisible(dsl, scope, A);
            if (organizationId != null) {
                TenantFilter.requireVisibleOrganization(dsl, scope, organizationId);
                TenantFilter.requireOrganizationManager(dsl, scope, organizationId, "reading the audit log");
                where = where.and(A.ORGANIZATION_ID.eq(organizationId));
            } else if (!TenantFilter.isAdmin(dsl, scope) && !TenantFilter.managesAnyOrganization(dsl, scope)) {
                throw new AccessDeniedException(
                        "reading the audit log needs a system admin or an organization owner/admin");
            }
            if (after != null) where = where.and(A.ID.lt(after.id()));
            var rows = selectBase(dsl)
                    .where(where)
                    .orderBy(A.ID.desc())
                    .limit(n + 1)
                    .fetch(AuditLogRepository::toAuditEntry);
            return Page.of(rows, n, e -> PageCursor.ofId(e.id()));
        });
    }

    /**
     * Deletes rows older than {@code audit.retention_days} in batches of {@value #PRUNE_BATCH},
     * one short write transaction per batch, then records one {@code audit.prune} row with the
     * count (when anything was deleted). System scope only. Returns the number deleted.
     */
    public long prune(AccessScope scope) {
        TenantFilter.requireSystem(db, scope, "pruning the audit log");
        // The catalogue's definition (30 days minimum), whatever the row says; V45's trigger keeps a
        // 30-day floor in the schema too.
        long days = db.read(scope, dsl -> ConfigValues.get(db, dsl, ConfigSettings.AUDIT_RETENTION))
                .toDays();
        // The trigger compares with SQLite's 'now'; using the same clock keeps the prune inside what it allows.
        Instant cutoff = StoredTime.truncate(Instant.now().minus(Duration.ofDays(days)));
        long total = 0;
        while (true) {
            int deleted = db.write(
                    scope,
                    tx -> tx.deleteFrom(A)
                            .where(A.ID.in(tx.select(A.ID)
                                    .from(A)
                                    .where(A.CREATED_AT.lt(cutoff))
                                    .orderBy(A.ID)
                                    .limit(PRUNE_BATCH)))
                            .execute());
            total += deleted;
            if (deleted < PRUNE_BATCH) break;
        }
        if (total > 0) {
            long count = total;
            db.writeVoid(
                    scope,
                    tx -> audit.record(
                            tx,
                            scope,
                            "audit.prune",
                            "audit_log",
                            null,
                            null,
                            Map.of("deleted", count, "retentionDays", days)));
        }
        return total;
    }

    private static SelectWhereStep<AuditLogRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(A);
    }

    private static AuditEntry toAuditEntry(AuditLogRecord r) {
        return new AuditEntry(
                r.getId(),
                r.getActorUserId(),
                r.getActorLabel(),
                r.getAction(),
                r.getTargetType(),
                r.getTargetId(),
                r.getOrganizationId(),
                r.getCreatedAt(),
                r.getDetails());
    }
}
