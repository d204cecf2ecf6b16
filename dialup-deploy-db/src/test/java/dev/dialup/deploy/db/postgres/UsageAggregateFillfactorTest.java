package dev.dialup.deploy.db.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.testing.PgTestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * V63: the two tables every ingest batch updates row by row keep free space on their pages for HOT updates
 * (docs/schema.md, docs/PERFORMANCE.md "Ingest: where a PostgreSQL round goes").
 */
class UsageAggregateFillfactorTest {
    @Test
    void latestSamplesAndDayTotalsLeaveRoomForUpdatesInPlace() throws Exception {
        try (PgTestServer.Database pg = PgTestServer.freshMigratedDatabase("aggregate_fillfactor");
                Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT relname, array_to_string(reloptions, ',') FROM pg_class"
                        + " WHERE relname IN ('usage_latest', 'usage_day_totals') AND relkind = 'r'")) {
            Map<String, String> options = new HashMap<>();
            while (rs.next()) options.put(rs.getString(1), rs.getString(2));
            assertThat(options)
                    .containsEntry("usage_latest", "fillfactor=30")
                    .containsEntry("usage_day_totals", "fillfactor=50");
        }
    }
}
