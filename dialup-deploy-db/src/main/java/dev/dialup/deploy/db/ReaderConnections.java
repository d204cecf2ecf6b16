package dev.dialup.deploy.db;

import java.nio.file.Path;
import java.sql.Connection;

/** An open database that lends read-only connections (what an online backup needs); {@code DialupDatabase} is one. */
public interface ReaderConnections {
    /** The database file. */
    Path path();

    /** Borrows a read-only connection; SQL failures come back as typed {@code DialupDataException}s. */
    <T> T withReaderConnection(SqlFunction<Connection, T> work);
}
