package dev.dialup.deploy.db.bench.startup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Startup baseline (docs/PERFORMANCE.md): a fresh JVM opens the file with plain sqlite-jdbc and counts users. */
public final class PlainJdbcMain {
    private PlainJdbcMain() {}

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
            rs.next();
            System.out.println(rs.getLong(1));
        }
    }
}
