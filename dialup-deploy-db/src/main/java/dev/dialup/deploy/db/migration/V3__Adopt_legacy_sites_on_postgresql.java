package dev.dialup.deploy.db.migration;

import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * PostgreSQL twin of {@link V3__Adopt_legacy_sites} (same version and description; a Java migration on both
 * engines, so the two migration folders hold the same versions). There are no Bun-era rows to adopt on
 * PostgreSQL (a database is migrated empty, then an installation is copied in), and the slug folding needs
 * ICU, so legacy rows present here are refused instead of adopted wrongly.
 */
public final class V3__Adopt_legacy_sites_on_postgresql extends BaseJavaMigration {
    @Override
    public String getDescription() {
        return "Adopt legacy sites";
    }

    @Override
    public void migrate(Context context) throws Exception {
        PostgresTwins.refuseRows(
                context,
                "SELECT EXISTS (SELECT 1 FROM processes)",
                "V3: legacy process rows cannot be adopted on PostgreSQL; adopt them on SQLite and copy the installation over");
    }

    /** The shared check of the PostgreSQL twins: fail the migration when {@code existsSql} is true. */
    static final class PostgresTwins {
        private PostgresTwins() {}

        static void refuseRows(Context context, String existsSql, String message) throws Exception {
            try (Statement st = context.getConnection().createStatement();
                    ResultSet rs = st.executeQuery(existsSql)) {
                if (rs.next() && rs.getBoolean(1)) {
                    throw new IllegalStateException(message);
                }
            }
        }
    }
}
