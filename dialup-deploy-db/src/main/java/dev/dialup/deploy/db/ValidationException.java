package dev.dialup.deploy.db;

/** Input rejected at the edge of a repository; nothing was written. Services map it to HTTP 400. */
public final class ValidationException extends DialupDataException {
    private final String field;
    private final String problem;

    public ValidationException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The parameter or field that was refused. */
    public String field() {
        return field;
    }

    /** What is wrong with it, without the field name. */
    public String problem() {
        return problem;
    }
}
