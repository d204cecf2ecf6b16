package dev.dialup.deploy.db.secrets;

import dev.dialup.deploy.db.DialupDataException;

/** The key material for secrets is missing or unusable; the message names what and where. HTTP 500 (an operator error). */
public final class SecretKeyMaterialException extends DialupDataException {
    public SecretKeyMaterialException(String message) {
        super(message);
    }
}
