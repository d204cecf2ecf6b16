package dev.dialup.deploy.db;

/** Base of every error this library raises on purpose. Messages never carry secret values. */
public class DialupDataException extends RuntimeException {
    public DialupDataException(String message) {
        super(message);
    }

    public DialupDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
