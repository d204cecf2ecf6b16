package dev.dialup.deploy.db.access;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.engine.jooq.StoredTime;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.DSLContext;
import org.jooq.tools.json.JSONValue;

/**
 * Writes audit rows. Call it with the transaction's DSLContext so the row commits or rolls
 * back with the change. Details are a small map of non-secret facts (names, roles, old and
 * new values of non-secret fields); callers never put secret values in it.
 */
public final class AuditLog {
    private final Clock clock;

    public AuditLog(Clock clock) {
        this.clock = clock;
    }

    public void record(
            DSLContext tx,
            AccessScope actor,
            String action,
            String targetType,
            Object targetId,
            Long organizationId,
            Map<String, ?> details) {
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.ACTOR_USER_ID, actor.userId().orElse(null))
                .set(AUDIT_LOG.ACTOR_LABEL, actor.label())
                .set(AUDIT_LOG.ACTION, action)
                .set(AUDIT_LOG.TARGET_TYPE, targetType)
                .set(AUDIT_LOG.TARGET_ID, targetId == null ? null : String.valueOf(targetId))
                .set(AUDIT_LOG.ORGANIZATION_ID, organizationId)
                .set(AUDIT_LOG.CREATED_AT, StoredTime.truncate(clock.instant()))
                .set(AUDIT_LOG.DETAILS, JSONValue.toJSONString(details == null ? Map.of() : new TreeMap<>(details)))
                .execute();
    }
}
