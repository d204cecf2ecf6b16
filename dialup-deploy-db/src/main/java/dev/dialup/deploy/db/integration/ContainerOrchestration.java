package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.deploy.Deployment;
import dev.dialup.deploy.db.deploy.ProcessInfo;
import dev.dialup.deploy.db.deploy.ProcessSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the container orchestrator (plan Stage 3) needs from the database: container
 * metadata, health-check status, deployment history and the environment to start a site's
 * container with. Every method requires the system scope ({@code db.systemScope("orchestrator")} of the database it was opened on).
 * Implementation: {@link ContainerOrchestrationService}. Usage: docs/integration.md.
 */
public interface ContainerOrchestration {

    ProcessInfo registerContainer(AccessScope system, ProcessSpec spec);

    ProcessInfo updateContainer(AccessScope system, ProcessSpec spec);

    void removeContainer(AccessScope system, String processId);

    List<ProcessInfo> containersOfSite(AccessScope system, long siteId);

    ProcessInfo recordHealthCheck(AccessScope system, String processId, boolean healthy, String message);

    /** Processes whose last check is older than {@code health.check_interval_seconds} (or that were never checked). */
    List<ProcessInfo> dueForHealthCheck(AccessScope system, int limit);

    List<ProcessInfo> unhealthy(AccessScope system, int limit);

    Page<Deployment> deploymentHistory(AccessScope system, long siteId, PageCursor after, int limit);

    /** The newest successful deployment of the site, to roll back to. */
    Optional<Deployment> rollbackTarget(AccessScope system, long siteId);

    /** The site's environment variables with secrets decrypted, ordered by key. */
    Map<String, String> environmentFor(AccessScope system, long siteId);
}
