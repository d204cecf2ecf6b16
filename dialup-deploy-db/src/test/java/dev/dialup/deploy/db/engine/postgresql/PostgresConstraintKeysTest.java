package dev.dialup.deploy.db.engine.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.engine.sqlite.SqliteEngine;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConstraintKeys} beyond the shipped schema (which {@link PostgresUniqueKeyParityTest} covers): expression
 * keys, quoted names, constraints created after loading, and look-ups after the violating transaction aborted.
 */
class PostgresConstraintKeysTest {
    static PgTestServer.Database pg;

    @BeforeAll
    static void database() throws SQLException {
        pg = PgTestServer.freshDatabase("constraintkeys");
        try (Connection c = pg.connect()) {
            for (String sql : List.of(
                    "CREATE TABLE t (id integer PRIMARY KEY, a text, b text, \"Mixed Name\" text, email text)",
                    "CREATE UNIQUE INDEX ux_t_expr ON t (length(a), b)",
                    "CREATE UNIQUE INDEX ux_t_mixed_nocase ON t (lower(\"Mixed Name\"))",
                    "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email)",
                    "INSERT INTO t (id, a, b, \"Mixed Name\", email) VALUES (1, 'xx', 'b', 'Alpha', 'secret.person@example.org')")) {
                execute(c, sql);
            }
        }
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @Test
    void readsEveryUniqueKeyInSqlitesSpelling() throws SQLException {
        try (Connection c = pg.connect()) {
            assertThat(ConstraintKeys.read(c))
                    .containsExactly(
                            java.util.Map.entry("t_email_key", "t.email"),
                            java.util.Map.entry("t_pkey", "t.id"),
                            java.util.Map.entry("ux_t_expr", "index 'ux_t_expr'"),
                            java.util.Map.entry("ux_t_mixed_nocase", "t.Mixed Name"));
        }
    }

    @Test
    void expressionAndNocaseKeysReadAsOnSqlite(@TempDir Path dir) throws SQLException {
        Optional<String> sqliteExpr;
        Optional<String> sqliteNocase;
        try (Connection lite = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("keys.db"))) {
            execute(lite, "CREATE TABLE t (id integer PRIMARY KEY, a text, b text, \"Mixed Name\" text, email text)");
            execute(lite, "CREATE UNIQUE INDEX ux_t_expr ON t (length(a), b)");
            execute(lite, "CREATE UNIQUE INDEX ux_t_mixed_nocase ON t (\"Mixed Name\" COLLATE NOCASE)");
            execute(lite, "INSERT INTO t (id, a, b, \"Mixed Name\") VALUES (1, 'xx', 'b', 'Alpha')");
            SqliteEngine engine = new SqliteEngine();
            sqliteExpr = engine.violatedUniqueKey(failure(lite, "INSERT INTO t (id, a, b) VALUES (2, 'yy', 'b')"));
            sqliteNocase =
                    engine.violatedUniqueKey(failure(lite, "INSERT INTO t (id, \"Mixed Name\") VALUES (3, 'ALPHA')"));
        }
        try (Connection c = pg.connect()) {
            ConstraintKeys keys = ConstraintKeys.load(c);
            assertThat(PostgresErrors.violatedUniqueKey(
                            failure(c, "INSERT INTO t (id, a, b) VALUES (2, 'yy', 'b')"), keys))
                    .isEqualTo(sqliteExpr)
                    .contains("index 'ux_t_expr'");
            assertThat(PostgresErrors.violatedUniqueKey(
                            failure(c, "INSERT INTO t (id, \"Mixed Name\") VALUES (3, 'ALPHA')"), keys))
                    .isEqualTo(sqliteNocase)
                    .contains("t.Mixed Name");
        }
    }

