package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every table and column of the plan exists with its declared type and default; every planned index exists. */
class SchemaMatchesPlanTest {
    /** table.column, declared type, default as SQLite reports it (null = none), NOT NULL. Transcribed from the plan. */
    record Col(String table, String column, String type, String dflt, boolean notNull) {}

    static List<Col> planColumns() {
        List<Col> c = new ArrayList<>();
        String ts = "CURRENT_TIMESTAMP";
        // users
        c.add(new Col("users", "id", "INTEGER", null, false));
        c.add(new Col("users", "username", "TEXT", null, true));
        c.add(new Col("users", "email", "TEXT", null, true));
        c.add(new Col("users", "password_hash", "TEXT", null, true));
        c.add(new Col("users", "display_name", "TEXT", null, false));
        c.add(new Col("users", "created_at", "DATETIME", ts, false));
        c.add(new Col("users", "updated_at", "DATETIME", ts, false));
        c.add(new Col("users", "is_active", "BOOLEAN", "TRUE", false));
        c.add(new Col("users", "is_admin", "BOOLEAN", "FALSE", false));
        // organizations
        c.add(new Col("organizations", "id", "INTEGER", null, false));
        c.add(new Col("organizations", "name", "TEXT", null, true));
        c.add(new Col("organizations", "slug", "TEXT", null, true));
        c.add(new Col("organizations", "description", "TEXT", null, false));
        c.add(new Col("organizations", "owner_id", "INTEGER", null, true));
        c.add(new Col("organizations", "created_at", "DATETIME", ts, false));
        c.add(new Col("organizations", "updated_at", "DATETIME", ts, false));
        c.add(new Col("organizations", "is_active", "BOOLEAN", "TRUE", false));
        // organization_members
        c.add(new Col("organization_members", "id", "INTEGER", null, false));
        c.add(new Col("organization_members", "user_id", "INTEGER", null, true));
        c.add(new Col("organization_members", "organization_id", "INTEGER", null, true));
        c.add(new Col("organization_members", "role", "TEXT", "'member'", true));
        c.add(new Col("organization_members", "joined_at", "DATETIME", ts, false));
        // sites
        c.add(new Col("sites", "id", "INTEGER", null, false));
        c.add(new Col("sites", "name", "TEXT", null, true));
        c.add(new Col("sites", "slug", "TEXT", null, true));
        c.add(new Col("sites", "description", "TEXT", null, false));
        c.add(new Col("sites", "owner_id", "INTEGER", null, false));
        c.add(new Col("sites", "organization_id", "INTEGER", null, false));
        c.add(new Col("sites", "site_type", "TEXT", null, true));
        c.add(new Col("sites", "repository_url", "TEXT", null, false));
        c.add(new Col("sites", "branch", "TEXT", "'main'", false));
        c.add(new Col("sites", "build_command", "TEXT", null, false));
        c.add(new Col("sites", "start_command", "TEXT", null, false));
        c.add(new Col("sites", "port", "INTEGER", null, false));
        c.add(new Col("sites", "domain", "TEXT", null, false));
        c.add(new Col("sites", "subdomain", "TEXT", null, false));
        c.add(new Col("sites", "created_at", "DATETIME", ts, false));
        c.add(new Col("sites", "updated_at", "DATETIME", ts, false));
        c.add(new Col("sites", "is_active", "BOOLEAN", "TRUE", false));
        // site_resource_limits
        c.add(new Col("site_resource_limits", "id", "INTEGER", null, false));
        c.add(new Col("site_resource_limits", "site_id", "INTEGER", null, true));
        c.add(new Col("site_resource_limits", "max_memory_mb", "INTEGER", "512", false));
        c.add(new Col("site_resource_limits", "max_cpu_percent", "INTEGER", "50", false));
        c.add(new Col("site_resource_limits", "max_disk_mb", "INTEGER", "1024", false));
        c.add(new Col("site_resource_limits", "max_bandwidth_mb", "INTEGER", "1024", false));
        c.add(new Col("site_resource_limits", "max_requests_per_minute", "INTEGER", "1000", false));
        c.add(new Col("site_resource_limits", "created_at", "DATETIME", ts, false));
        c.add(new Col("site_resource_limits", "updated_at", "DATETIME", ts, false));
        // site_usage_daily
        c.add(new Col("site_usage_daily", "id", "INTEGER", null, false));
        c.add(new Col("site_usage_daily", "site_id", "INTEGER", null, true));
        c.add(new Col("site_usage_daily", "date", "DATE", null, true));
        c.add(new Col("site_usage_daily", "avg_memory_mb", "REAL", null, false));
        c.add(new Col("site_usage_daily", "max_memory_mb", "REAL", null, false));
        c.add(new Col("site_usage_daily", "avg_cpu_percent", "REAL", null, false));
        c.add(new Col("site_usage_daily", "max_cpu_percent", "REAL", null, false));
        c.add(new Col("site_usage_daily", "total_bandwidth_mb", "REAL", null, false));
        c.add(new Col("site_usage_daily", "total_requests", "INTEGER", null, false));
        c.add(new Col("site_usage_daily", "avg_response_time_ms", "REAL", null, false));
        c.add(new Col("site_usage_daily", "uptime_seconds", "INTEGER", null, false));
        // deployments
        c.add(new Col("deployments", "id", "INTEGER", null, false));
        c.add(new Col("deployments", "site_id", "INTEGER", null, true));
        c.add(new Col("deployments", "commit_hash", "TEXT", null, false));
        c.add(new Col("deployments", "commit_message", "TEXT", null, false));
        c.add(new Col("deployments", "branch", "TEXT", null, false));
        c.add(new Col("deployments", "deployed_by", "INTEGER", null, false));
        c.add(new Col("deployments", "status", "TEXT", null, true));
        c.add(new Col("deployments", "build_log", "TEXT", null, false));
        c.add(new Col("deployments", "build_time_seconds", "INTEGER", null, false));
        c.add(new Col("deployments", "deployed_at", "DATETIME", ts, false));
        // processes: legacy V1 columns plus the plan's ALTERs
        c.add(new Col("processes", "id", "TEXT", null, false));
        c.add(new Col("processes", "site", "TEXT", null, true));
        c.add(new Col("processes", "port", "INTEGER", null, true));
        c.add(new Col("processes", "pid", "INTEGER", null, false));
        c.add(new Col("processes", "startTime", "INTEGER", null, true));
        c.add(new Col("processes", "type", "TEXT", null, true));
        c.add(new Col("processes", "script", "TEXT", null, true));
        c.add(new Col("processes", "cwd", "TEXT", null, true));
        c.add(new Col("processes", "status", "TEXT", null, true));
        c.add(new Col("processes", "site_id", "INTEGER", null, false));
        c.add(new Col("processes", "memory_limit_mb", "INTEGER", null, false));
        c.add(new Col("processes", "cpu_limit_percent", "INTEGER", null, false));
        c.add(new Col("processes", "container_id", "TEXT", null, false));
        c.add(new Col("processes", "health_check_url", "TEXT", null, false));
        c.add(new Col("processes", "last_health_check", "DATETIME", null, false));
        // system_config
        c.add(new Col("system_config", "key", "TEXT", null, false));
        c.add(new Col("system_config", "value", "TEXT", null, false));
        c.add(new Col("system_config", "description", "TEXT", null, false));
        c.add(new Col("system_config", "updated_at", "DATETIME", ts, false));
        // site_environment_variables
        c.add(new Col("site_environment_variables", "id", "INTEGER", null, false));
        c.add(new Col("site_environment_variables", "site_id", "INTEGER", null, true));
        c.add(new Col("site_environment_variables", "key", "TEXT", null, true));
        c.add(new Col("site_environment_variables", "value", "TEXT", null, true));
        c.add(new Col("site_environment_variables", "is_secret", "BOOLEAN", "FALSE", false));
        c.add(new Col("site_environment_variables", "created_at", "DATETIME", ts, false));
        c.add(new Col("site_environment_variables", "updated_at", "DATETIME", ts, false));
        // site_domains
        c.add(new Col("site_domains", "id", "INTEGER", null, false));
        c.add(new Col("site_domains", "site_id", "INTEGER", null, true));
        c.add(new Col("site_domains", "domain", "TEXT", null, true));
        c.add(new Col("site_domains", "is_primary", "BOOLEAN", "FALSE", false));
        c.add(new Col("site_domains", "ssl_enabled", "BOOLEAN", "TRUE", false));
        c.add(new Col("site_domains", "ssl_cert_path", "TEXT", null, false));
        c.add(new Col("site_domains", "verified_at", "DATETIME", null, false));
        c.add(new Col("site_domains", "created_at", "DATETIME", ts, false));
        return c;
    }

