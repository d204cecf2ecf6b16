package dev.dialup.deploy.db.deploy;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A deployment's state machine: {@code pending → building → success | failed}, and
 * {@code cancelled} from pending or building. Success, failed and cancelled are final.
 */
public enum DeploymentStatus {
    PENDING,
    BUILDING,
    SUCCESS,
    FAILED,
    CANCELLED;

    /** The statuses this one may move to. */
    public Set<DeploymentStatus> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(BUILDING, CANCELLED);
            case BUILDING -> EnumSet.of(SUCCESS, FAILED, CANCELLED);
            case SUCCESS, FAILED, CANCELLED -> EnumSet.noneOf(DeploymentStatus.class);
        };
    }

    public boolean canMoveTo(DeploymentStatus to) {
        return next().contains(to);
    }

    public boolean isFinal() {
        return next().isEmpty();
    }

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeploymentStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
