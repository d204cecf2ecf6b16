package dev.dialup.deploy.db.deploy;

import dev.dialup.deploy.db.ConflictException;

/**
 * A deployment status change the state machine does not allow from the deployment's current
 * status; nothing was written. A {@link ConflictException} (HTTP 409): the request is valid, the
 * deployment's state forbids it. {@link #from()} and {@link #to()} name the refused move.
 */
public final class IllegalTransitionException extends ConflictException {
    private final DeploymentStatus from;
    private final DeploymentStatus to;

    public IllegalTransitionException(long deploymentId, DeploymentStatus from, DeploymentStatus to) {
        super("deployment " + deploymentId + " cannot move from " + from.dbValue() + " to " + to.dbValue()
                + (from.isFinal()
                        ? " (" + from.dbValue() + " is final)"
                        : " (allowed: "
                                + from.next().stream()
                                        .map(DeploymentStatus::dbValue)
                                        .toList() + ")"));
        this.from = from;
        this.to = to;
    }

    public DeploymentStatus from() {
        return from;
    }

    public DeploymentStatus to() {
        return to;
    }
}
