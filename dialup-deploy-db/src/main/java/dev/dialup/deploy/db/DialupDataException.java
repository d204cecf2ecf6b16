package dev.dialup.deploy.db;

/**
 * Base of every error this library raises on purpose. Messages never carry secret values. Each
 * subclass's javadoc names its meaning and the HTTP status a service maps it to; the table is in
 * docs/guide.md, "The error model". Anything not listed there (secrets, backups) is HTTP 500.
 */
public class DialupDataException extends RuntimeException {
    public DialupDataException(String message) {
        super(message);
    }

    public DialupDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
