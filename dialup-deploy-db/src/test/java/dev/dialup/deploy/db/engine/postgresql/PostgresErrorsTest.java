package dev.dialup.deploy.db.engine.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.testing.PgTestServer;
import java.net.ServerSocket;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * {@link PostgresErrors} on failures a real server raises: each one produced the way it happens in production
 * (two connections racing, a lock held, a read-only transaction, a refused connection), wrapped as jOOQ wraps
 * them. Only the storage failures a test cannot cause (full disk, I/O error, corruption, out of memory) use the
 * driver's exception built from the server's error fields.
 */
class PostgresErrorsTest {
    private static final String LOCATION = "postgresql://db.example.org:5432/dialup";

    static PgTestServer.Database pg;

    @BeforeAll
    static void database() {
        pg = PgTestServer.freshMigratedDatabase("errors");
    }

    @AfterAll
    static void drop() {
        if (pg != null) pg.close();
    }

    @BeforeEach
    void scratchTable() throws SQLException {
        try (Connection c = pg.connect()) {
            execute(c, "DROP TABLE IF EXISTS doctors");
            execute(c, "CREATE TABLE doctors (id integer PRIMARY KEY, on_call boolean NOT NULL)");
            execute(c, "INSERT INTO doctors VALUES (1, true), (2, true)");
        }
    }

    @Test
    void foreignKeyViolation() throws SQLException {
        try (Connection c = pg.connect()) {
            DataAccessException e = jooqFailure(
                    c, "INSERT INTO sites (name, slug, owner_id, site_type) VALUES ('S', 's', 424242, 'static')");
            assertThat(PostgresErrors.sqlState(e)).contains("23503");
            assertThat(PostgresErrors.isForeignKeyViolation(e)).isTrue();
            assertThat(PostgresErrors.isUniqueViolation(e)).isFalse();
            assertThat(PostgresErrors.violatedUniqueKey(e, ConstraintKeys.load(c)))
                    .isEmpty();
            assertThat(PostgresErrors.isRetryable(e)).isFalse();
            assertThat(PostgresErrors.isBusy(e)).isFalse();
            assertThat(PostgresErrors.translateStorageFailure(LOCATION, e)).isSameAs(e);
        }
    }

