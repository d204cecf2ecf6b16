package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.testing.PgTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator commands against a PostgreSQL database named by a JDBC URL: migrate, info, demo,
 * verify, rollup, prune, optimize. The URL carries a password the embedded server ignores (trust
 * authentication): it must never appear in any output.
 */
class PostgresCommandsTest {
    private static final String CANARY = "Canary-Pw-7f3a9";

    PgTestServer.Database pg;
    String url;

    @BeforeEach
    void database() {
        pg = PgTestServer.freshDatabase("cli");
        url = pg.location() + "&password=" + CANARY;
    }

    @AfterEach
    void drop() {
        pg.close();
    }

    private CliRun run(String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.out() + r.err()).doesNotContain(CANARY);
        return r;
    }

    @Test
    void everyOperatorCommandWorksOnAUrlAndNeverPrintsTheCredentials() throws Exception {
        CliRun migrate = run("migrate", "--db", url, "--json");
        assertThat(migrate.exit()).as(migrate.err()).isZero();
        Map<?, ?> m = migrate.json();
        assertThat((String) m.get("database")).startsWith("postgresql://").endsWith("/" + pg.name());
        assertThat(m.get("schemaVersion")).isNotNull();

        CliRun demo = run("demo", "--db", url);
        assertThat(demo.exit()).as(demo.err()).isZero();

        CliRun info = run("info", "--db", url, "--json");
        assertThat(info.exit()).as(info.err()).isZero();
        Map<?, ?> i = info.json();
        assertThat(i.get("engine")).isEqualTo("postgresql");
        assertThat(i.get("schemaVersion")).isEqualTo(m.get("schemaVersion"));
        Map<?, ?> rows = (Map<?, ?>) i.get("rowCounts");
        assertThat((Long) rows.get("users")).isPositive();
        assertThat((Long) rows.get("sites")).isPositive();

        CliRun verify = run("verify", "--db", url, "--json");
        assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.json().get("schemaState")).isEqualTo("CURRENT");
        assertThat(verify.json().get("integrity")).isEqualTo(List.of("ok"));

        for (String[] command :
                List.of(new String[] {"rollup", "--db", url}, new String[] {"prune", "--db", url}, new String[] {
                    "optimize", "--db", url
                })) {
            CliRun r = run(command);
            assertThat(r.exit())
                    .as(String.join(" ", command[0]) + ": " + r.err())
                    .isZero();
        }
    }

    @Test
    void migrateGrantsTheRuntimeRoleAndRefusesRolesThatWouldBypassRowSecurity(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        CliRun refused = run("migrate", "--db", url, "--runtime-role", "postgres");
        assertThat(refused.exit()).as(refused.out()).isNotZero();
        assertThat(refused.err()).contains("BYPASSRLS");

        CliRun granted = run("migrate", "--db", url, "--runtime-role", PgTestServer.RUNTIME, "--json");
        assertThat(granted.exit()).as(granted.err()).isZero();
        assertThat(granted.json().get("runtimeRole")).isEqualTo(PgTestServer.RUNTIME);
        assertThat(run("demo", "--db", url).exit()).isZero();

        // The runtime role now opens the database: counts are read with the system identity, rows are there.
        CliRun info = run("info", "--db", pg.runtimeLocation() + "&password=" + CANARY, "--json");
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat((Long) ((Map<?, ?>) info.json().get("rowCounts")).get("sites"))
                .isPositive();
        // ... but without an identity it sees no tenant row, and cannot run DDL.
        try (java.sql.Connection c = dev.dialup.deploy.db.engine.JdbcUrls.postgresDataSource(pg.runtimeLocation())
                        .getConnection();
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("select count(*) from sites")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> st.execute("create table intruder (x int)"))
                    .isInstanceOf(java.sql.SQLException.class);
        }

        CliRun onSqlite = run("migrate", "--db", dir.resolve("x.db").toString(), "--runtime-role", "dialup_app");
        assertThat(onSqlite.exit()).isEqualTo(DialupCli.EXIT_USAGE);
        assertThat(onSqlite.err()).contains("--runtime-role applies to a PostgreSQL database");
    }

    @Test
    void rotateKeysReencryptsTheSecretsOfAPostgresqlDatabase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path keyFile = dir.resolve("keyset.json");
        var original = dev.dialup.deploy.db.secrets.SecretsKeyset.generate();
        original.writeTo(keyFile);
        long site;
        try (var db = dev.dialup.deploy.db.core.DialupDatabase.builder()
                .location(url)
                .allowSystemScope()
                .build()) {
            var sys = db.systemScope("test");
            var f = new dev.dialup.deploy.db.testing.Fixtures(db);
            site = f.personalSite("blog", f.user("ann"));
            var env = new dev.dialup.deploy.db.secrets.EnvironmentRepository(db, original);
            env.set(sys, site, "DB_PASSWORD", "hunter2-very-secret", true);
            env.set(sys, site, "PUBLIC_URL", "https://blog.example", false);
        }

        CliRun run =
                run("rotate-keys", "--db", url, "--keyset-file", keyFile.toString(), "--new-key", "--retire-unused");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain("hunter2");

        var rotated = dev.dialup.deploy.db.secrets.SecretsKeyset.fromFile(keyFile);
        assertThat(rotated.keyIds()).containsExactly(rotated.primaryKeyId());
        try (var db = dev.dialup.deploy.db.core.DialupDatabase.builder()
                .location(url)
                .allowSystemScope()
                .build()) {
            var env = new dev.dialup.deploy.db.secrets.EnvironmentRepository(db, rotated);
            assertThat(env.resolveForContainer(db.systemScope("test"), site))
                    .containsEntry("DB_PASSWORD", "hunter2-very-secret");
        }
    }

    @Test
    void aMalformedUrlIsABadArgumentThatDoesNotEchoIt() {
        CliRun r = run("migrate", "--db", "jdbc:postgresql://user:" + CANARY + "@localhost/x");
        assertThat(r.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertThat(r.err()).contains("user:password@").contains("PGPASSWORD");

        CliRun noDatabase = run("migrate", "--db", "jdbc:postgresql://localhost?password=" + CANARY);
        assertThat(noDatabase.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertThat(noDatabase.err()).contains("jdbc:postgresql://host[:port]/database");
    }

    @Test
    void anUnreachableServerIsAStorageFailureNamingTheServerButNoCredentials() throws Exception {
        CliRun r = run("info", "--db", "jdbc:postgresql://127.0.0.1:1/nothing?password=" + CANARY, "--json");
        assertThat(r.exit()).isNotZero();
        Map<?, ?> error = (Map<?, ?>) r.json().get("error");
        assertThat(error.get("type")).isEqualTo("StorageException");
        assertThat((String) error.get("message")).contains("postgresql://127.0.0.1:1/nothing");
    }
}