    /** The plan's "Performance Considerations" indexes, as (table, leading columns). */
    static List<List<String>> planIndexes() {
        return List.of(
                // The plan's site_resource_usage is a view (V20) over usage_samples, a WITHOUT ROWID
                // table clustered on (site_id, ts): the key is the planned index.
                List.of("usage_samples", "site_id", "ts"),
                List.of("sites", "owner_id"),
                List.of("sites", "organization_id"));
    }

    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    static DialupDatabase db;

    @BeforeAll
    static void open() {
        db = TEMP.db();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planColumns")
    void everyPlannedColumnExistsWithItsDeclaredTypeAndDefault(Col col) {
        Map<String, String> info = db.withReaderConnection(c -> {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT * FROM pragma_table_info('" + col.table()
                            + "') WHERE name = '" + col.column() + "'")) {
                if (!rs.next()) return null;
                Map<String, String> m = new HashMap<>();
                m.put("type", rs.getString("type"));
                m.put("dflt", rs.getString("dflt_value"));
                m.put("notnull", rs.getString("notnull"));
                return m;
            }
        });
        assertThat(info).as(col.table() + "." + col.column() + " exists").isNotNull();
        assertThat(info.get("type")).isEqualToIgnoringCase(col.type());
        assertThat(info.get("dflt")).isEqualTo(col.dflt());
        assertThat(info.get("notnull")).isEqualTo(col.notNull() ? "1" : "0");
    }

