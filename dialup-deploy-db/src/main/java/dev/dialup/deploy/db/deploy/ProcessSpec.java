package dev.dialup.deploy.db.deploy;

import java.time.Instant;

/**
 * What the orchestrator registers or updates for a running process. {@code id} is the
 * legacy TEXT key (any stable string: the container name, a legacy Bun process id).
 * {@code type}, {@code script} and {@code cwd} are the legacy columns (for containers: the
 * image kind, the start command and the working directory).
 */
public record ProcessSpec(
        String id,
        long siteId,
        String containerId,
        Integer pid,
        int port,
        String status,
        String type,
        String script,
        String cwd,
        Instant startTime,
        Integer memoryLimitMb,
        Integer cpuLimitPercent,
        String healthCheckUrl) {

    /** A container process with the usual defaults for the legacy columns. */
    public static ProcessSpec container(String id, long siteId, String containerId, int port, Instant startTime) {
        return new ProcessSpec(
                id, siteId, containerId, null, port, "running", "docker", "", "/", startTime, null, null, null);
    }

    public ProcessSpec withStatus(String newStatus) {
        return new ProcessSpec(
                id,
                siteId,
                containerId,
                pid,
                port,
                newStatus,
                type,
                script,
                cwd,
                startTime,
                memoryLimitMb,
                cpuLimitPercent,
                healthCheckUrl);
    }

    public ProcessSpec withLimits(Integer memoryMb, Integer cpuPercent) {
        return new ProcessSpec(
                id,
                siteId,
                containerId,
                pid,
                port,
                status,
                type,
                script,
                cwd,
                startTime,
                memoryMb,
                cpuPercent,
                healthCheckUrl);
    }

    public ProcessSpec withHealthCheckUrl(String url) {
        return new ProcessSpec(
                id,
                siteId,
                containerId,
                pid,
                port,
                status,
                type,
                script,
                cwd,
                startTime,
                memoryLimitMb,
                cpuLimitPercent,
                url);
    }
}
