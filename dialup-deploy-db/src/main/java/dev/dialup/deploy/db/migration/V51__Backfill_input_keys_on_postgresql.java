package dev.dialup.deploy.db.migration;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * PostgreSQL twin of {@link V51__Backfill_input_keys} (same version and description). A PostgreSQL database is
 * migrated while empty, so there is nothing to backfill; the NFKC_Casefold keys need ICU, so rows present here
 * are refused rather than keyed wrongly.
 */
public final class V51__Backfill_input_keys_on_postgresql extends BaseJavaMigration {
    @Override
    public String getDescription() {
        return "Backfill input keys";
    }

    @Override
    public void migrate(Context context) throws Exception {
        V3__Adopt_legacy_sites_on_postgresql.PostgresTwins.refuseRows(
                context,
                "SELECT EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM sites)"
                        + " OR EXISTS (SELECT 1 FROM site_domains)",
                "V51: existing organizations/sites cannot be backfilled on PostgreSQL;"
                        + " migrate an empty database and copy the installation over");
    }
}
