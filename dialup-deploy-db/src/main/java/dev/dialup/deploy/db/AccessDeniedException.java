package dev.dialup.deploy.db;

/** The caller can see the resource but lacks the role the operation needs. */
public final class AccessDeniedException extends DialupDataException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
