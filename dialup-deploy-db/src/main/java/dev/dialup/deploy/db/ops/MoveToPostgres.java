package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.DialupDataException;
import dev.dialup.deploy.db.IncompatibleDatabaseException;
import dev.dialup.deploy.db.MoveRefusedException;
import dev.dialup.deploy.db.MoveVerificationException;
import dev.dialup.deploy.db.Progress;
import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.CrossEngineCopy;
import dev.dialup.deploy.db.engine.CrossEngineCopy.PgCatalog;
import dev.dialup.deploy.db.engine.CrossEngineCopy.PgColumn;
import dev.dialup.deploy.db.engine.CrossEngineCopy.RowDigest;
import dev.dialup.deploy.db.engine.CrossEngineCopy.TablePlan;
import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FileShape;
import dev.dialup.deploy.db.engine.postgresql.PostgresCatalog;
import dev.dialup.deploy.db.engine.postgresql.RowSecurity;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.migration.Migrator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an installation from its SQLite file to an empty PostgreSQL database (docs/OPERATIONS.md, "Moving an
 * installation to PostgreSQL").
 *
 * <ol>
 *   <li><b>Refusals</b>, before anything is written: the source must be at this library's newest schema version, the
 *       target at the same version (run {@code migrate} against it first), both must hold the same tables and columns
 *       as this library's schema, and the target must be empty: no row other than those its migrations insert
 *       (the configuration catalogue, the usage ingest state).
 *   <li><b>The copy</b>: every table, in foreign-key order derived from the target's constraints, read from one
 *       snapshot (one read transaction) of the source, written in multi-row batches in <em>one</em> PostgreSQL
 *       transaction. Ids and times are preserved; secrets are copied as the ciphertext they are (no keyset is
 *       needed or loaded). The target's user triggers are off for the copy ({@code ALTER TABLE ... DISABLE TRIGGER
 *       USER}, transactional; foreign keys stay checked): the rows they would derive come from the source. Identity
 *       sequences are set past the highest copied id (and past SQLite's AUTOINCREMENT high-water mark).
 *   <li><b>Verification</b>, in the same transaction before it commits: per table, the row count and a SHA-256 over a
 *       canonical rendering of every row in primary-key order, computed on both sides. Any difference rolls the
 *       whole copy back and raises {@link MoveVerificationException}.
 * </ol>
 *
 * <p>The target is any {@link DataSource} of the PostgreSQL database, connecting as the role that owns the tables
 * (the one that ran the migrations). Writers of the SQLite file must be stopped first: the copy is consistent either
 * way, but whatever they write afterwards stays behind.
 */
public final class MoveToPostgres {
    private static final Logger log = LoggerFactory.getLogger(MoveToPostgres.class);
    /** The source is a database file. */
    private static final DatabaseEngine SOURCE = Engines.files();

    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(10);
    /** Rows between two progress reports. */
    private static final int PROGRESS_EVERY = 1_000;

    private static volatile Map<String, Set<String>> seedKeys;

    private final Progress progress;

    public MoveToPostgres() {
        this(Progress.NONE);
    }

    public MoveToPostgres(Progress progress) {
        this.progress = Objects.requireNonNull(progress);
    }

    /**
     * One table after the move: rows and SHA-256 on both sides.
     *
     * @param sourceSha256 hex SHA-256 of the source's rows in canonical form
     */
    public record TableCheck(String table, long sourceRows, long targetRows, String sourceSha256, String targetSha256) {
        public boolean matches() {
            return sourceRows == targetRows && sourceSha256.equals(targetSha256);
        }
    }

    /**
     * What a move (or a verification) found.
     *
     * @param targetDatabase the PostgreSQL database's name ({@code current_database()}), never a URL
     * @param tables         every table, in the order they were copied (foreign-key order)
     * @param nextIds        for each identity column ({@code table.column}), the id the next insert gets (empty for
     *                       a verification)
     */
    public record Result(
            Path source,
            String targetDatabase,
            String schemaVersion,
            List<TableCheck> tables,
            Map<String, Long> nextIds) {
        public Result {
            tables = List.copyOf(tables);
            nextIds = Map.copyOf(nextIds);
        }

        public boolean verified() {
            return tables.stream().allMatch(TableCheck::matches);
        }

        public long rows() {
            return tables.stream().mapToLong(TableCheck::sourceRows).sum();
        }
    }

    /**
     * Copies {@code sqliteFile} into {@code target} and verifies the copy, all in one PostgreSQL transaction.
     *
     * @throws MoveRefusedException      target not empty, schema versions differ, source not up to date, or the
     *                                   schemas differ; nothing was written
     * @throws MoveVerificationException the copy did not match the source; nothing was committed
     */
    public Result move(Path sqliteFile, DataSource target) {
        Path file = requireUpToDateSource(sqliteFile);
        progress.update("check", 0, 0);
        try (Connection src = SOURCE.readerDataSource(file, BUSY_TIMEOUT).getConnection();
                Connection pg = target.getConnection()) {
            src.setAutoCommit(false); // one read transaction: every table from the same snapshot
            try {
                FileShape shape = SOURCE.classify(src); // the first read starts the snapshot
                DSLContext source = DSL.using(src, SOURCE.dialect());
                pg.setAutoCommit(false);
                try {
                    // Row-level security is forced even for the owner: the copy acts as the system capability.
                    RowSecurity.actAsSystem(pg);
                    Result r = copy(file, shape, src, source, pg);
                    RowSecurity.refreshMirrors(pg); // the copy ran with user triggers off
                    pg.commit();
                    log.info(
                            "Moved {} ({} rows in {} tables) to PostgreSQL database {}; verified",
                            file,
                            r.rows(),
                            r.tables().size(),
                            r.targetDatabase());
                    return r;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(pg);
                    throw e;
                }
            } finally {
                rollbackQuietly(src);
            }
        } catch (SQLException e) {
            throw new DialupDataException(
                    "Move of " + file + " to PostgreSQL failed, nothing was committed: " + e.getMessage(), e);
        }
    }

    /**
     * Compares {@code sqliteFile} with {@code target} table by table (row counts and checksums), reading each from
     * one snapshot and changing nothing. Meaningful only while nothing writes to either.
     *
     * @throws MoveVerificationException when a table differs
     * @throws MoveRefusedException      when the schemas differ
     */
    public Result verify(Path sqliteFile, DataSource target) {
        Path file = requireUpToDateSource(sqliteFile);
        try (Connection src = SOURCE.readerDataSource(file, BUSY_TIMEOUT).getConnection();
                Connection pg = target.getConnection()) {
            src.setAutoCommit(false);
            pg.setAutoCommit(false);
            try (Statement st = pg.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            RowSecurity.actAsSystem(pg);
            try {
                FileShape shape = SOURCE.classify(src);
                List<TablePlan> plans = plan(PgCatalog.read(pg), shape);
                DSLContext source = DSL.using(src, SOURCE.dialect());
                Map<String, RowDigest> digests = new LinkedHashMap<>();
                long total = sum(SOURCE.tableRowCounts(src), plans);
                long[] done = {0};
                for (TablePlan p : plans) {
                    RowDigest d = new RowDigest();
                    p.readSource(source, row -> {
                        d.add(row);
                        tick("verify", ++done[0], 2 * total);
                    });
                    digests.put(p.name(), d);
                }
                Result r = compare(file, pg, shape.version(), plans, digests, Map.of(), done, 2 * total);
                throwIfDifferent(r);
                return r;
            } finally {
                rollbackQuietly(pg);
                rollbackQuietly(src);
            }
        } catch (SQLException e) {
            throw new DialupDataException("Verification of the move of " + file + " failed: " + e.getMessage(), e);
        }
    }

    private Result copy(Path file, FileShape shape, Connection src, DSLContext source, Connection pg)
            throws SQLException {
        String targetVersion = targetVersion(pg);
        if (targetVersion == null) {
            throw new MoveRefusedException(
                    MoveRefusedException.Reason.SCHEMA_VERSION_MISMATCH,
                    "the target PostgreSQL database has no migration history; run 'migrate' against it first");
        }
        if (Migrator.isNewer(targetVersion, shape.version()) || Migrator.isNewer(shape.version(), targetVersion)) {
            throw new MoveRefusedException(
                    MoveRefusedException.Reason.SCHEMA_VERSION_MISMATCH,
                    "the source is at schema version " + shape.version() + " but the target at " + targetVersion
                            + "; migrate both with the same dialup-deploy-db version");
        }
        List<TablePlan> plans = plan(PgCatalog.read(pg), shape);
        List<String> names = plans.stream().map(TablePlan::name).toList();
        // Also takes every table's ACCESS EXCLUSIVE lock: nothing else writes to the target until the commit.
        CrossEngineCopy.userTriggers(pg, names, false);
        requireEmpty(pg, plans);
        try (Statement st = pg.createStatement()) {
            // The rows the target's migrations inserted (configuration catalogue, ingest state) give way to the
            // source's, which its own migrations inserted and its services may have changed since.
            for (TablePlan p : plans.reversed()) {
                st.executeUpdate("DELETE FROM " + CrossEngineCopy.quote(p.name()));
            }
        }

        ensureUsagePartitions(src, pg);

        Map<String, Long> counts = SOURCE.tableRowCounts(src);
        long total = sum(counts, plans);
        Map<String, RowDigest> digests = new LinkedHashMap<>();
        long[] done = {0};
        for (TablePlan p : plans) {
            RowDigest d = new RowDigest();
            try (CrossEngineCopy.Writer w = p.writer(pg)) {
                p.readSource(source, row -> {
                    d.add(row);
                    w.add(row);
                    tick("copy", ++done[0], total);
                });
                w.flush();
            }
            digests.put(p.name(), d);
        }
        progress.update("copy", total, total);

        progress.update("sequences", 0, 0);
        Map<String, Long> sqliteSequences = CrossEngineCopy.sqliteSequences(src);
        Map<String, Long> nextIds = new TreeMap<>();
        for (TablePlan p : plans) {
            for (PgColumn c : p.columns()) {
                if (c.identity()) {
                    long atLeast = sqliteSequences.getOrDefault(p.name().toLowerCase(Locale.ROOT), 0L);
                    nextIds.put(
                            p.name() + "." + c.name(),
                            CrossEngineCopy.advanceSequence(pg, p.name(), c.name(), atLeast));
                }
            }
        }
        CrossEngineCopy.userTriggers(pg, names, true);

        long[] verified = {0};
        Result r = compare(file, pg, shape.version(), plans, digests, nextIds, verified, total);
        throwIfDifferent(r);
        return r;
    }

    /** Reads the target's rows and lines them up with the source's digests. */
    private Result compare(
            Path file,
            Connection pg,
            String version,
            List<TablePlan> plans,
            Map<String, RowDigest> sourceDigests,
            Map<String, Long> nextIds,
            long[] done,
            long total)
            throws SQLException {
        List<TableCheck> checks = new ArrayList<>();
        for (TablePlan p : plans) {
            RowDigest t = new RowDigest();
            p.readTarget(pg, row -> {
                t.add(row);
                tick("verify", ++done[0], total);
            });
            RowDigest s = sourceDigests.get(p.name());
            checks.add(new TableCheck(p.name(), s.rows(), t.rows(), s.hex(), t.hex()));
        }
        progress.update("verify", total, total);
        return new Result(file, currentDatabase(pg), version, checks, nextIds);
    }

    private static void throwIfDifferent(Result r) {
        List<String> problems = new ArrayList<>();
        for (TableCheck c : r.tables()) {
            if (!c.matches()) {
                problems.add(c.table() + ": source " + c.sourceRows() + " rows sha256 " + c.sourceSha256() + ", target "
                        + c.targetRows() + " rows sha256 " + c.targetSha256());
            }
        }
        if (!problems.isEmpty()) {
            throw new MoveVerificationException(problems);
        }
    }

    /**
     * Lines up the generated schema's tables with the target's, in the target's foreign-key order.
     *
     * @throws MoveRefusedException unless the source, the target and this library hold the same tables
     */
    private static List<TablePlan> plan(PgCatalog catalog, FileShape source) {
        Map<String, Table<?>> generated = CrossEngineCopy.generatedTables();
        Set<String> targetTables = lower(catalog.tables().keySet());
        Set<String> sourceTables = lower(source.tables());
        targetTables.remove(DatabaseEngine.HISTORY_TABLE);
        sourceTables.remove(DatabaseEngine.HISTORY_TABLE);
        if (!targetTables.equals(generated.keySet()) || !sourceTables.equals(generated.keySet())) {
            throw new MoveRefusedException(
                    MoveRefusedException.Reason.SCHEMA_MISMATCH,
                    "the tables differ from this library's schema: source "
                            + difference(sourceTables, generated.keySet())
                            + ", target " + difference(targetTables, generated.keySet())
                            + "; both must be migrated by this dialup-deploy-db version and hold nothing else");
        }
        List<TablePlan> plans = new ArrayList<>();
        for (String name : catalog.foreignKeyOrder()) {
            Table<?> table = generated.get(name.toLowerCase(Locale.ROOT));
            if (table != null) {
                plans.add(TablePlan.of(table, catalog.tables().get(name)));
            }
        }
        return plans;
    }

    /**
     * The target is empty when no table holds a row whose key a freshly migrated database would not hold.
     *
     * @throws MoveRefusedException naming the tables that hold data
     */
    private static void requireEmpty(Connection pg, List<TablePlan> plans) throws SQLException {
        Map<String, Set<String>> seeds = seedKeys();
        List<String> holding = new ArrayList<>();
        for (TablePlan p : plans) {
            long rows;
            try (Statement st = pg.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + CrossEngineCopy.quote(p.name()))) {
                rs.next();
                rows = rs.getLong(1);
            }
            if (rows == 0) {
                continue;
            }
            Set<String> seeded = seeds.getOrDefault(p.name().toLowerCase(Locale.ROOT), Set.of());
            boolean data = rows > seeded.size();
            if (!data) {
                Set<String> keys = new HashSet<>();
                p.readTarget(pg, row -> keys.add(p.keyOf(row)));
                data = !seeded.containsAll(keys);
            }
            if (data) {
                holding.add(p.name() + " (" + rows + " rows)");
            }
        }
        if (!holding.isEmpty()) {
            throw new MoveRefusedException(
                    MoveRefusedException.Reason.TARGET_NOT_EMPTY,
                    "the target PostgreSQL database already holds data: " + String.join(", ", holding)
                            + "; move only into a new, empty database that 'migrate' has just prepared");
        }
    }

    /**
     * The primary keys of the rows a freshly migrated database holds, by table: learned once per JVM by migrating
     * a scratch SQLite file (both engines' migrations insert the same rows).
     */
    private static Map<String, Set<String>> seedKeys() {
        Map<String, Set<String>> s = seedKeys;
        if (s != null) {
            return s;
        }
        synchronized (MoveToPostgres.class) {
            if (seedKeys == null) {
                seedKeys = readSeedKeys();
            }
            return seedKeys;
        }
    }

    private static Map<String, Set<String>> readSeedKeys() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("dialup-move-seed");
            Path db = dir.resolve("seed.db");
            DialupDatabase.migrate(db);
            Map<String, Set<String>> keys = new TreeMap<>();
            try (Connection c = SOURCE.inspectionDataSource(db).getConnection()) {
                DSLContext dsl = DSL.using(c, SOURCE.dialect());
                for (var e : CrossEngineCopy.generatedTables().entrySet()) {
                    keys.put(e.getKey(), Set.copyOf(CrossEngineCopy.sourceKeys(dsl, e.getValue())));
                }
            }
            return Map.copyOf(keys);
        } catch (IOException | SQLException e) {
            throw new DialupDataException("Cannot prepare the emptiness check of the move: " + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("Could not remove the scratch directory {}: {}", dir, e.getMessage());
        }
    }

    /** The highest successfully applied migration of the target, or null without a migration history. */
    private static String targetVersion(Connection pg) throws SQLException {
        return PostgresCatalog.schemaVersion(pg);
    }

    private static String currentDatabase(Connection pg) throws SQLException {
        return PostgresCatalog.currentDatabase(pg);
    }

    /** The source must be an SQLite database of this library at its newest schema version. */
    private static Path requireUpToDateSource(Path sqliteFile) {
        Path file = sqliteFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new DialupDataException("Cannot move " + file + ": no such database file");
        }
        FileShape shape = SOURCE.classify(file);
        if (shape.kind() == FileShape.Kind.FOREIGN) {
            throw new IncompatibleDatabaseException(
                    IncompatibleDatabaseException.Reason.NOT_SQLITE, file, "not an SQLite database, nothing to move");
        }
        SchemaStatus status = DialupDatabase.statusOf(file);
        if (shape.kind() != FileShape.Kind.MANAGED || !status.upToDate()) {
            throw new MoveRefusedException(
                    MoveRefusedException.Reason.SOURCE_NOT_UP_TO_DATE,
                    "the source " + file + " is at schema version " + status.currentVersion() + ", not "
                            + status.latestVersion() + "; run 'migrate' on it first (with the services stopped)");
        }
        return file;
    }

    private void tick(String step, long done, long total) {
        if (done % PROGRESS_EVERY == 0) {
            progress.update(step, done, total);
        }
    }

    private static long sum(Map<String, Long> counts, List<TablePlan> plans) {
        long total = 0;
        Map<String, Long> lower = new TreeMap<>();
        counts.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        for (TablePlan p : plans) {
            total += lower.getOrDefault(p.name().toLowerCase(Locale.ROOT), 0L);
        }
        return total;
    }

    /** "as expected", or which tables are missing and which are extra. */
    private static String difference(Set<String> found, Set<String> expected) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(found);
        Set<String> extra = new TreeSet<>(found);
        extra.removeAll(expected);
        if (missing.isEmpty() && extra.isEmpty()) {
            return "as expected";
        }
        return (missing.isEmpty() ? "" : "lacks " + missing)
                + (missing.isEmpty() || extra.isEmpty() ? "" : " and ")
                + (extra.isEmpty() ? "" : "has extra " + extra);
    }

    private static Set<String> lower(Set<String> names) {
        Set<String> out = new TreeSet<>();
        names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
        return out;
    }

    private static void rollbackQuietly(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException e) {
            log.debug("rollback failed: {}", e.getMessage());
        }
    }

    /**
     * The target's {@code usage_samples} is partitioned by UTC day (V61): the partition of every day the
     * source has samples of is created before the copy, through the same function ingest uses.
     */
    private static void ensureUsagePartitions(Connection src, Connection pg) throws SQLException {
        var partitions = Engines.forDialect(org.jooq.SQLDialect.POSTGRES).usagePartitions();
        if (partitions.isEmpty()) return;
        long width = dev.dialup.deploy.db.engine.UsagePartitions.WIDTH;
        try (Statement st = src.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT DISTINCT ts - ts % " + width + " FROM usage_samples ORDER BY 1")) {
            while (rs.next()) partitions.get().ensureDay(pg, rs.getLong(1));
        }
    }
}
