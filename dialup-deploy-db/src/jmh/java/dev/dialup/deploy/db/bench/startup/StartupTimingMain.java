package dev.dialup.deploy.db.bench.startup;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * In-process startup time (docs/PERFORMANCE.md): in a fresh JVM, the milliseconds from just
 * before opening to just after the first query's result, for {@code plain} sqlite-jdbc (the
 * baseline), the {@code library}'s {@code DialupDatabase.open} (fast path on an up-to-date file),
 * or {@code flyway} (the same open forced through Flyway's info and validate). JVM boot is not
 * included; it is the same for all three and is in the hyperfine numbers beside these.
 */
public final class StartupTimingMain {
    private StartupTimingMain() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        long users;
        switch (mode) {
            case "plain" -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
                    rs.next();
                    users = rs.getLong(1);
                }
            }
            case "library" -> {
                try (DialupDatabase db = DialupDatabase.open(file)) {
                    users = db.read(dsl -> (long) dsl.fetchCount(USERS));
                }
            }
            case "flyway" -> {
                try (DialupDatabase db = DialupDatabase.builder().path(file).extraMigrationLocation("classpath:db/none").build()) {
                    users = db.read(dsl -> (long) dsl.fetchCount(USERS));
                }
            }
            default -> throw new IllegalArgumentException("mode: plain, library or flyway");
        }
        System.out.println(mode + " " + (System.nanoTime() - t0) / 1_000_000 + " ms (users=" + users + ")");
    }
}