    @Test
    void usageSamplesHaveThePlannedPublicColumns() {
        // The usage storage layout may change physically; its readable shape stays the plan's.
        List<String> cols = db.withReaderConnection(c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('site_resource_usage')")) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
        assertThat(cols)
                .contains(
                        "site_id",
                        "timestamp",
                        "memory_mb",
                        "cpu_percent",
                        "disk_mb",
                        "bandwidth_mb",
                        "active_requests",
                        "response_time_ms");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planIndexes")
    void everyPlannedIndexExists(List<String> spec) {
        String table = spec.get(0);
        List<String> wanted = spec.subList(1, spec.size());
        boolean found = db.withReaderConnection(c -> {
            List<String> indexes = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name FROM pragma_index_list('" + table + "')")) {
                while (rs.next()) indexes.add(rs.getString(1));
            }
            for (String idx : indexes) {
                List<String> cols = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery("SELECT name FROM pragma_index_info('" + idx + "') ORDER BY seqno")) {
                    while (rs.next()) cols.add(rs.getString(1));
                }
                if (cols.size() >= wanted.size()
                        && cols.subList(0, wanted.size()).equals(wanted)) return true;
            }
            // A WITHOUT ROWID table keyed by the same columns serves the same purpose as the index.
            List<String> pk = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT name FROM pragma_table_info('" + table + "') WHERE pk > 0 ORDER BY pk")) {
                while (rs.next()) pk.add(rs.getString(1));
            }
            return pk.size() >= wanted.size() && pk.subList(0, wanted.size()).equals(wanted);
        });
        assertThat(found).as("index on " + table + wanted).isTrue();
    }

    @Test
    void defaultSystemConfigRowsArePresentWithDescriptions() {
        Map<String, String> config = db.read(dsl -> dsl.fetch("SELECT key, value, description FROM system_config")
                .intoMap(r -> r.get(0, String.class), r -> r.get(1, String.class) + "|" + r.get(2, String.class)));
        assertThat(config)
                .containsKeys(
                        "usage.raw_retention_days",
                        "usage.daily_retention_days",
                        "deployments.log_archive_after_days",
                        "audit.retention_days",
                        "security.bcrypt_cost",
                        "usage.sample_interval_seconds");
        assertThat(config.get("usage.raw_retention_days")).startsWith("30|");
        assertThat(config.get("usage.daily_retention_days")).startsWith("365|");
        assertThat(config.get("deployments.log_archive_after_days")).startsWith("90|");
        assertThat(config.get("audit.retention_days")).startsWith("365|");
        assertThat(config.get("security.bcrypt_cost")).startsWith("12|");
        assertThat(config.get("usage.sample_interval_seconds")).startsWith("30|");
        assertThat(config.values())
                .allSatisfy(v -> assertThat(v.substring(v.indexOf('|') + 1)).isNotBlank());
    }
}
