package dev.dialup.deploy.db.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class VerifierTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    @Test
    void aHealthyCurrentDatabasePasses() {
        try (DialupDatabase db = temp.open()) {
            db.rowCounts();
        }
        Verifier.Report r = Verifier.verify(temp.file());
        assertThat(r.ok()).isTrue();
        assertThat(r.integrity()).containsExactly("ok");
        assertThat(r.foreignKeyViolations()).isEmpty();
        assertThat(r.schemaState()).isEqualTo(Verifier.SchemaState.CURRENT);
        assertThat(r.schemaVersion()).isEqualTo(r.latestVersion());
    }

    @Test
    void verifyChangesNothing() throws Exception {
        try (DialupDatabase db = temp.open()) {
            db.rowCounts();
        }
        Path file = temp.file();
        byte[] before = Files.readAllBytes(file);
        Verifier.verify(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void aRowPointingAtAMissingParentIsAProblem() throws Exception {
        try (DialupDatabase db = temp.open()) {
            db.rowCounts();
        }
        Path file = temp.file();
        // Only possible with foreign keys off: what a buggy tool or a manual edit leaves behind.
        try (Connection c = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = c.createStatement()) {
            st.execute("PRAGMA foreign_keys = OFF");
            st.execute("INSERT INTO usage_samples (site_id, ts, memory_mb_x100) VALUES (4242, 1700000000, 100)");
        }
        Verifier.Report r = Verifier.verify(file);
        assertThat(r.ok()).isFalse();
        // the orphan sample and the trigger-maintained rows derived from it
        assertThat(r.foreignKeyViolations()).anyMatch(v -> v.startsWith("usage_samples"));
        assertThat(r.problems()).anyMatch(p -> p.startsWith("foreign_key_check"));
    }

    @Test
    void aNewerSchemaIsAProblemAndALegacyFileIsNot() throws Exception {
        try (DialupDatabase db = temp.open()) {
            db.writeVoid(
                    tx -> tx.execute(
                            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                                    + " installed_by, execution_time, success) VALUES (999, '999', 'future', 'SQL', 'V999__x.sql', 'test', 0, 1)"));
        }
        Verifier.Report newer = Verifier.verify(temp.file());
        assertThat(newer.schemaState()).isEqualTo(Verifier.SchemaState.NEWER);
        assertThat(newer.problems()).anyMatch(p -> p.contains("newer than this library"));

        Verifier.Report legacy =
                Verifier.verify(OpsTestFiles.legacyFile(temp.dir().resolve("legacy.db"), 2));
        assertThat(legacy.schemaState()).isEqualTo(Verifier.SchemaState.LEGACY);
        assertThat(legacy.ok()).isTrue();
        assertThat(legacy.pendingMigrations()).isNotEmpty();
    }

    @Test
    void aFileThatIsNotSqliteIsAProblem() throws Exception {
        Path junk =
                Files.writeString(temp.dir().resolve("junk.db"), "this is not a database, just some text long enough");
        Verifier.Report r = Verifier.verify(junk);
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).singleElement().asString().contains("not an SQLite database");
    }
}