    @Test
    void uniqueViolationInsideABatchIsFoundThroughTheNextException() throws SQLException {
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO doctors VALUES (?, false)")) {
            ps.setInt(1, 3);
            ps.addBatch();
            ps.setInt(1, 1);
            ps.addBatch();
            BatchUpdateException e = null;
            try {
                ps.executeBatch();
            } catch (BatchUpdateException b) {
                e = b;
            }
            assertThat((Throwable) e).isNotNull();
            RuntimeException wrapped = new DataAccessException("batch", e);
            assertThat(PostgresErrors.violatedUniqueKey(wrapped, ConstraintKeys.load(c)))
                    .contains("doctors.id");
            assertThat(PostgresErrors.isForeignKeyViolation(wrapped)).isFalse();
        }
    }

    /** Write skew under SERIALIZABLE: each transaction reads what the other writes; the second to commit loses. */
    @Test
    void serializationFailureIsRetryable() throws SQLException {
        try (Connection a = pg.connect();
                Connection b = pg.connect()) {
            for (Connection c : List.of(a, b)) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            }
            // SSI fails one of the two, at the second UPDATE or at a commit: whichever it chooses.
            List<SQLException> failures = new ArrayList<>();
            SQLException aFailed = quietly(a, "SELECT count(*) FROM doctors WHERE on_call");
            SQLException bFailed = quietly(b, "SELECT count(*) FROM doctors WHERE on_call");
            aFailed = aFailed != null ? aFailed : quietly(a, "UPDATE doctors SET on_call = false WHERE id = 1");
            bFailed = bFailed != null ? bFailed : quietly(b, "UPDATE doctors SET on_call = false WHERE id = 2");
            aFailed = aFailed != null ? aFailed : quietly(a, "COMMIT");
            bFailed = bFailed != null ? bFailed : quietly(b, "COMMIT");
            for (SQLException f : new SQLException[] {aFailed, bFailed}) {
                if (f != null) failures.add(f);
            }
            assertThat(failures).as("exactly one side of the write skew fails").hasSize(1);
            SQLException e = failures.get(0);
            a.rollback();
            b.rollback();
            RuntimeException wrapped = new DataAccessException("serializable", e);
            assertThat(PostgresErrors.sqlState(wrapped)).contains("40001");
            assertThat(PostgresErrors.isRetryable(wrapped)).isTrue();
            assertThat(PostgresErrors.isBusy(wrapped)).isFalse();
            assertThat(PostgresErrors.translateStorageFailure(LOCATION, wrapped))
                    .isSameAs(wrapped);
        }
    }

    /** Two transactions each hold one row and ask for the other's: the server breaks the cycle by failing one. */
    @Test
    void deadlockIsRetryable() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection a = pg.connect();
                Connection b = pg.connect()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            execute(a, "UPDATE doctors SET on_call = false WHERE id = 1");
            execute(b, "UPDATE doctors SET on_call = false WHERE id = 2");
            CompletableFuture<SQLException> first = CompletableFuture.supplyAsync(
                    () -> quietly(a, "UPDATE doctors SET on_call = true WHERE id = 2"), pool);
            CompletableFuture<SQLException> second = CompletableFuture.supplyAsync(
                    () -> quietly(b, "UPDATE doctors SET on_call = true WHERE id = 1"), pool);
            // Whichever waits second closes the cycle; the detector fails exactly one of them.
            List<SQLException> failures = new ArrayList<>();
            for (CompletableFuture<SQLException> f : List.of(first, second)) {
                SQLException e = f.get(2, TimeUnit.MINUTES);
                if (e != null) failures.add(e);
            }
            assertThat(failures).hasSize(1);
            RuntimeException wrapped = new DataAccessException("update", failures.get(0));
            assertThat(PostgresErrors.sqlState(wrapped)).contains("40P01");
            assertThat(PostgresErrors.isRetryable(wrapped)).isTrue();
            assertThat(PostgresErrors.isBusy(wrapped)).isFalse();
            a.rollback();
            b.rollback();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void lockTimeoutIsBusy() throws SQLException {
        try (Connection holder = pg.connect();
                Connection waiter = pg.connect()) {
            holder.setAutoCommit(false);
            waiter.setAutoCommit(false);
            execute(holder, "UPDATE doctors SET on_call = false WHERE id = 1");
            execute(waiter, "SET LOCAL lock_timeout = '100ms'");
            DataAccessException e = jooqFailure(waiter, "UPDATE doctors SET on_call = true WHERE id = 1");
            assertThat(PostgresErrors.sqlState(e)).contains("55P03");
            assertThat(PostgresErrors.isBusy(e)).isTrue();
            assertThat(PostgresErrors.isRetryable(e)).isFalse();
            assertThat(PostgresErrors.translateStorageFailure(LOCATION, e)).isSameAs(e);
            waiter.rollback();
            holder.rollback();
        }
    }

    /** Decision (PostgresErrors#isBusy): a statement cancelled by statement_timeout (57014) is busy too. */
    @Test
    void statementTimeoutIsBusy() throws SQLException {
        try (Connection holder = pg.connect();
                Connection waiter = pg.connect()) {
            holder.setAutoCommit(false);
            waiter.setAutoCommit(false);
            execute(holder, "LOCK TABLE doctors IN ACCESS EXCLUSIVE MODE");
            execute(waiter, "SET LOCAL statement_timeout = '100ms'");
            DataAccessException e = jooqFailure(waiter, "SELECT count(*) FROM doctors");
            assertThat(PostgresErrors.sqlState(e)).contains("57014");
            assertThat(PostgresErrors.isBusy(e)).isTrue();
            assertThat(PostgresErrors.isRetryable(e)).isFalse();
            waiter.rollback();
            holder.rollback();
        }
    }

    @Test
    void writingInAReadOnlyTransactionIsNotWritable() throws SQLException {
        try (Connection c = pg.connect()) {
            c.setAutoCommit(false);
            execute(c, "SET TRANSACTION READ ONLY");
            DataAccessException e = jooqFailure(c, "UPDATE doctors SET on_call = false");
            RuntimeException translated = PostgresErrors.translateStorageFailure(LOCATION, e);
            assertThat(translated).isInstanceOf(StorageException.class).hasCause(e);
            StorageException storage = (StorageException) translated;
            assertThat(storage.reason()).isEqualTo(StorageException.Reason.NOT_WRITABLE);
            assertThat(storage.location()).isEqualTo(LOCATION);
            assertThat(storage.getMessage()).contains("25006").contains("read-only");
            c.rollback();
        }
    }

    @Test
    void aRefusedConnectionIsServerUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        SQLException e = null;
        try (Connection ignored = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/dialup?connectTimeout=5", "dialup", "s3cret-password")) {
            // not reached: nothing listens on the port
        } catch (SQLException refused) {
            e = refused;
        }
        assertThat((Throwable) e).isNotNull();
        RuntimeException wrapped = new DataAccessException("open", e);
        RuntimeException translated = PostgresErrors.translateStorageFailure(LOCATION, wrapped);
        assertThat(translated).isInstanceOf(StorageException.class);
        assertThat(((StorageException) translated).reason()).isEqualTo(StorageException.Reason.SERVER_UNAVAILABLE);
        assertThat(translated.getMessage()).contains("08001").doesNotContain("s3cret");
        assertThat(PostgresErrors.isBusy(wrapped)).isFalse();
        assertThat(PostgresErrors.isRetryable(wrapped)).isFalse();
    }

    @Test
    void aTerminatedSessionIsServerUnavailable() throws SQLException {
        try (Connection victim = pg.connect();
                Connection admin = pg.connect()) {
            long pid;
            try (Statement st = victim.createStatement();
                    var rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            execute(admin, "SELECT pg_terminate_backend(" + pid + ")");
            DataAccessException e = jooqFailure(victim, "SELECT 1");
            RuntimeException translated = PostgresErrors.translateStorageFailure(LOCATION, e);
            assertThat(translated).isInstanceOf(StorageException.class);
            assertThat(((StorageException) translated).reason()).isEqualTo(StorageException.Reason.SERVER_UNAVAILABLE);
        }
    }

    /** Failures a test cannot cause on a shared server: the driver's exception with the server's fields. */
    @Test
    void storageFailuresMapToTheirReasonWithoutTheDetail() {
        record Case(String state, StorageException.Reason reason) {}
        for (Case c : List.of(
                new Case("53100", StorageException.Reason.DISK_FULL),
                new Case("58030", StorageException.Reason.IO_ERROR),
                new Case("58P01", StorageException.Reason.IO_ERROR),
                new Case("XX001", StorageException.Reason.CORRUPT),
                new Case("XX002", StorageException.Reason.CORRUPT),
                new Case("53200", StorageException.Reason.SERVER_UNAVAILABLE),
                new Case("53300", StorageException.Reason.SERVER_UNAVAILABLE),
                new Case("57P01", StorageException.Reason.SERVER_UNAVAILABLE),
                new Case("08006", StorageException.Reason.SERVER_UNAVAILABLE),
                new Case("28P01", StorageException.Reason.NOT_READABLE),
                new Case("25006", StorageException.Reason.NOT_WRITABLE))) {
            PSQLException server = new PSQLException(new ServerErrorMessage(
                    "SERROR\0C" + c.state() + "\0Mprimary message\0Dsecret detail Key (email)=(a@b.c)\0"));
            RuntimeException e = new DataAccessException("wrapped", server);
            RuntimeException translated = PostgresErrors.translateStorageFailure(LOCATION, e);
            assertThat(translated).as(c.state()).isInstanceOf(StorageException.class);
            assertThat(((StorageException) translated).reason()).as(c.state()).isEqualTo(c.reason());
            assertThat(translated.getMessage())
                    .contains(c.state() + ": primary message")
                    .doesNotContain("secret")
                    .doesNotContain("a@b.c");
        }
        for (String other : List.of("23505", "23503", "40001", "55P03", "42P01", "22001")) {
            RuntimeException e = new DataAccessException(
                    "wrapped", new PSQLException(new ServerErrorMessage("SERROR\0C" + other + "\0Mx\0")));
            assertThat(PostgresErrors.translateStorageFailure(LOCATION, e))
                    .as(other)
                    .isSameAs(e);
        }
    }

    @Test
    void nothingToClassifyInANonSqlFailure() {
        RuntimeException e = new IllegalStateException("no SQL here", new RuntimeException("nor here"));
        assertThat(PostgresErrors.sqlState(e)).isEmpty();
        assertThat(PostgresErrors.isBusy(e)).isFalse();
        assertThat(PostgresErrors.isRetryable(e)).isFalse();
        assertThat(PostgresErrors.isForeignKeyViolation(e)).isFalse();
        assertThat(PostgresErrors.translateStorageFailure(LOCATION, e)).isSameAs(e);
    }

    private static SQLException quietly(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    /** The failure of {@code sql} as jOOQ throws it ({@link DataAccessException} caused by the driver's). */
    private static DataAccessException jooqFailure(Connection c, String sql) {
        try {
            DSL.using(c, SQLDialect.POSTGRES).execute(sql);
        } catch (DataAccessException e) {
            return e;
        }
        throw new AssertionError("did not fail: " + sql);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
