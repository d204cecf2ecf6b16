package dev.dialup.deploy.db;

/**
 * The resource does not exist <em>or the caller cannot see it</em>: both cases produce the
 * same type and the same message, so a caller learns nothing about resources outside its
 * scope. Services map it to HTTP 404.
 */
public final class NotFoundException extends DialupDataException {
    private final String resourceType;
    private final String resourceId;

    public NotFoundException(String resourceType, Object resourceId) {
        super(resourceType + " " + resourceId + " not found");
        this.resourceType = resourceType;
        this.resourceId = String.valueOf(resourceId);
    }

    public String resourceType() {
        return resourceType;
    }

    public String resourceId() {
        return resourceId;
    }
}
