package dev.dialup.deploy.db.secrets;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.SITE_ENVIRONMENT_VARIABLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.CapturedLog;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@BothEngines
class EnvironmentRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();
    /** Decryption failures are logged at WARN and re-encryption batches at INFO: the tests that cause them assert the lines. */
    @RegisterExtension
    final CapturedLog log = new CapturedLog();

    DialupDatabase db;
    ActorWorld actors;
    SecretsKeyset keyset;
    EnvironmentRepository repo;
    AccessScope sys;
    long site;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        keyset = SecretsKeyset.generate();
        repo = new EnvironmentRepository(db, keyset);
        sys = actors.system();
        site = actors.orgSite;
    }

    @Test
    void secretValuesAreEncryptedAtRestUnderThePrimaryKey() {
        repo.set(actors.scope(Actor.ORG_ADMIN), site, "DB_PASSWORD", "correct horse battery", true);
        var row = storedRow("DB_PASSWORD");
        assertThat(row.getValue()).doesNotContain("correct horse");
        assertThat(new String(Base64.getDecoder().decode(row.getValue()), StandardCharsets.ISO_8859_1))
                .doesNotContain("correct horse");
        assertThat(row.getKeyId()).isEqualTo((long) keyset.primaryKeyId());
        assertThat(repo.get(actors.scope(Actor.ORG_ADMIN), site, "DB_PASSWORD")
                        .secretValue()
                        .reveal())
                .isEqualTo("correct horse battery");
    }

    @Test
    void plainValuesAreStoredAsText() {
        repo.set(sys, site, "NODE_ENV", "production", false);
        assertThat(storedRow("NODE_ENV").getValue()).isEqualTo("production");
        assertThat(repo.get(actors.scope(Actor.ORG_MEMBER), site, "NODE_ENV").plainValue())
                .isEqualTo("production");
    }

    @Test
    void membersSeeSecretsMaskedWhileManagersAndTheSystemReadThem() {
        repo.set(sys, site, "API_KEY", "sk_live_123", true);
        repo.set(sys, site, "PORT", "8080", false);
        EnvironmentVariable asMember = repo.get(actors.scope(Actor.ORG_MEMBER), site, "API_KEY");
        assertThat(asMember.masked()).isTrue();
        assertThat(asMember.secretValue()).isNull();
        assertThat(asMember.displayValue()).isEqualTo("******");
        assertThat(repo.list(actors.scope(Actor.ORG_MEMBER), site))
                .extracting(EnvironmentVariable::displayValue)
                .containsExactly("******", "8080");
        assertThat(repo.get(actors.scope(Actor.ORG_OWNER), site, "API_KEY")
                        .secretValue()
                        .reveal())
                .isEqualTo("sk_live_123");
        assertThat(repo.get(actors.scope(Actor.SYSTEM_ADMIN), site, "API_KEY")
                        .secretValue()
                        .reveal())
                .isEqualTo("sk_live_123");
        assertThat(repo.resolveForContainer(sys, site))
                .containsExactly(Map.entry("API_KEY", "sk_live_123"), Map.entry("PORT", "8080"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1ABC", "A-B", "A B", "ÄPFEL", "A=B", "$HOME"})
    void keysMustLookLikeShellIdentifiers(String key) {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.set(sys, site, key, "v", false))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("key:");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void overlongKeysAndValuesAreRejected() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.set(sys, site, "K".repeat(129), "v", false))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.set(sys, site, "K", "v".repeat(40_000), true))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.set(sys, site, "K", "a\0b", true)).isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(repo.set(sys, site, "_OK_1", "", false).plainValue()).isEmpty();
    }

    @Test
    void settingAgainReplacesTheValueAndDeleteRemovesIt() {
        repo.set(sys, site, "TOKEN", "one", true);
        repo.set(sys, site, "TOKEN", "two", true);
        assertThat(repo.get(sys, site, "TOKEN").secretValue().reveal()).isEqualTo("two");
        repo.delete(sys, site, "TOKEN");
        assertThat(repo.list(sys, site)).isEmpty();
        assertThat(auditActions()).containsExactly("env.create", "env.update", "env.delete");
    }

    @Test
    void aTamperedCiphertextFailsWithAnErrorNamingSiteAndKey() {
        repo.set(sys, site, "DB_PASSWORD", "hunter2", true);
        byte[] ct = Base64.getDecoder().decode(storedRow("DB_PASSWORD").getValue());
        ct[ct.length - 3] ^= 0x01;
        overwrite("DB_PASSWORD", Base64.getEncoder().encodeToString(ct));
        assertThatThrownBy(() -> repo.get(sys, site, "DB_PASSWORD"))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessage("secret DB_PASSWORD of site " + site + " cannot be decrypted: authentication failed"
                        + " (tampered ciphertext, or one copied from another variable or site)");
        assertThatThrownBy(() -> repo.resolveForContainer(sys, site)).isInstanceOf(SecretDecryptionException.class);
        assertThat(log.text()).contains("Secret DB_PASSWORD of site " + site + " failed authentication under key");
    }

    @Test
    void aCiphertextSwappedBetweenRowsOrSitesFailsToDecrypt() {
        repo.set(sys, site, "A_SECRET", "alpha", true);
        repo.set(sys, site, "B_SECRET", "bravo", true);
        repo.set(sys, actors.personalSite, "A_SECRET", "charlie", true);
        String a = storedRow("A_SECRET").getValue();
        String b = storedRow("B_SECRET").getValue();
        overwrite("A_SECRET", b);
        overwrite("B_SECRET", a);
        assertThatThrownBy(() -> repo.get(sys, site, "A_SECRET"))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("A_SECRET of site " + site);
        assertThatThrownBy(() -> repo.get(sys, site, "B_SECRET")).isInstanceOf(SecretDecryptionException.class);
        // Same key name, other site: the site id in the associated data refuses it.
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SITE_ENVIRONMENT_VARIABLES)
                        .set(SITE_ENVIRONMENT_VARIABLES.VALUE, a)
                        .where(SITE_ENVIRONMENT_VARIABLES.SITE_ID.eq(actors.personalSite))
                        .execute());
        assertThatThrownBy(() -> repo.get(sys, actors.personalSite, "A_SECRET"))
                .isInstanceOf(SecretDecryptionException.class);
        assertThat(log.text())
                .contains("Secret A_SECRET of site " + site + " failed authentication")
                .contains("Secret B_SECRET of site " + site + " failed authentication")
                .contains("Secret A_SECRET of site " + actors.personalSite + " failed authentication");
    }

    @Test
    void theWrongKeyIsAClearErrorAndNeverYieldsCiphertextOrEmpty() {
        repo.set(sys, site, "DB_PASSWORD", "hunter2", true);
        EnvironmentRepository wrong = new EnvironmentRepository(db, SecretsKeyset.generate());
        assertThatThrownBy(() -> wrong.get(sys, site, "DB_PASSWORD"))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("secret DB_PASSWORD of site " + site)
                .hasMessageContaining("which is not in the keyset");
        assertThat(wrong.get(actors.scope(Actor.ORG_MEMBER), site, "DB_PASSWORD")
                        .masked())
                .as("masked reads need no key")
                .isTrue();
    }

    @Test
    void missingKeyMaterialNamesWhatIsMissing() {
        Path nowhere = temp.dir().resolve("no-such-keyset.json");
        assertThatThrownBy(
                        () -> SecretsKeyset.fromEnvironment(Map.of(SecretsKeyset.ENV_KEYSET_FILE, nowhere.toString())))
                .isInstanceOf(SecretKeyMaterialException.class)
                .hasMessage("DIALUP_SECRETS_KEYSET is not set and no key file at " + nowhere.toAbsolutePath());
        assertThatThrownBy(() -> SecretsKeyset.fromEnvironment(
                        Map.of(SecretsKeyset.ENV_KEYSET, "{\"primaryKeyId\": \"garbage-xyz")))
                .isInstanceOf(SecretKeyMaterialException.class)
                .hasMessage("environment variable DIALUP_SECRETS_KEYSET does not hold a valid Tink JSON keyset");
    }

    @Test
    void aKeysetWrittenToAFileIsReadBackFromTheEnvironment() throws Exception {
        repo.set(sys, site, "DB_PASSWORD", "hunter2", true);
        Path file = temp.dir().resolve("keys/secrets-keyset.json");
        keyset.writeTo(file);
        assertThat(Files.getPosixFilePermissions(file))
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        SecretsKeyset loaded = SecretsKeyset.fromEnvironment(Map.of(SecretsKeyset.ENV_KEYSET_FILE, file.toString()));
        assertThat(new EnvironmentRepository(db, loaded)
                        .get(sys, site, "DB_PASSWORD")
                        .secretValue()
                        .reveal())
                .isEqualTo("hunter2");
        SecretsKeyset fromJson =
                SecretsKeyset.fromEnvironment(Map.of(SecretsKeyset.ENV_KEYSET, Files.readString(file)));
        assertThat(fromJson.keyIds()).isEqualTo(keyset.keyIds());
    }

    @Test
    void rotationInterruptedHalfWayResumesAndLosesNothing() {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < 7; i++) values.put("SECRET_" + i, "value-" + i + "-ünïcode");
        values.forEach((k, val) -> repo.set(sys, i(k) % 2 == 0 ? site : actors.personalSite, k, val, true));
        repo.set(sys, site, "PLAIN", "not secret", false);
        int oldKey = keyset.primaryKeyId();

        SecretsKeyset rotated = keyset.withNewPrimaryKey();
        int newKey = rotated.primaryKeyId();
        EnvironmentRepository after = new EnvironmentRepository(db, rotated);
        List<ReencryptProgress> seen = new ArrayList<>();
        assertThatThrownBy(() -> after.reencryptSecrets(sys, 3, p -> {
                    seen.add(p);
                    throw new IllegalStateException("simulated crash after the first batch");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(seen).containsExactly(new ReencryptProgress(newKey, 3, 4, 1));
        assertThat(after.keysInUse(sys))
                .containsOnly(
                        Map.entry(Integer.toUnsignedString(oldKey), 4L),
                        Map.entry(Integer.toUnsignedString(newKey), 3L));
        assertThat(after.canRetire(sys, oldKey)).isFalse();
        assertAllReadable(after, values);

        List<ReencryptProgress> resumed = new ArrayList<>();
        ReencryptProgress done = after.reencryptSecrets(actors.scope(Actor.SYSTEM_ADMIN), 3, resumed::add);
        assertThat(resumed)
                .containsExactly(new ReencryptProgress(newKey, 3, 1, 1), new ReencryptProgress(newKey, 4, 0, 2));
        assertThat(done.done()).isTrue();
        assertThat(after.keysInUse(sys)).containsOnly(Map.entry(Integer.toUnsignedString(newKey), 7L));
        assertThat(after.canRetire(sys, oldKey)).isTrue();
        assertThat(after.canRetire(sys, newKey))
                .as("the primary is never retirable")
                .isFalse();

        EnvironmentRepository retired = new EnvironmentRepository(db, rotated.withoutKey(oldKey));
        assertAllReadable(retired, values);
        assertThat(retired.get(sys, site, "PLAIN").plainValue()).isEqualTo("not secret");
        assertThat(auditActions()).filteredOn("secrets.reencrypt_batch"::equals).hasSize(3);
        assertThat(log.text())
                .contains("Re-encrypted 3 secret values to key " + Integer.toUnsignedString(newKey) + " (4 remaining)")
                .contains("(0 remaining)");
    }

    @Test
    void secretValuesNeverAppearInLogsExceptionsToStringOrAuditRows() {
        String secret = "Sup3r-S3cret-Value-9f8e";
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        System.setErr(capture);
        System.setOut(capture);
        try {
            EnvironmentVariable set = repo.set(sys, site, "DB_PASSWORD", secret, true);
            texts.add(set.toString());
            texts.add(repo.get(sys, site, "DB_PASSWORD").toString());
            texts.add(repo.list(actors.scope(Actor.ORG_MEMBER), site).toString());
            texts.add(SecretValue.of(secret).toString());
            texts.add(keyset.toString());
            SecretsKeyset rotated = keyset.withNewPrimaryKey();
            texts.add(new EnvironmentRepository(db, rotated)
                    .reencryptSecrets(sys, 10, p -> texts.add(p.toString()))
                    .toString());
            overwrite("DB_PASSWORD", storedRow("DB_PASSWORD").getValue().substring(0, 20) + "AAAA");
            texts.add(failure(() -> new EnvironmentRepository(db, rotated).get(sys, site, "DB_PASSWORD")));
            texts.add(failure(() -> repo.set(sys, site, "BAD KEY", secret, true)));
            texts.add(failure(() -> repo.set(sys, site, "TOO_LONG", secret + "x".repeat(40_000), true)));
            texts.add(failure(() -> repo.set(actors.scope(Actor.ORG_MEMBER), site, "DB_PASSWORD", secret, true)));
            texts.add(failure(() -> SecretsKeyset.fromJson(secret, "test input")));
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs)
                .as("the capture sees the library's log lines")
                .contains("Re-encrypted 1 secret values")
                .contains("Secret DB_PASSWORD of site " + site + " failed authentication");
        texts.add(logs);
        texts.addAll(db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.DETAILS).from(AUDIT_LOG).fetch(AUDIT_LOG.DETAILS)));
        assertThat(texts)
                .hasSizeGreaterThan(10)
                .noneMatch(t -> t.contains(secret))
                .noneMatch(t -> t.contains("Sup3r"));
        assertThat(texts).anyMatch(t -> t.contains("******"));
    }

    private static String failure(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) sb.append(t).append('\n');
            return sb.toString();
        }
        throw new AssertionError("expected a failure");
    }

    private void assertAllReadable(EnvironmentRepository r, Map<String, String> values) {
        values.forEach((k, val) -> assertThat(r.get(sys, i(k) % 2 == 0 ? site : actors.personalSite, k)
                        .secretValue()
                        .reveal())
                .isEqualTo(val));
    }

    private static int i(String key) {
        return Integer.parseInt(key.substring(key.indexOf('_') + 1));
    }

    private dev.dialup.deploy.db.generated.tables.records.SiteEnvironmentVariablesRecord storedRow(String key) {
        return db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(SITE_ENVIRONMENT_VARIABLES)
                        .where(SITE_ENVIRONMENT_VARIABLES.KEY.eq(key))
                        .and(SITE_ENVIRONMENT_VARIABLES.SITE_ID.eq(site))
                        .fetchOne());
    }

    private void overwrite(String key, String stored) {
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SITE_ENVIRONMENT_VARIABLES)
                        .set(SITE_ENVIRONMENT_VARIABLES.VALUE, stored)
                        .where(SITE_ENVIRONMENT_VARIABLES.KEY.eq(key))
                        .and(SITE_ENVIRONMENT_VARIABLES.SITE_ID.eq(site))
                        .execute());
    }

    List<String> auditActions() {
        return TestDb.auditActions(db);
    }
}
