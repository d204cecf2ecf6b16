package dev.dialup.deploy.db.engine;

import java.util.Set;

/**
 * The one classification of a stored database (used by open, migrate, backup, restore and
 * verify): what kind of database it is and, for a managed one, its schema version.
 *
 * @param kind    what the stored database is
 * @param version the highest successfully applied migration ({@link Kind#MANAGED}), {@value #LEGACY_VERSION}
 *                for {@link Kind#LEGACY}, null otherwise
 * @param tables  the user tables found (empty for {@link Kind#NEW} and {@link Kind#FOREIGN})
 * @param detail  why a {@link Kind#FOREIGN} database is foreign (null otherwise)
 */
public record FileShape(Kind kind, String version, Set<String> tables, String detail) {
    /** The version a never-migrated legacy (Bun) database corresponds to. */
    public static final String LEGACY_VERSION = "1";

    public enum Kind {
        /** Missing, empty, or no tables yet: a new database. */
        NEW,
        /** Only the legacy {@code processes} table of the Bun tracker: adopted on open. */
        LEGACY,
        /** Has the migration history table: managed by this library (at some version). */
        MANAGED,
        /** Tables this library does not recognise and no migration history: refused. */
        UNRECOGNISED,
        /** Not a database of this engine at all (bad header, or unreadable as one): refused. */
        FOREIGN
    }

    public FileShape {
        tables = Set.copyOf(tables);
    }

    public static FileShape foreign(String detail) {
        return new FileShape(Kind.FOREIGN, null, Set.of(), detail);
    }
}
