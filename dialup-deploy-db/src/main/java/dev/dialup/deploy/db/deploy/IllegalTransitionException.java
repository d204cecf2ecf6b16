package dev.dialup.deploy.db.deploy;

import dev.dialup.deploy.db.DialupDataException;

/** A deployment status change the state machine does not allow; nothing was written. */
public final class IllegalTransitionException extends DialupDataException {
    private final DeploymentStatus from;
    private final DeploymentStatus to;

    public IllegalTransitionException(long deploymentId, DeploymentStatus from, DeploymentStatus to) {
        super("deployment " + deploymentId + " cannot move from " + from.dbValue() + " to " + to.dbValue()
                + (from.isFinal() ? " (" + from.dbValue() + " is final)" : " (allowed: " + from.next().stream().map(DeploymentStatus::dbValue).toList() + ")"));
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
