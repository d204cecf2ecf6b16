package dev.dialup.deploy.db.bench.startup;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;

/**
 * Startup through Flyway (docs/PERFORMANCE.md): an extra, empty migration location turns the
 * up-to-date fast path off, so open runs Flyway's info and validate as every open did before.
 */
public final class FlywayOpenQueryMain {
    private FlywayOpenQueryMain() {}

    public static void main(String[] args) {
        try (DialupDatabase db = DialupDatabase.builder()
                .path(Path.of(args[0]))
                .extraMigrationLocation("classpath:db/none")
                .build()) {
            int users = db.read(dsl -> dsl.fetchCount(USERS));
            System.out.println(users);
        }
    }
}
