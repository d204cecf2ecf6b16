package dev.dialup.deploy.db;

import java.util.List;

/**
 * The copy of an installation on PostgreSQL does not match its SQLite source: a table's row count or the checksum
 * over its rows differs ({@code ops.MoveToPostgres}). Raised by the move itself (which then commits nothing) and by
 * its stand-alone verification. Operations only (HTTP 500 if ever mapped).
 */
public final class MoveVerificationException extends DialupDataException {
    private final List<String> problems;

    public MoveVerificationException(List<String> problems) {
        super("The PostgreSQL copy does not match the SQLite source: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per table that differs: its name, both row counts and both checksums. */
    public List<String> problems() {
        return problems;
    }
}