    @Test
    void aKeyCreatedAfterLoadingIsFoundByOneReloadOnAnotherConnection() throws SQLException {
        ConstraintKeys reloading = ConstraintKeys.reloading(pg.dataSource());
        ConstraintKeys snapshot;
        try (Connection c = pg.connect()) {
            snapshot = ConstraintKeys.load(c);
            assertThat(reloading.asMap()).isEqualTo(snapshot.asMap()).doesNotContainKey("ux_t_late");
            execute(c, "CREATE TABLE late (id integer PRIMARY KEY, code text)");
            execute(c, "CREATE UNIQUE INDEX ux_t_late ON late (code)");
            execute(c, "INSERT INTO late VALUES (1, 'c')");
            // The violating transaction is aborted: the look-up must not need this connection.
            c.setAutoCommit(false);
            SQLException e = failure(c, "INSERT INTO late VALUES (2, 'c')");
            assertThatThrownBy(() -> execute(c, "SELECT 1")).hasMessageContaining("aborted");
            assertThat(PostgresErrors.violatedUniqueKey(e, reloading)).contains("late.code");
            // A snapshot does not reload: an unknown name is reported by name, which matches no repository key.
            assertThat(PostgresErrors.violatedUniqueKey(e, snapshot)).contains("index 'ux_t_late'");
            c.rollback();
        } finally {
            try (Connection c = pg.connect()) {
                execute(c, "DROP TABLE IF EXISTS late");
            }
        }
        // One reload per unknown name: a name that is still unknown is not read again and again.
        assertThat(reloading.keyOf("no_such_constraint")).isEmpty();
        assertThat(reloading.keyOf("no_such_constraint")).isEmpty();
    }

    @Test
    void readsTheCatalogOnFirstUseAndOnceMorePerUnknownName() {
        java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
        javax.sql.DataSource real = pg.dataSource();
        javax.sql.DataSource counting = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) opened.incrementAndGet();
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ConstraintKeys keys = ConstraintKeys.reloading(counting);
        assertThat(opened).hasValue(0);
        assertThat(keys.keyOf("t_pkey")).contains("t.id");
        assertThat(keys.keyOf("t_email_key")).contains("t.email");
        assertThat(opened).hasValue(1);
        assertThat(keys.keyOf("nope")).isEmpty();
        assertThat(keys.keyOf("nope")).isEmpty();
        assertThat(opened).hasValue(2);
        assertThat(keys.keyOf("nope either")).isEmpty();
        assertThat(opened).hasValue(3);
    }

    @Test
    void anUnreachableSourceLeavesEveryNameUnknown() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        org.postgresql.ds.PGSimpleDataSource nowhere = new org.postgresql.ds.PGSimpleDataSource();
        nowhere.setURL("jdbc:postgresql://127.0.0.1:" + port + "/none?connectTimeout=5");
        ConstraintKeys keys = ConstraintKeys.reloading(nowhere);
        assertThat(keys.asMap()).isEmpty();
        assertThat(keys.keyOf("t_pkey")).isEmpty();
        try (Connection c = pg.connect()) {
            SQLException e = failure(c, "INSERT INTO t (id) VALUES (1)");
            assertThat(PostgresErrors.violatedUniqueKey(e, keys)).contains("index 't_pkey'");
        }
    }

    @Test
    void theViolatingValuesAreNeverInTheKey() throws SQLException {
        try (Connection c = pg.connect()) {
            SQLException e = failure(c, "INSERT INTO t (id, email) VALUES (9, 'secret.person@example.org')");
            // The server's detail names the value; what the engine returns does not.
            assertThat(((org.postgresql.util.PSQLException) e)
                            .getServerErrorMessage()
                            .getDetail())
                    .contains("secret.person");
            Optional<String> key = PostgresErrors.violatedUniqueKey(e, ConstraintKeys.load(c));
            assertThat(key).contains("t.email");
            assertThat(key.get()).doesNotContain("secret");
        }
    }

    @Test
    void lowerOfRecognisesOnlyLowerOfAColumn() {
        assertThat(ConstraintKeys.lowerOf("lower(username)")).isEqualTo("username");
        assertThat(ConstraintKeys.lowerOf("lower(\"Mixed Name\")")).isEqualTo("Mixed Name");
        assertThat(ConstraintKeys.lowerOf("lower(name::text)")).isEqualTo("name");
        assertThat(ConstraintKeys.lowerOf("lower(\"say \"\"hi\"\"\")")).isEqualTo("say \"hi\"");
        assertThat(ConstraintKeys.lowerOf("lower(a || b)")).isNull();
        assertThat(ConstraintKeys.lowerOf("lower(upper(a))")).isNull();
        assertThat(ConstraintKeys.lowerOf("length(a)")).isNull();
    }

    static SQLException failure(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("did not fail: " + sql);
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
