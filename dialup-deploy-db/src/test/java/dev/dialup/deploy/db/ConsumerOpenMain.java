package dev.dialup.deploy.db;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.Tables;
import java.nio.file.Path;

/** What a consuming service does first; run by ConsumerClasspathTest in a child JVM. */
public final class ConsumerOpenMain {
    private ConsumerOpenMain() {}

    public static void main(String[] args) {
        // No argument: what a service does that only sets DIALUP_DB (a file or a PostgreSQL URL).
        try (DialupDatabase db = args.length == 0 ? DialupDatabase.open() : DialupDatabase.open(Path.of(args[0]))) {
            int users = db.read(dsl -> dsl.fetchCount(Tables.USERS));
            System.out.println("opened at " + db.statusAtOpen().currentVersion() + ", users " + users + ", engine "
                    + db.engineName() + ", " + db.location());
        }
    }
}
