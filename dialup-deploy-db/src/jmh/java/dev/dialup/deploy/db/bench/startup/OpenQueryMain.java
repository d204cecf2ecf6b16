package dev.dialup.deploy.db.bench.startup;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;

/** Startup (docs/PERFORMANCE.md): a fresh JVM runs {@code DialupDatabase.open} on an up-to-date file, then a first query. */
public final class OpenQueryMain {
    private OpenQueryMain() {}

    public static void main(String[] args) {
        try (DialupDatabase db = DialupDatabase.open(Path.of(args[0]))) {
            int users = db.read(dsl -> dsl.fetchCount(USERS));
            System.out.println(users);
        }
    }
}
