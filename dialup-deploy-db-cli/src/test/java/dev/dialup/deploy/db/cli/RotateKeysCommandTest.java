package dev.dialup.deploy.db.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretDecryptionException;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotateKeysCommandTest {
    @TempDir
    Path dir;

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    @Test
    void newKeyReencryptsEverySecretAndRetiresTheOldKeyWithoutLosingAValue() throws Exception {
        Path dbFile = dir.resolve("db/dialup.db");
        Path keyFile = dir.resolve("keys/keyset.json");
        SecretsKeyset original = SecretsKeyset.generate();
        original.writeTo(keyFile);
        long site;
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dbFile)
                .allowSystemScope()
                .createDirectories(true)
                .build()) {
            AccessScope sys = db.systemScope("test");
            var f = new Fixtures(db);
            site = f.personalSite("blog", f.user("ann"));
            var env = new EnvironmentRepository(db, original);
            env.set(sys, site, "DB_PASSWORD", "hunter2-very-secret", true);
            env.set(sys, site, "API_TOKEN", "tok-123456", true);
            env.set(sys, site, "PUBLIC_URL", "https://blog.example", false);
        }

        CliRun run = cli(
                "rotate-keys",
                "--db",
                dbFile.toString(),
                "--keyset-file",
                keyFile.toString(),
                "--new-key",
                "--retire-unused",
                "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        SecretsKeyset rotated = SecretsKeyset.fromFile(keyFile);
        assertThat(rotated.primaryKeyId()).isNotEqualTo(original.primaryKeyId());
        assertThat(rotated.keyIds()).containsExactly(rotated.primaryKeyId());
        assertThat(run.out())
                .contains("\"reencrypted\":2")
                .contains("\"retiredKeys\":[\"" + Integer.toUnsignedString(original.primaryKeyId()) + "\"]");
        assertThat(run.out() + run.err()).doesNotContain("hunter2").doesNotContain("tok-123456");
        try (DialupDatabase db =
                DialupDatabase.builder().path(dbFile).allowSystemScope().build()) {
            AccessScope sys = db.systemScope("test");
            var env = new EnvironmentRepository(db, rotated);
            assertThat(env.resolveForContainer(sys, site))
                    .containsEntry("DB_PASSWORD", "hunter2-very-secret")
                    .containsEntry("API_TOKEN", "tok-123456")
                    .containsEntry("PUBLIC_URL", "https://blog.example");
            var old = new EnvironmentRepository(db, original);
            assertThatThrownBy(() -> old.resolveForContainer(sys, site)).isInstanceOf(SecretDecryptionException.class);
        }
    }

    @Test
    void runningAgainWithNothingToMoveIsANoOp() throws Exception {
        Path dbFile = dir.resolve("dialup.db");
        Path keyFile = dir.resolve("keyset.json");
        SecretsKeyset.generate().writeTo(keyFile);
        DialupDatabase.open(dbFile).close();
        String before = Files.readString(keyFile);
        CliRun run = cli("rotate-keys", "--db", dbFile.toString(), "--keyset-file", keyFile.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Re-encrypted:    0 values");
        assertThat(Files.readString(keyFile)).isEqualTo(before);
    }

    @Test
    void missingKeyMaterialIsAClearFailure() {
        Path dbFile = dir.resolve("dialup.db");
        DialupDatabase.open(dbFile).close();
        CliRun run = cli(
                "rotate-keys",
                "--db",
                dbFile.toString(),
                "--keyset-file",
                dir.resolve("nope.json").toString());
        assertThat(run.exit()).isEqualTo(DialupCli.EXIT_FAILED);
        assertThat(run.err()).contains("cannot read secrets key file").contains("nope.json");
    }
}
