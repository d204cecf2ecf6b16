package dev.dialup.deploy.db.secrets;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AeadKey;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.util.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The key material for secret environment variables: a Google Tink keyset of AES256_GCM keys
 * in Tink's JSON format, kept outside the database. Loaded from
 * <ol>
 *   <li>the environment variable {@value #ENV_KEYSET} holding the keyset JSON, or else</li>
 *   <li>the file named by {@value #ENV_KEYSET_FILE}, or else</li>
 *   <li>the file {@code data/secrets-keyset.json} (beside the default database path).</li>
 * </ol>
 * The keyset is cleartext JSON: protect it like a private key (the file is written 0600).
 * Rotation: {@link #withNewPrimaryKey()}, {@link #writeTo(Path)}, re-encrypt with
 * {@link EnvironmentRepository#reencryptSecrets}, then {@link #withoutKey(int)} once
 * {@link EnvironmentRepository#canRetire} says so. toString never shows key material.
 */
public final class SecretsKeyset {
    public static final String ENV_KEYSET = "DIALUP_SECRETS_KEYSET";
    public static final String ENV_KEYSET_FILE = "DIALUP_SECRETS_KEYSET_FILE";
    public static final Path DEFAULT_FILE = Path.of("data", "secrets-keyset.json");

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeysetHandle handle;
    private final String source;
    private final Aead aead;

    private SecretsKeyset(KeysetHandle handle, String source) {
        this.handle = handle;
        this.source = source;
        requireSupportedKeys(handle, source);
        try {
            this.aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
        } catch (GeneralSecurityException e) {
            throw new SecretKeyMaterialException("the keyset from " + source + " holds no usable AEAD key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Every key must be a Tink AEAD key with the TINK output prefix (version byte 0x01 and the
     * 4-byte key id before each ciphertext): that prefix is how a stored value names the key
     * it needs, which rotation ({@link EnvironmentRepository#keysInUse}, {@link EnvironmentRepository#canRetire})
     * and decryption rely on. RAW keys (no prefix), CRUNCHY/LEGACY keys and other primitives
     * (MAC, signatures, …) are refused here, at load, instead of failing every secret later.
     * Messages name the key id and the problem, never key material.
     */
    private static void requireSupportedKeys(KeysetHandle handle, String source) {
        for (int i = 0; i < handle.size(); i++) {
            KeysetHandle.Entry entry = handle.getAt(i);
            String which = "key " + Integer.toUnsignedString(entry.getId()) + " of the keyset from " + source;
            if (!(entry.getKey() instanceof AeadKey aeadKey)) {
                throw new SecretKeyMaterialException(which + " is not an AEAD key ("
                        + kindOf(entry.getKey().getParameters()) + "); secrets need AEAD keys such as AES256_GCM");
            }
            Bytes prefix = aeadKey.getOutputPrefix();
            if (prefix.size() == 0) {
                throw new SecretKeyMaterialException(which + " uses the RAW output prefix; only TINK-prefixed keys are"
                        + " supported (each ciphertext must name its key id for rotation). Generate keys with a TINK variant,"
                        + " e.g. AES256_GCM");
            }
            if (prefix.size() != 5 || prefix.toByteArray()[0] != 0x01) {
                throw new SecretKeyMaterialException(
                        which + " uses the CRUNCHY/LEGACY output prefix; only TINK-prefixed keys"
                                + " are supported. Generate keys with a TINK variant, e.g. AES256_GCM");
            }
        }
    }

    /** The parameters' class name, e.g. HmacParameters; never key material. */
    private static String kindOf(Parameters p) {
        String name = p.getClass().getSimpleName();
        return name.equals("LegacyProtoParameters") ? "a key type this library does not register" : name;
    }

    /** From the process environment, in the order described on the class. */
    public static SecretsKeyset fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** From the given environment map (testable form of {@link #fromEnvironment()}). */
    public static SecretsKeyset fromEnvironment(Map<String, String> env) {
        String json = env.get(ENV_KEYSET);
        if (json != null && !json.isBlank()) {
            return fromJson(json, "environment variable " + ENV_KEYSET);
        }
        String fileName = env.get(ENV_KEYSET_FILE);
        Path file = (fileName == null || fileName.isBlank() ? DEFAULT_FILE : Path.of(fileName)).toAbsolutePath();
        if (!Files.isRegularFile(file)) {
            throw new SecretKeyMaterialException(ENV_KEYSET + " is not set and no key file at " + file
                    + (fileName == null
                            ? " (set " + ENV_KEYSET_FILE + " to the keyset file, or " + ENV_KEYSET + " to its JSON)"
                            : ""));
        }
        return fromFile(file);
    }

    public static SecretsKeyset fromFile(Path file) {
        Path abs = file.toAbsolutePath();
        String json;
        try {
            json = Files.readString(abs, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SecretKeyMaterialException(
                    "cannot read secrets key file " + abs + " (" + e.getClass().getSimpleName() + ")");
        }
        return fromJson(json, "key file " + abs);
    }

    /** Parses Tink keyset JSON; {@code source} names where it came from in error messages. */
    public static SecretsKeyset fromJson(String json, String source) {
        KeysetHandle parsed;
        try {
            parsed = TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException | RuntimeException e) {
            // The parser's message may quote the input: never pass it on.
            throw new SecretKeyMaterialException(source + " does not hold a valid Tink JSON keyset");
        }
        return new SecretsKeyset(parsed, source);
    }

    /** A fresh keyset with one AES256_GCM key (first set-up, tests). */
    public static SecretsKeyset generate() {
        try {
            return new SecretsKeyset(KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM), "generated keyset");
        } catch (GeneralSecurityException e) {
            throw new SecretKeyMaterialException(
                    "cannot generate an AES256_GCM keyset (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** This keyset plus a new AES256_GCM key that becomes primary; old keys stay for decryption. */
    public SecretsKeyset withNewPrimaryKey() {
        try {
            KeysetHandle rotated = KeysetHandle.newBuilder(handle)
                    .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                            .withRandomId()
                            .makePrimary())
                    .build();
            return new SecretsKeyset(rotated, source + " (rotated)");
        } catch (GeneralSecurityException e) {
            throw new SecretKeyMaterialException("cannot add a key to the keyset from " + source + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * This keyset without {@code keyId}. Check {@link EnvironmentRepository#canRetire} first:
     * values still encrypted under a removed key can no longer be read.
     */
    public SecretsKeyset withoutKey(int keyId) {
        if (keyId == primaryKeyId()) {
            throw new IllegalArgumentException(
                    "key " + keyId + " is the primary key; add a new primary before retiring it");
        }
        KeysetHandle.Builder b = KeysetHandle.newBuilder(handle);
        for (int i = 0; i < b.size(); i++) {
            if (handle.getAt(i).getId() == keyId) {
                b.deleteAt(i);
                try {
                    return new SecretsKeyset(b.build(), source + " (key " + keyId + " retired)");
                } catch (GeneralSecurityException e) {
                    throw new SecretKeyMaterialException(
                            "cannot remove key " + keyId + " (" + e.getClass().getSimpleName() + ")");
                }
            }
        }
        throw new IllegalArgumentException("key " + keyId + " is not in the keyset");
    }

    /** Writes the keyset JSON atomically with owner-only permissions where the file system has them. */
    public void writeTo(Path file) {
        try {
            String json = TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = Files.createTempFile(abs.getParent(), ".keyset", ".tmp");
            try {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
                Files.writeString(tmp, json, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new SecretKeyMaterialException("cannot write secrets key file " + file.toAbsolutePath() + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** Id of the key new values are encrypted with (the 4 bytes after Tink's version byte in every ciphertext). */
    public int primaryKeyId() {
        return handle.getPrimary().getId();
    }

    /** Ids of every enabled key (decryption tries the one named by the ciphertext prefix). */
    public Set<Integer> keyIds() {
        Set<Integer> ids = new TreeSet<>();
        for (int i = 0; i < handle.size(); i++) {
            if (handle.getAt(i).getStatus() == KeyStatus.ENABLED)
                ids.add(handle.getAt(i).getId());
        }
        return ids;
    }

    /** Where this keyset came from (an env var or a file path), for messages. */
    public String source() {
        return source;
    }

    Aead aead() {
        return aead;
    }

    @Override
    public String toString() {
        return "SecretsKeyset[source=" + source + ", primary=" + primaryKeyId() + ", keys=" + keyIds() + "]";
    }
}
