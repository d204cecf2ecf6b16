package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.PROCESSES;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
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
import dev.dialup.deploy.db.generated.tables.Processes;
import dev.dialup.deploy.db.generated.tables.records.ProcessesRecord;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.ResultQuery;
import org.jooq.SelectWhereStep;

/**
 * Running processes (containers) of sites, for the container orchestrator: register,
 * update, remove, health-check results and the queues of due and unhealthy processes.
 * Works on legacy rows too (TEXT ids, epoch-millis {@code startTime}). System scope only:
 * tenants see their deployments, not the orchestrator's process table.
 */
public final class ProcessRepository {
    public static final int MAX_LIST = 1000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern STATUS = Pattern.compile("[a-z][a-z_]{0,31}");

    private static final Processes P = PROCESSES;

    private final DialupDatabase db;
    private final AuditLog audit;

    public ProcessRepository(DialupDatabase db) {
        this.db = db;
        this.audit = new AuditLog(db.clock());
    }

    /** Registers a new process for an existing site; a taken id is a {@link ConflictException}. */
    public ProcessInfo register(AccessScope scope, ProcessSpec spec) {
        TenantFilter.requireSystem(db, scope, "registering a process");
        validate(spec);
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireVisibleSite(tx, scope, spec.siteId());
            // The primary key decides; a taken id fails the insert and nothing is written.
            UniqueConstraints.conflictOn(
                    Map.of("processes.id", "process " + spec.id() + " already exists"),
                    () -> tx.insertInto(P)
                            .set(P.ID, spec.id())
                            .set(P.SITE, site.getName())
                            .set(P.STARTTIME, spec.startTime())
                            .set(columns(spec))
                            .execute());
            audit.record(
                    tx,
                    scope,
                    "process.register",
                    "process",
                    spec.id(),
                    site.getOrganizationId(),
                    Map.of("siteId", spec.siteId(), "status", spec.status()));
            return load(tx, spec.id());
        });
    }

    /** Replaces a process's metadata (legacy rows included); health results are kept. */
    public ProcessInfo update(AccessScope scope, ProcessSpec spec) {
        TenantFilter.requireSystem(db, scope, "updating a process");
        validate(spec);
        return db.write(scope, tx -> {
            SitesRecord site = TenantFilter.requireVisibleSite(tx, scope, spec.siteId());
            int n = tx.update(P)
                    .set(P.SITE, site.getName())
                    .set(P.STARTTIME, spec.startTime())
                    .set(columns(spec))
                    .where(P.ID.eq(spec.id()))
                    .execute();
            if (n == 0) throw new NotFoundException("process", spec.id());
            audit.record(
                    tx,
                    scope,
                    "process.update",
                    "process",
                    spec.id(),
                    site.getOrganizationId(),
                    Map.of("siteId", spec.siteId(), "status", spec.status()));
            return load(tx, spec.id());
        });
    }

    public void remove(AccessScope scope, String processId) {
        Inputs.notNull("processId", processId);
        TenantFilter.requireSystem(db, scope, "removing a process");
        db.writeVoid(scope, tx -> {
            int n = tx.deleteFrom(P).where(P.ID.eq(processId)).execute();
            if (n == 0) throw new NotFoundException("process", processId);
            audit.record(tx, scope, "process.remove", "process", processId, null, Map.of());
        });
    }

    public ProcessInfo find(AccessScope scope, String processId) {
        Inputs.notNull("processId", processId);
        TenantFilter.requireSystem(db, scope, "reading processes");
        return db.read(scope, dsl -> {
            ProcessesRecord r = selectBase(dsl).where(P.ID.eq(processId)).fetchOne();
            if (r == null) throw new NotFoundException("process", processId);
            return toProcessInfo(r);
        });
    }

    /** The processes of one site, by id. */
    public List<ProcessInfo> listForSite(AccessScope scope, long siteId) {
        TenantFilter.requireSystem(db, scope, "reading processes");
        return db.read(scope, dsl -> {
            TenantFilter.requireVisibleSite(dsl, scope, siteId);
            return selectBase(dsl).where(P.SITE_ID.eq(siteId)).orderBy(P.ID).fetch(this::toProcessInfo);
        });
    }

    /**
     * Records one health-check result at the current time. A success makes the process
     * healthy; {@code health.unhealthy_after_failures} consecutive failures (default 3) make it unhealthy.
     */
    public ProcessInfo recordHealthCheck(AccessScope scope, String processId, boolean healthy, String message) {
        TenantFilter.requireSystem(db, scope, "recording health checks");
        Inputs.notNull("processId", processId);
        if (message != null && message.length() > 1024)
            throw new ValidationException("message", "must be at most 1024 characters");
        if (message != null) Inputs.noLoneSurrogate("message", message);
        return db.write(scope, tx -> {
            ProcessesRecord r = selectBase(tx).where(P.ID.eq(processId)).fetchOne();
            if (r == null) throw new NotFoundException("process", processId);
            long threshold = ConfigValues.get(db, tx, ConfigSettings.HEALTH_UNHEALTHY_AFTER_FAILURES);
            int failures = healthy ? 0 : r.getConsecutiveFailures() + 1;
            // A single failed probe does not flip a healthy process: only the threshold does.
            HealthStatus status = healthy
                    ? HealthStatus.HEALTHY
                    : failures >= threshold ? HealthStatus.UNHEALTHY : HealthStatus.fromDb(r.getHealthStatus());
            tx.update(P)
                    .set(P.LAST_HEALTH_CHECK, StoredTime.truncate(db.clock().instant()))
                    .set(P.HEALTH_STATUS, status.dbValue())
                    .set(P.CONSECUTIVE_FAILURES, failures)
                    .set(P.HEALTH_MESSAGE, message)
                    .where(P.ID.eq(processId))
                    .execute();
            // Probes run every minute per process: only a change of health status is an event
            // worth an audit row (one per flip), not every probe.
            HealthStatus previous = HealthStatus.fromDb(r.getHealthStatus());
            if (status != previous) {
                audit.record(
                        tx,
                        scope,
                        "process.health_status",
                        "process",
                        processId,
                        null,
                        Map.of("from", previous.dbValue(), "to", status.dbValue()));
            }
            return load(tx, processId);
        });
    }

    /**
     * Processes never checked or last checked more than {@code olderThan} ago, oldest first
     * (never-checked first). Served by {@code idx_processes_last_health_check}.
     */
    public List<ProcessInfo> dueForHealthCheck(AccessScope scope, Duration olderThan, int limit) {
        TenantFilter.requireSystem(db, scope, "reading processes");
        checkLimit(limit);
        Inputs.duration("olderThan", olderThan);
        Instant cutoff = StoredTime.truncate(db.clock().instant().minus(olderThan));
        return db.read(scope, dsl -> dueQuery(dsl, cutoff, limit).fetch(this::toProcessInfo));
    }

    /** The due-for-check query (package-private so a test can EXPLAIN it). */
    ResultQuery<ProcessesRecord> dueQuery(DSLContext dsl, Instant cutoff, int limit) {
        return selectBase(dsl)
                .where(P.LAST_HEALTH_CHECK.isNull().or(P.LAST_HEALTH_CHECK.lt(cutoff)))
                .orderBy(P.LAST_HEALTH_CHECK.asc().nullsFirst())
                .limit(limit);
    }

    ResultQuery<ProcessesRecord> unhealthyQuery(DSLContext dsl, int limit) {
        return selectBase(dsl)
                .where(P.HEALTH_STATUS.eq(HealthStatus.UNHEALTHY.dbValue()))
                // Never-checked processes first on both engines (SQLite's default; PostgreSQL sorts NULL last).
                .orderBy(P.LAST_HEALTH_CHECK.asc().nullsFirst())
                .limit(limit);
    }

    /** Unhealthy processes, least recently checked first. Served by the partial index {@code idx_processes_unhealthy}. */
    public List<ProcessInfo> unhealthy(AccessScope scope, int limit) {
        TenantFilter.requireSystem(db, scope, "reading processes");
        checkLimit(limit);
        return db.read(scope, dsl -> unhealthyQuery(dsl, limit).fetch(this::toProcessInfo));
    }

    private SelectWhereStep<ProcessesRecord> selectBase(DSLContext dsl) {
        return dsl.selectFrom(P);
    }

    private ProcessInfo load(DSLContext dsl, String id) {
        return toProcessInfo(selectBase(dsl).where(P.ID.eq(id)).fetchOne());
    }

    private ProcessInfo toProcessInfo(ProcessesRecord r) {
        return new ProcessInfo(
                r.getId(),
                r.getSiteId(),
                r.getSite(),
                r.getPort(),
                r.getPid(),
                r.getStarttime(),
                r.getType(),
                r.getScript(),
                r.getCwd(),
                r.getStatus(),
                r.getContainerId(),
                r.getMemoryLimitMb(),
                r.getCpuLimitPercent(),
                r.getHealthCheckUrl(),
                r.getLastHealthCheck(),
                HealthStatus.fromDb(r.getHealthStatus()),
                r.getConsecutiveFailures(),
                r.getHealthMessage());
    }

    private static Map<org.jooq.Field<?>, Object> columns(ProcessSpec spec) {
        Map<org.jooq.Field<?>, Object> m = new HashMap<>();
        m.put(P.SITE_ID, spec.siteId());
        m.put(P.PORT, spec.port());
        m.put(P.PID, spec.pid());
        m.put(P.TYPE, spec.type());
        m.put(P.SCRIPT, spec.script());
        m.put(P.CWD, spec.cwd());
        m.put(P.STATUS, spec.status());
        m.put(P.CONTAINER_ID, spec.containerId());
        m.put(P.MEMORY_LIMIT_MB, spec.memoryLimitMb());
        m.put(P.CPU_LIMIT_PERCENT, spec.cpuLimitPercent());
        m.put(P.HEALTH_CHECK_URL, spec.healthCheckUrl());
        return m;
    }

    private static void validate(ProcessSpec spec) {
        Inputs.notNull("spec", spec);
        if (spec.id() == null || !ID.matcher(spec.id()).matches()) {
            throw new ValidationException("id", "must be 1-128 characters of letters, digits, '_', '.', ':' or '-'");
        }
        if (spec.port() < 1 || spec.port() > 65535)
            throw new ValidationException("port", "must be between 1 and 65535");
        if (spec.pid() != null && spec.pid() < 1) throw new ValidationException("pid", "must be positive");
        if (spec.status() == null || !STATUS.matcher(spec.status()).matches()) {
            throw new ValidationException("status", "must be 1-32 lower-case letters or '_' (e.g. running, stopped)");
        }
        if (spec.type() == null || spec.type().isBlank() || spec.type().length() > 32)
            throw new ValidationException("type", "must be 1-32 characters");
        if (spec.script() == null || spec.script().length() > 4096)
            throw new ValidationException("script", "must be at most 4096 characters");
        if (spec.cwd() == null || spec.cwd().isBlank() || spec.cwd().length() > 4096)
            throw new ValidationException("cwd", "must be 1-4096 characters");
        Inputs.instant("startTime", spec.startTime());
        Inputs.noLoneSurrogate("type", spec.type());
        Inputs.noLoneSurrogate("script", spec.script());
        Inputs.noLoneSurrogate("cwd", spec.cwd());
        if (spec.containerId() != null && !spec.containerId().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
            throw new ValidationException(
                    "containerId", "must be 1-128 characters of letters, digits, '_', '.' or '-'");
        }
        if (spec.memoryLimitMb() != null && spec.memoryLimitMb() < 1)
            throw new ValidationException("memoryLimitMb", "must be positive");
        if (spec.cpuLimitPercent() != null && spec.cpuLimitPercent() < 1)
            throw new ValidationException("cpuLimitPercent", "must be positive");
        if (spec.healthCheckUrl() != null) {
            try {
                URI u = new URI(spec.healthCheckUrl());
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                    throw new ValidationException("healthCheckUrl", "must be an absolute http(s) URL");
                }
            } catch (URISyntaxException e) {
                throw new ValidationException("healthCheckUrl", "must be an absolute http(s) URL");
            }
        }
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIST) throw new ValidationException("limit", "must be between 1 and " + MAX_LIST);
    }
}
