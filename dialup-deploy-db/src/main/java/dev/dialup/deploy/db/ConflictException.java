package dev.dialup.deploy.db;

/** The write would break a uniqueness or state rule (a taken name, an illegal transition). Nothing was written. */
public final class ConflictException extends DialupDataException {
    public ConflictException(String message) {
        super(message);
    }
}
