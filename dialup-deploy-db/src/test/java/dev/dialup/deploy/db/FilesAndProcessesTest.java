package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import dev.dialup.deploy.db.ops.RestoreService;
import dev.dialup.deploy.db.ops.Verifier;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Files on disk are private, paths are never invented, erased plaintext is gone, legacy process rows are linked. */
class FilesAndProcessesTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().manual();

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theDatabaseItsWalAndShmBackupsAndManifestsAreCreatedPrivate() throws Exception {
        Path file = temp.dir().resolve("private/sub/dialup.db");
        try (DialupDatabase db =
                DialupDatabase.builder().path(file).createDirectories(true).build()) {
            new Fixtures(db).user("ada");
            // While open, after a real write: all three files exist.
            assertThat(mode(file)).isEqualTo("rw-------");
            assertThat(mode(file.resolveSibling("dialup.db-wal"))).isEqualTo("rw-------");
            assertThat(mode(file.resolveSibling("dialup.db-shm"))).isEqualTo("rw-------");
            assertThat(mode(temp.dir().resolve("private"))).isEqualTo("rwx------");
            assertThat(mode(temp.dir().resolve("private/sub"))).isEqualTo("rwx------");

            Backup backup = BackupService.besideDatabase(file).backup(db);
            assertThat(mode(backup.file())).isEqualTo("rw-------");
            assertThat(mode(backup.manifestFile())).isEqualTo("rw-------");
            assertThat(mode(backup.file().getParent())).isEqualTo("rwx------");

            Path restored = temp.dir().resolve("private/restored.db");
            new RestoreService(Clock.systemUTC(), dev.dialup.deploy.db.Progress.NONE)
                    .restore(backup.file(), restored, false);
            assertThat(mode(restored)).isEqualTo("rw-------");
        }
        assertThat(Verifier.verify(file).warnings()).isEmpty();
    }

    @Test
    void verifyWarnsAboutADatabaseOthersCanReadButStillPasses() throws Exception {
        try (DialupDatabase db = temp.open()) {
            new Fixtures(db).user("ada");
        }
        Path file = temp.file();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Verifier.Report r = Verifier.verify(file);
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings())
                .singleElement()
                .asString()
                .contains("rw-r--r--")
                .contains(file.toString())
                .contains("chmod 600");
    }

    @Test
    void aMissingDirectoryIsRefusedWithATypedErrorNamingItAndNothingIsCreated() {
        Path typo = temp.dir().resolve("dta/missing/dialup.db");
        assertThatThrownBy(() -> DialupDatabase.open(typo)).isInstanceOfSatisfying(StorageException.class, e -> {
            assertThat(e.reason()).isEqualTo(StorageException.Reason.DIRECTORY_MISSING);
            assertThat(e.getMessage())
                    .contains(typo.getParent().toString())
                    .contains("does not exist")
                    .contains("nothing was created");
        });
        assertThatThrownBy(() -> DialupDatabase.migrate(typo)).isInstanceOf(StorageException.class);
        assertThat(temp.dir().resolve("dta")).doesNotExist();

        DialupDatabase.migrate(typo, true);
        assertThat(typo).isRegularFile();
    }

    @Test
    void plaintextOfAVariableResavedAsASecretIsGoneFromTheDatabaseAndWalFiles() throws Exception {
        try (DialupDatabase db = temp.open()) {
            ActorWorld actors = ActorWorld.create(db);
            EnvironmentRepository env = new EnvironmentRepository(db, SecretsKeyset.generate());
            String plaintext = "plain-" + UUID.randomUUID();
            env.set(actors.system(), actors.orgSite, "API_TOKEN", plaintext, false);
            // Move it into the main file too, and write it again into the WAL: both places must be cleaned.
            db.withWriterConnection(c -> {
                SqliteOnly.checkpointTruncate(c);
                return null;
            });
            env.set(actors.system(), actors.orgSite, "OTHER", "x", false);
            assertThat(rawFilesContain(db.path(), plaintext))
                    .as("the check can see the plaintext")
                    .isTrue();

            env.set(actors.system(), actors.orgSite, "API_TOKEN", "now-a-secret", true);

            assertThat(rawFilesContain(db.path(), plaintext)).isFalse();
            assertThat(rawFilesContain(db.path(), "now-a-secret")).isFalse();
            assertThat(env.get(actors.system(), actors.orgSite, "API_TOKEN")
                            .secretValue()
                            .reveal())
                    .isEqualTo("now-a-secret");
        }
    }

    private static boolean rawFilesContain(Path db, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Path f = db.resolveSibling(db.getFileName() + suffix);
            if (Files.exists(f) && indexOf(Files.readAllBytes(f), needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    @Test
    void rowsTheLegacyProcessTrackerInsertsAfterMigrationAreLinkedToTheirSiteByName() throws Exception {
        Path file = temp.file();
        long shop;
        try (DialupDatabase db = temp.open()) {
            Fixtures f = new Fixtures(db);
            shop = f.personalSite("shop", f.user("owner"));
        }
        // The Bun tracker's own statements, on its own connection.
        try (Connection bun = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = bun.createStatement()) {
            st.execute("INSERT OR REPLACE INTO processes (id, site, port, pid, startTime, type, script, cwd, status)"
                    + " VALUES ('p1', 'shop', 3000, 42, 1700000000000, 'bun', 'index.ts', '/srv/shop', 'running')");
            st.execute("INSERT OR REPLACE INTO processes (id, site, port, pid, startTime, type, script, cwd, status)"
                    + " VALUES ('p2', 'ghost', 3001, 43, 1700000000000, 'bun', 'index.ts', '/srv/ghost', 'running')");
            st.execute("UPDATE processes SET status = 'stopped' WHERE id = 'p1'");
            // REPLACE deletes and re-inserts the row: it is linked again.
            st.execute("INSERT OR REPLACE INTO processes (id, site, port, pid, startTime, type, script, cwd, status)"
                    + " VALUES ('p1', 'shop', 3000, 44, 1700000001000, 'bun', 'index.ts', '/srv/shop', 'running')");
            try (ResultSet rs = st.executeQuery("SELECT * FROM processes ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("id")).isEqualTo("p1");
                assertThat(rs.getLong("site_id")).isEqualTo(shop);
                assertThat(rs.getInt("pid")).isEqualTo(44);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("id")).isEqualTo("p2");
                assertThat(rs.getObject("site_id")).isNull();
            }
        }
        Verifier.Report r = Verifier.verify(file);
        assertThat(r.ok())
                .as("a process without a site is a warning, not a failure")
                .isTrue();
        assertThat(r.warnings()).singleElement().asString().startsWith("1 row(s) in processes");

        try (Connection bun = DriverManager.getConnection(SqliteOnly.jdbcUrl(file));
                Statement st = bun.createStatement()) {
            st.execute("DELETE FROM processes WHERE id = 'p2'");
        }
        assertThat(Verifier.verify(file).warnings()).isEmpty();
    }
}
