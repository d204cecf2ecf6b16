package dev.dialup.deploy.db.migration;

import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.registry.Engines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The fast path of {@code DialupDatabase.open}: decides, from one read-only look at
 * {@code flyway_schema_history}, whether a database already has exactly this library's
 * migrations (same versions, scripts, types and checksums, all successful). Only then does
 * open skip Flyway; anything else (pending, newer, failed, edited or unknown rows) goes
 * through Flyway's full validate-and-migrate path.
 *
 * <p>The Java migrations are {@link Migrator#javaMigrations()}; the list of SQL migrations comes from {@code db/migration-index.txt}, written at build time
 * from {@code db/migration/sqlite/}; checksums are Flyway's (CRC32 over the lines of the script,
 * BOM and line breaks removed), verified against Flyway's own in {@code FastOpenTest}.
 */
public final class UpToDateCheck {
    static final String INDEX = "db/migration-index.txt";

    /** One migration as Flyway records it. */
    record Entry(String version, String type, String script, Integer checksum) {}

    /** The shipped migrations per engine name (the index is shared: both folders hold the same script names). */
    private static final Map<String, Map<Version, Entry>> SHIPPED = new java.util.concurrent.ConcurrentHashMap<>();

    private UpToDateCheck() {}

    /**
     * The schema status if the file is up to date with the shipped migrations, else {@code null}
     * (the caller then runs Flyway). Reads only; needs no write lock.
     */
    public static SchemaStatus upToDate(Connection readOnly) throws SQLException {
        return upToDate(Engines.files(), readOnly);
    }

    /** {@link #upToDate(Connection)} for a database of {@code engine}, against that engine's scripts. */
    public static SchemaStatus upToDate(DatabaseEngine engine, Connection readOnly) throws SQLException {
        Map<Version, Entry> expected = shipped(engine);
        if (expected == null) {
            return null;
        }
        Map<Version, Entry> applied = new TreeMap<>();
        Version baseline = null;
        try (Statement st = readOnly.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, type, script, checksum, success FROM "
                        + DatabaseEngine.HISTORY_TABLE + " ORDER BY installed_rank")) {
            while (rs.next()) {
                String version = rs.getString(1);
                String type = rs.getString(2);
                int checksum = rs.getInt(4);
                Integer sum = rs.wasNull() ? null : checksum;
                if (version == null || !rs.getBoolean(5)) {
                    return null; // repeatable or failed migration: let Flyway judge
                }
                Version v = Version.parse(version);
                if ("BASELINE".equals(type)) {
                    if (baseline != null || !applied.isEmpty()) return null;
                    baseline = v;
                    continue;
                }
                if (applied.put(v, new Entry(version, type, rs.getString(3), sum)) != null) {
                    return null;
                }
            }
        }
        List<Entry> wanted = new ArrayList<>();
        for (Map.Entry<Version, Entry> e : expected.entrySet()) {
            if (baseline == null || e.getKey().compareTo(baseline) > 0) {
                wanted.add(e.getValue());
            }
        }
        if (!new ArrayList<>(applied.values()).equals(wanted)) {
            return null;
        }
        String latest =
                ((TreeMap<Version, Entry>) expected).lastEntry().getValue().version();
        String current = applied.isEmpty()
                ? (baseline == null ? null : baseline.text)
                : ((TreeMap<Version, Entry>) applied).lastEntry().getValue().version();
        return new SchemaStatus(current, latest, List.of());
    }

    /** The newest migration version this library ships ("60"), or {@code null} if the build-time index is missing. */
    public static String latestShippedVersion() {
        Map<Version, Entry> s = shipped();
        return s == null || s.isEmpty()
                ? null
                : ((TreeMap<Version, Entry>) s).lastEntry().getValue().version();
    }

    /** The shipped migrations, or {@code null} if the build-time index is missing (then open always runs Flyway). */
    static Map<Version, Entry> shipped() {
        return shipped(Engines.files());
    }

    static Map<Version, Entry> shipped(DatabaseEngine engine) {
        Map<Version, Entry> s = SHIPPED.get(engine.name());
        if (s == null) {
            s = load(engine);
            if (s != null) SHIPPED.put(engine.name(), s);
        }
        return s;
    }

    private static Map<Version, Entry> load(DatabaseEngine engine) {
        String location = engine.migrationsLocation().substring("classpath:".length()) + "/";
        ClassLoader cl = UpToDateCheck.class.getClassLoader();
        TreeMap<Version, Entry> entries = new TreeMap<>();
        try (InputStream in = cl.getResourceAsStream(INDEX)) {
            if (in == null) {
                return null;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                String script = line.strip();
                if (script.isEmpty()) continue;
                int sep = script.indexOf("__");
                if (!script.startsWith("V") || sep < 0 || !script.endsWith(".sql")) {
                    return null;
                }
                String version = script.substring(1, sep).replace('_', '.');
                entries.put(Version.parse(version), new Entry(version, "SQL", script, checksum(cl, location + script)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + INDEX, e);
        }
        for (var java : Migrator.javaMigrations(engine)) {
            String version = java.getVersion().getVersion();
            entries.put(
                    Version.parse(version),
                    new Entry(version, "JDBC", java.getClass().getName(), java.getChecksum()));
        }
        return entries;
    }

    /** Flyway's checksum of a SQL script: CRC32 over each line's UTF-8 bytes, without BOM or line breaks. */
    static int checksum(ClassLoader cl, String resource) throws IOException {
        try (InputStream in = Objects.requireNonNull(cl.getResourceAsStream(resource), resource);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            CRC32 crc = new CRC32();
            String line = r.readLine();
            boolean first = true;
            while (line != null) {
                if (first && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                first = false;
                crc.update(line.getBytes(StandardCharsets.UTF_8));
                line = r.readLine();
            }
            return (int) crc.getValue();
        }
    }

    /** A migration version ("20", "1.1"), compared numerically part by part like Flyway does. */
    record Version(String text, long[] parts) implements Comparable<Version> {
        static Version parse(String text) {
            String[] s = text.split("\\.");
            long[] p = new long[s.length];
            for (int i = 0; i < s.length; i++) p[i] = Long.parseLong(s[i]);
            return new Version(text, p);
        }

        @Override
        public int compareTo(Version o) {
            for (int i = 0; i < Math.max(parts.length, o.parts.length); i++) {
                long a = i < parts.length ? parts[i] : 0, b = i < o.parts.length ? o.parts[i] : 0;
                if (a != b) return Long.compare(a, b);
            }
            return 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Version v && compareTo(v) == 0;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
