package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.config.ConfigSettings;
import dev.dialup.deploy.db.config.SystemConfigRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.Deployment;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.ProcessInfo;
import dev.dialup.deploy.db.deploy.ProcessRepository;
import dev.dialup.deploy.db.deploy.ProcessSpec;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ContainerOrchestration} over the process, deployment, environment and config repositories. */
public final class ContainerOrchestrationService implements ContainerOrchestration {
    private final ProcessRepository processes;
    private final DeploymentRepository deployments;
    private final EnvironmentRepository environment;
    private final SystemConfigRepository config;
    private final DialupDatabase db;

    public ContainerOrchestrationService(DialupDatabase db, SecretsKeyset keyset) {
        this.db = db;
        this.processes = new ProcessRepository(db);
        this.deployments = new DeploymentRepository(db);
        this.environment = new EnvironmentRepository(db, keyset);
        this.config = new SystemConfigRepository(db);
    }

    @Override
    public ProcessInfo registerContainer(AccessScope system, ProcessSpec spec) {
        return processes.register(system, spec);
    }

    @Override
    public ProcessInfo updateContainer(AccessScope system, ProcessSpec spec) {
        return processes.update(system, spec);
    }

    @Override
    public void removeContainer(AccessScope system, String processId) {
        processes.remove(system, processId);
    }

    @Override
    public List<ProcessInfo> containersOfSite(AccessScope system, long siteId) {
        return processes.listForSite(system, siteId);
    }

    @Override
    public ProcessInfo recordHealthCheck(AccessScope system, String processId, boolean healthy, String message) {
        return processes.recordHealthCheck(system, processId, healthy, message);
    }

    @Override
    public List<ProcessInfo> dueForHealthCheck(AccessScope system, int limit) {
        TenantFilter.requireSystem(db, system, "container orchestration");
        return processes.dueForHealthCheck(system, config.get(system, ConfigSettings.HEALTH_CHECK_INTERVAL), limit);
    }

    @Override
    public List<ProcessInfo> unhealthy(AccessScope system, int limit) {
        return processes.unhealthy(system, limit);
    }

    @Override
    public Page<Deployment> deploymentHistory(AccessScope system, long siteId, PageCursor after, int limit) {
        TenantFilter.requireSystem(db, system, "container orchestration");
        return deployments.history(system, siteId, after, limit);
    }

    @Override
    public Optional<Deployment> rollbackTarget(AccessScope system, long siteId) {
        TenantFilter.requireSystem(db, system, "container orchestration");
        return deployments.latestSuccessful(system, siteId);
    }

    @Override
    public Map<String, String> environmentFor(AccessScope system, long siteId) {
        return environment.resolveForContainer(system, siteId);
    }
}
