package dev.dialup.deploy.db.engine;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.PostgresToolsUnavailableException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's client tools ({@code pg_dump}, {@code pg_restore}) for backups and restores: found in
 * {@value #ENV_BIN} when set, else on the {@code PATH}; run with the connection in the environment
 * ({@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGSSLMODE} ...) and never on the
 * command line, where other users of the machine could read it; never prompting for a password.
 */
public final class PgTools {
    /** A directory holding {@code pg_dump} and {@code pg_restore}, searched instead of the {@code PATH}. */
    public static final String ENV_BIN = "DIALUP_PG_BIN";

    /** What to do instead when the tools are missing or too old (docs/OPERATIONS.md, "PostgreSQL"). */
    public static final String STANDARD_PROCEDURE = "back up with pg_dump --format=custom and restore with pg_restore"
            + " of the server's major version (or newer), or use point-in-time recovery (pg_basebackup plus WAL"
            + " archiving); see docs/OPERATIONS.md, \"PostgreSQL\"";

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    /** pgjdbc URL properties and the libpq environment variables they become. */
    private static final Map<String, String> LIBPQ = libpq();

    private final Map<String, String> environment;

    /** Tools found through this process's environment. */
    public PgTools() {
        this(System.getenv());
    }

    /** Tools found through {@code environment} ({@value #ENV_BIN}, {@code PATH}); tests pass their own. */
    public PgTools(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    private static Map<String, String> libpq() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PGHOST", "PGHOST");
        m.put("PGPORT", "PGPORT");
        m.put("PGDBNAME", "PGDATABASE");
        m.put("user", "PGUSER");
        m.put("password", "PGPASSWORD");
        m.put("sslmode", "PGSSLMODE");
        m.put("sslrootcert", "PGSSLROOTCERT");
        m.put("sslcert", "PGSSLCERT");
        m.put("sslkey", "PGSSLKEY");
        m.put("connectTimeout", "PGCONNECT_TIMEOUT");
        m.put("options", "PGOPTIONS");
        return m;
    }

    /** A tool found, with its major version. */
    public record Tool(String name, Path path, int major) {}

    /**
     * {@code name} ({@code pg_dump}, {@code pg_restore}) from {@value #ENV_BIN} or the {@code PATH}.
     *
     * @throws PostgresToolsUnavailableException when it is not there
     */
    public Tool find(String name) {
        List<Path> dirs = new ArrayList<>();
        String bin = environment.get(ENV_BIN);
        if (bin != null && !bin.isBlank()) {
            dirs.add(Path.of(bin));
        } else {
            String path = environment.getOrDefault("PATH", "");
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isBlank()) dirs.add(Path.of(d));
            }
        }
        for (Path d : dirs) {
            Path candidate = d.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return new Tool(name, candidate, major(candidate));
            }
        }
        throw new PostgresToolsUnavailableException(name + " was not found "
                + (bin != null && !bin.isBlank() ? "in " + ENV_BIN + " (" + bin + ")" : "on the PATH")
                + "; " + STANDARD_PROCEDURE);
    }

    /**
     * {@code name} of at least the server's major version: {@code pg_dump} refuses a newer server, and a dump
     * written by an older one may miss what a newer server has.
     *
     * @throws PostgresToolsUnavailableException when it is missing or older than the server
     */
    public Tool findForServer(String name, int serverMajor) {
        Tool tool = find(name);
        if (tool.major() < serverMajor) {
            throw new PostgresToolsUnavailableException(name + " " + tool.major() + " (" + tool.path()
                    + ") is older than the PostgreSQL " + serverMajor + " server and cannot back it up; install the"
                    + " client tools of version " + serverMajor + " or newer and put them on the PATH (or set "
                    + ENV_BIN + "), or " + STANDARD_PROCEDURE);
        }
        return tool;
    }

    /** The major version a tool reports ({@code pg_dump (PostgreSQL) 15.18} is 15). */
    static int major(Path tool) {
        Result r = run(List.of(tool.toString(), "--version"), Map.of(), null);
        Matcher m = VERSION.matcher(r.stdout());
        if (r.exit() != 0 || !m.find()) {
            throw new PostgresToolsUnavailableException(
                    tool + " --version did not report a PostgreSQL version; " + STANDARD_PROCEDURE);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The major version of the server behind {@code c} (18 for 18.1). */
    public static int serverMajor(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1).trim()) / 10_000;
        }
    }

    /**
     * The libpq environment for the database of {@code jdbcUrl}: host, port, database, user, password, TLS settings.
     * Credentials absent from the URL are left to the tools' own sources ({@code PGPASSWORD}, {@code PGPASSFILE},
     * {@code ~/.pgpass}), inherited from this process.
     */
    public static Map<String, String> environmentFor(String jdbcUrl) {
        Properties p = JdbcUrls.postgresProperties(jdbcUrl);
        Map<String, String> env = new TreeMap<>();
        LIBPQ.forEach((prop, var) -> {
            String v = p.getProperty(prop);
            if (v != null && !v.isEmpty()) {
                env.put(var, v);
            }
        });
        return env;
    }

    /** What a tool run printed. */
    public record Result(int exit, String stdout, String stderr) {}

    /**
     * Runs {@code command} with {@code extraEnvironment} added to this process's environment, {@code stdin} closed and
     * every line of its standard output handed to {@code lines} (when not null; {@link Result#stdout()} is then
     * empty). Never prompts: {@code PGCONNECT_TIMEOUT} and {@code --no-password} are the caller's to add.
     */
    public static Result run(List<String> command, Map<String, String> extraEnvironment, Consumer<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnvironment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            StringBuilder out = new StringBuilder();
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (lines != null) {
                        lines.accept(line);
                    } else {
                        out.append(line).append('\n');
                    }
                }
            }
            int exit = p.waitFor();
            return new Result(exit, out.toString(), err.join());
        } catch (IOException e) {
            throw new DialupDataException(
                    "Cannot run " + Path.of(command.get(0)).getFileName() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DialupDataException(
                    "Interrupted while running " + Path.of(command.get(0)).getFileName(), e);
        }
    }

    private static String drain(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Rows per table of the library's schema in a custom-format archive, counted from {@code pg_restore --data-only
     * --file=-} (the COPY blocks it would replay), by table name without schema. The library's schema is the one
     * holding {@code flyway_schema_history} (else the only one, else {@code public}): other schemas — the access
     * mirrors of row-level security in {@code dialup_rls} have tables named {@code users} and {@code organizations}
     * too — are not counted. Blocks naming the same table (one per partition, written with
     * {@code --load-via-partition-root}) add up.
     */
    public static Map<String, Long> archiveRowCounts(Tool pgRestore, Path archive) {
        Map<String, Map<String, Long>> bySchema = new TreeMap<>();
        Pattern copy = Pattern.compile("^COPY (?:\"?([^\" .]+)\"?\\.)?\"?([^\" (]+)\"? \\(.*\\) FROM stdin;$");
        AtomicReference<Map<String, Long>> block = new AtomicReference<>();
        String[] table = {null};
        Result r = run(
                List.of(pgRestore.path().toString(), "--data-only", "--file=-", archive.toString()), Map.of(), line -> {
                    if (table[0] == null) {
                        Matcher m = copy.matcher(line);
                        if (m.matches()) {
                            block.set(bySchema.computeIfAbsent(
                                    Objects.requireNonNullElse(m.group(1), ""), k -> new TreeMap<>()));
                            table[0] = m.group(2);
                            block.get().putIfAbsent(table[0], 0L);
                        }
                    } else if (line.equals("\\.")) {
                        table[0] = null;
                    } else {
                        block.get().merge(table[0], 1L, Long::sum);
                    }
                });
        if (r.exit() != 0) {
            throw new DialupDataException("pg_restore could not read the archive " + archive + ": " + firstLine(r));
        }
        for (Map<String, Long> counts : bySchema.values()) {
            if (counts.containsKey("flyway_schema_history")) return counts;
        }
        if (bySchema.size() == 1) return bySchema.values().iterator().next();
        return bySchema.getOrDefault("public", new TreeMap<>());
    }

    /** The first line of a failed run's error output (its complaint), for an exception message. */
    public static String firstLine(Result r) {
        String text = Objects.requireNonNullElse(r.stderr(), "").strip();
        int nl = text.indexOf('\n');
        return text.isEmpty() ? "exit code " + r.exit() : (nl < 0 ? text : text.substring(0, nl));
    }
}
