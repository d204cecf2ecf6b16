package dev.dialup.deploy.db.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts and decrypts one secret value with the keyset's AEAD. The associated data binds
 * a ciphertext to its site and key, so a ciphertext copied to another row or site fails.
 * Stored form: base64 of Tink's ciphertext (version byte, 4-byte key id, IV, data, tag).
 */
final class SecretCipher {
    private static final Logger LOG = LoggerFactory.getLogger(SecretCipher.class);
    private static final int TINK_PREFIX = 5;

    private final SecretsKeyset keyset;

    SecretCipher(SecretsKeyset keyset) {
        this.keyset = keyset;
    }

    int primaryKeyId() {
        return keyset.primaryKeyId();
    }

    String encrypt(long siteId, String key, String plaintext) {
        try {
            byte[] ct = keyset.aead().encrypt(plaintext.getBytes(StandardCharsets.UTF_8), associatedData(siteId, key));
            return Base64.getEncoder().encodeToString(ct);
        } catch (GeneralSecurityException e) {
            throw new SecretKeyMaterialException(
                    "cannot encrypt secret " + key + " of site " + siteId + " with the keyset from " + keyset.source()
                            + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    SecretValue decrypt(long siteId, String key, String stored) {
        byte[] ct;
        try {
            ct = Base64.getDecoder().decode(stored);
        } catch (IllegalArgumentException e) {
            throw new SecretDecryptionException(siteId, key, "the stored value is not a ciphertext");
        }
        if (ct.length <= TINK_PREFIX) {
            throw new SecretDecryptionException(siteId, key, "the stored ciphertext is too short");
        }
        int keyId = keyIdOf(ct);
        if (!keyset.keyIds().contains(keyId)) {
            throw new SecretDecryptionException(
                    siteId,
                    key,
                    "it was encrypted with key " + Integer.toUnsignedString(keyId)
                            + ", which is not in the keyset from " + keyset.source());
        }
        try {
            return SecretValue.of(
                    new String(keyset.aead().decrypt(ct, associatedData(siteId, key)), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            LOG.warn(
                    "Secret {} of site {} failed authentication under key {}",
                    key,
                    siteId,
                    Integer.toUnsignedString(keyId));
            throw new SecretDecryptionException(
                    siteId,
                    key,
                    "authentication failed (tampered ciphertext, or one copied from another variable or site)");
        }
    }

    /** The Tink key id in a stored value's prefix, or null when it is not a Tink ciphertext. */
    static Integer keyIdOf(String stored) {
        try {
            byte[] ct = Base64.getDecoder().decode(stored);
            return ct.length > TINK_PREFIX ? keyIdOf(ct) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int keyIdOf(byte[] ct) {
        return ByteBuffer.wrap(ct, 1, 4).getInt();
    }

    private static byte[] associatedData(long siteId, String key) {
        return ("dialup-env\0site:" + siteId + "\0key:" + key).getBytes(StandardCharsets.UTF_8);
    }
}
