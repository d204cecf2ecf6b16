package dev.dialup.deploy.db.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keysets (issue 10): a keyset whose keys the library cannot use is refused when it is loaded,
 * with a message naming the key id and the problem and never key material — not later, on
 * every secret, as "encrypted with key N".
 */
class KeysetValidationTest {
    @TempDir
    Path dir;

    static AesGcmParameters aesGcm(AesGcmParameters.Variant variant) throws Exception {
        return AesGcmParameters.builder()
                .setKeySizeBytes(32)
                .setIvSizeBytes(12)
                .setTagSizeBytes(16)
                .setVariant(variant)
                .build();
    }

    static String json(Parameters... keys) throws Exception {
        AeadConfig.register();
        KeysetHandle.Builder b = KeysetHandle.newBuilder();
        for (int i = 0; i < keys.length; i++) {
            KeysetHandle.Builder.Entry e =
                    KeysetHandle.generateEntryFromParameters(keys[i]).withRandomId();
            b.addEntry(i == 0 ? e.makePrimary() : e);
        }
        return TinkJsonProtoKeysetFormat.serializeKeyset(b.build(), InsecureSecretKeyAccess.get());
    }

    /** Every base64 "value" of the keyset JSON: the serialized key material. */
    static void assertNoKeyMaterial(Throwable t, String json) {
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        int found = 0;
        while (m.find()) {
            found++;
            assertThat(t.getMessage())
                    .doesNotContain(m.group(1))
                    .doesNotContain(m.group(1).substring(0, 12));
        }
        assertThat(found).isPositive();
    }

    /** The first key's id as the JSON writes it: unsigned decimal. */
    static String firstKeyId(String json) {
        Matcher m = Pattern.compile("\"keyId\"\\s*:\\s*(\\d+)").matcher(json);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void aRawPrefixKeysetIsRefusedAtLoadNamingTheKeyAndTheFix() throws Exception {
        String json = json(aesGcm(AesGcmParameters.Variant.NO_PREFIX));

        Throwable t = catchThrowable(() -> SecretsKeyset.fromJson(json, "test keyset"));

        assertThat(t)
                .isInstanceOf(SecretKeyMaterialException.class)
                .hasMessage(
                        "key " + firstKeyId(json)
                                + " of the keyset from test keyset uses the RAW output prefix; only TINK-prefixed keys are supported"
                                + " (each ciphertext must name its key id for rotation). Generate keys with a TINK variant, e.g. AES256_GCM");
        assertNoKeyMaterial(t, json);
    }

    @Test
    void aRawKeyBesideAGoodPrimaryIsRefusedToo() throws Exception {
        String json = json(PredefinedAeadParameters.AES256_GCM, aesGcm(AesGcmParameters.Variant.NO_PREFIX));

        Throwable t = catchThrowable(() -> SecretsKeyset.fromJson(json, "test keyset"));

        assertThat(t).isInstanceOf(SecretKeyMaterialException.class).hasMessageContaining("uses the RAW output prefix");
        assertNoKeyMaterial(t, json);
    }

    @Test
    void aCrunchyPrefixKeysetIsRefused() throws Exception {
        String json = json(aesGcm(AesGcmParameters.Variant.CRUNCHY));

        Throwable t = catchThrowable(() -> SecretsKeyset.fromJson(json, "test keyset"));

        assertThat(t)
                .isInstanceOf(SecretKeyMaterialException.class)
                .hasMessage("key " + firstKeyId(json)
                        + " of the keyset from test keyset uses the CRUNCHY/LEGACY output prefix; only TINK-prefixed keys are supported."
                        + " Generate keys with a TINK variant, e.g. AES256_GCM");
        assertNoKeyMaterial(t, json);
    }

    @Test
    void aKeysetOfAnotherPrimitiveIsRefusedFromAFileWhichStaysAsItWas() throws Exception {
        MacConfig.register();
        String json = json(PredefinedMacParameters.HMAC_SHA256_256BITTAG);
        Path file = dir.resolve("keyset.json");
        Files.writeString(file, json);

        Throwable t = catchThrowable(
                () -> SecretsKeyset.fromEnvironment(Map.of(SecretsKeyset.ENV_KEYSET_FILE, file.toString())));

        assertThat(t)
                .isInstanceOf(SecretKeyMaterialException.class)
                .hasMessage("key " + firstKeyId(json)
                        + " of the keyset from key file " + file.toAbsolutePath()
                        + " is not an AEAD key (HmacParameters);"
                        + " secrets need AEAD keys such as AES256_GCM");
        assertNoKeyMaterial(t, json);
        assertThat(Files.readString(file)).isEqualTo(json);
    }

    @Test
    void aTinkPrefixKeysetStillLoadsAndEncrypts() throws Exception {
        String json = json(PredefinedAeadParameters.AES256_GCM, PredefinedAeadParameters.CHACHA20_POLY1305);

        SecretsKeyset keyset = SecretsKeyset.fromJson(json, "test keyset");
        SecretCipher cipher = new SecretCipher(keyset);

        assertThat(Integer.toUnsignedString(keyset.primaryKeyId())).isEqualTo(firstKeyId(json));
        assertThat(cipher.decrypt(7, "K", cipher.encrypt(7, "K", "s3cret")).reveal())
                .isEqualTo("s3cret");
    }
}
