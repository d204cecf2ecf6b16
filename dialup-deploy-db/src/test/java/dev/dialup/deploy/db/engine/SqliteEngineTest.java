package dev.dialup.deploy.db.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.registry.Engines;
import dev.dialup.deploy.db.testing.LegacyDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite side of the engine seam: the one file classifier and the unique-violation key. */
class SqliteEngineTest {
    private final DatabaseEngine engine = Engines.files();

    @TempDir
    Path dir;

    @Test
    void theFileEngineIsSqliteAndFoundByItsDialect() {
        assertThat(engine.name()).isEqualTo("sqlite");
        assertThat(engine.migrationsLocation()).isEqualTo("classpath:db/migration/sqlite");
        assertThat(Engines.forDialect(SQLDialect.SQLITE)).isSameAs(engine);
        assertThat(engine.singleWriter()).isTrue();
    }

    @Test
    void classifiesEveryKindOfFileWithoutChangingIt() throws Exception {
        Path missing = dir.resolve("missing.db");
        assertThat(engine.classify(missing).kind()).isEqualTo(FileShape.Kind.NEW);
        assertThat(missing).doesNotExist();

        Path text = Files.writeString(dir.resolve("notes.db"), "hello, not a database", StandardCharsets.UTF_8);
        FileShape foreign = engine.classify(text);
        assertThat(foreign.kind()).isEqualTo(FileShape.Kind.FOREIGN);
        assertThat(foreign.detail()).contains("not an SQLite database");

        Path legacy = dir.resolve("legacy.db");
        LegacyDatabase.create(legacy);
        byte[] before = Files.readAllBytes(legacy);
        FileShape legacyShape = engine.classify(legacy);
        assertThat(legacyShape.kind()).isEqualTo(FileShape.Kind.LEGACY);
        assertThat(legacyShape.version()).isEqualTo(FileShape.LEGACY_VERSION);
        assertThat(Files.readAllBytes(legacy)).isEqualTo(before);

        Path other = dir.resolve("other.db");
        execute(other, "CREATE TABLE processes (id INTEGER PRIMARY KEY, name TEXT)");
        assertThat(engine.classify(other).kind()).isEqualTo(FileShape.Kind.UNRECOGNISED);

        Path managed = dir.resolve("managed.db");
        String latest;
        try (DialupDatabase db = DialupDatabase.open(managed)) {
            latest = db.statusAtOpen().latestVersion();
        }
        FileShape managedShape = engine.classify(managed);
        assertThat(managedShape.kind()).isEqualTo(FileShape.Kind.MANAGED);
        assertThat(managedShape.version()).isEqualTo(latest);
        assertThat(managedShape.tables()).contains(DatabaseEngine.HISTORY_TABLE, "sites", "users");
    }

    @Test
    void reportsTheViolatedUniqueKeyAsTableDotColumn() throws Exception {
        Path file = dir.resolve("u.db");
        execute(file, "CREATE TABLE t (a TEXT UNIQUE)");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO t VALUES ('x')");
            try {
                st.execute("INSERT INTO t VALUES ('x')");
            } catch (SQLException e) {
                assertThat(engine.violatedUniqueKey(new RuntimeException(e))).contains("t.a");
                assertThat(engine.isBusy(e)).isFalse();
                return;
            }
        }
        throw new AssertionError("the second insert should have violated the unique constraint");
    }

    private static void execute(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
