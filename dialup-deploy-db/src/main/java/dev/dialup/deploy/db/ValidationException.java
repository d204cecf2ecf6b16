package dev.dialup.deploy.db;

/** Input rejected at the edge of a repository; nothing was written. */
public final class ValidationException extends DialupDataException {
    private final String field;

    public ValidationException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
