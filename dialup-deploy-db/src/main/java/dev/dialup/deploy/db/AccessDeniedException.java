package dev.dialup.deploy.db;

/**
 * The caller can see the resource but lacks the role the operation needs (or the scope is not
 * active); nothing was written. Services map it to HTTP 403. A resource the caller cannot see
 * is a {@link NotFoundException} instead, never this.
 */
public final class AccessDeniedException extends DialupDataException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
