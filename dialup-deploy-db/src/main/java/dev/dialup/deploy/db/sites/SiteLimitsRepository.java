package dev.dialup.deploy.db.sites;

import static dev.dialup.deploy.db.generated.Tables.SITE_RESOURCE_LIMITS;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.AuditLog;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.config.ConfigSetting;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.internal.ConfigValues;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.SiteResourceLimits;
import dev.dialup.deploy.db.generated.tables.records.SiteResourceLimitsRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.DSLContext;
import org.jooq.SelectWhereStep;

/** A site's resource limits: read with read rights, set with manage rights, within system maxima. */
public final class SiteLimitsRepository {
    private static final SiteResourceLimits L = SITE_RESOURCE_LIMITS;

    private final DialupDatabase db;
    private final AuditLog audit;

    public SiteLimitsRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    public ResourceLimits get(AccessScope scope, long siteId) {
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return current(dsl, siteId);
        });
    }

    /**
     * Sets all five limits: each must be positive and at most the system maximum in
     * {@code system_config} ({@code limits.max_*}); {@link ValidationException} names the field.
     */
    public ResourceLimits set(AccessScope scope, long siteId, ResourceLimits limits) {
        Inputs.notNull("limits", limits);
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireManageableSite(tx, scope, siteId);
            check(tx, "memoryMb", limits.memoryMb(), ConfigSettings.LIMITS_MAX_MEMORY_MB);
            check(tx, "cpuPercent", limits.cpuPercent(), ConfigSettings.LIMITS_MAX_CPU_PERCENT);
            check(tx, "diskMb", limits.diskMb(), ConfigSettings.LIMITS_MAX_DISK_MB);
            check(tx, "bandwidthMb", limits.bandwidthMb(), ConfigSettings.LIMITS_MAX_BANDWIDTH_MB);
            check(tx, "requestsPerMinute", limits.requestsPerMinute(), ConfigSettings.LIMITS_MAX_REQUESTS_PER_MINUTE);
            ResourceLimits before = current(tx, siteId);
            // The trigger creates the row with the site; upsert covers rows removed by hand.
            tx.insertInto(L)
                    .set(L.SITE_ID, siteId)
                    .set(L.MAX_MEMORY_MB, limits.memoryMb())
                    .set(L.MAX_CPU_PERCENT, limits.cpuPercent())
                    .set(L.MAX_DISK_MB, limits.diskMb())
                    .set(L.MAX_BANDWIDTH_MB, limits.bandwidthMb())
                    .set(L.MAX_REQUESTS_PER_MINUTE, limits.requestsPerMinute())
                    .onConflict(L.SITE_ID)
                    .doUpdate()
                    .set(L.MAX_MEMORY_MB, limits.memoryMb())
                    .set(L.MAX_CPU_PERCENT, limits.cpuPercent())
                    .set(L.MAX_DISK_MB, limits.diskMb())
                    .set(L.MAX_BANDWIDTH_MB, limits.bandwidthMb())
                    .set(L.MAX_REQUESTS_PER_MINUTE, limits.requestsPerMinute())
                    .execute();
            Map<String, Object> details = new TreeMap<>();
            details.put("from", asMap(before));
            details.put("to", asMap(limits));
            audit.record(tx, scope, "site.limits_set", "site", siteId, site.getOrganizationId(), details);
            return current(tx, siteId);
        });
    }

    private void check(DSLContext tx, String field, int value, ConfigSetting<Long> maxSetting) {
        long max = ConfigValues.get(db, tx, maxSetting);
        String maxKey = maxSetting.key();
        if (value <= 0) throw new ValidationException(field, "must be positive");
        if (value > max)
            throw new ValidationException(field, "must be at most " + max + " (system maximum " + maxKey + ")");
    }

    /** The site's limits row, or the column defaults when the row was removed by hand. */
    private static ResourceLimits current(DSLContext dsl, long siteId) {
        SiteResourceLimitsRecord r = selectBase(dsl).where(L.SITE_ID.eq(siteId)).fetchOne();
        if (r == null) return new ResourceLimits(512, 50, 1024, 1024, 1000); // the column defaults
        return toResourceLimits(r);
    }

    private static SelectWhereStep<SiteResourceLimitsRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(L);
    }

    private static ResourceLimits toResourceLimits(SiteResourceLimitsRecord r) {
        return new ResourceLimits(
                r.getMaxMemoryMb(),
                r.getMaxCpuPercent(),
                r.getMaxDiskMb(),
                r.getMaxBandwidthMb(),
                r.getMaxRequestsPerMinute());
    }

    private static Map<String, Integer> asMap(ResourceLimits l) {
        return new TreeMap<>(Map.of(
                "memoryMb",
                l.memoryMb(),
                "cpuPercent",
                l.cpuPercent(),
                "diskMb",
                l.diskMb(),
                "bandwidthMb",
                l.bandwidthMb(),
                "requestsPerMinute",
                l.requestsPerMinute()));
    }
}
