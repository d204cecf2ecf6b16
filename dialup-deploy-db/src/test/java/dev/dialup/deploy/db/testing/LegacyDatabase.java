package dev.dialup.deploy.db.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** Writes a database file exactly as the legacy Bun application did: only the V1 processes table. */
public final class LegacyDatabase {
    public record Process(
            String id,
            String site,
            int port,
            Integer pid,
            long startTime,
            String type,
            String script,
            String cwd,
            String status) {}

    private LegacyDatabase() {}

    public static void create(Path file, Process... processes) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement st = c.createStatement()) {
                st.execute("""
                        CREATE TABLE IF NOT EXISTS processes (
                          id TEXT PRIMARY KEY,
                          site TEXT NOT NULL,
                          port INTEGER NOT NULL,
                          pid INTEGER,
                          startTime INTEGER NOT NULL,
                          type TEXT NOT NULL,
                          script TEXT NOT NULL,
                          cwd TEXT NOT NULL,
                          status TEXT NOT NULL
                        )""");
                st.execute("CREATE INDEX IF NOT EXISTS idx_processes_status ON processes(status)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO processes VALUES (?,?,?,?,?,?,?,?,?)")) {
                for (Process p : processes) {
                    ps.setString(1, p.id());
                    ps.setString(2, p.site());
                    ps.setInt(3, p.port());
                    if (p.pid() == null) ps.setNull(4, java.sql.Types.INTEGER);
                    else ps.setInt(4, p.pid());
                    ps.setLong(5, p.startTime());
                    ps.setString(6, p.type());
                    ps.setString(7, p.script());
                    ps.setString(8, p.cwd());
                    ps.setString(9, p.status());
                    ps.executeUpdate();
                }
            }
        }
    }
}
