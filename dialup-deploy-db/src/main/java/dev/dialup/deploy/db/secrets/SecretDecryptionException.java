package dev.dialup.deploy.db.secrets;

import dev.dialup.deploy.db.DialupDataException;

/**
 * A stored secret could not be decrypted: wrong or missing key, a tampered ciphertext, or a
 * ciphertext copied from another row or site. Names the site and the variable, never the value.
 * HTTP 500.
 */
public final class SecretDecryptionException extends DialupDataException {
    private final long siteId;
    private final String key;

    public SecretDecryptionException(long siteId, String key, String reason) {
        super("secret " + key + " of site " + siteId + " cannot be decrypted: " + reason);
        this.siteId = siteId;
        this.key = key;
    }

    public long siteId() {
        return siteId;
    }

    public String key() {
        return key;
    }
}
