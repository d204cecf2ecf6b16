package dev.dialup.deploy.db.tenancy;

import dev.dialup.deploy.db.core.OrgRole;
import java.time.Instant;
import java.util.Locale;

/**
 * An invitation to join an organization, as its managers and its invitee see it. It never
 * says whether an account with {@code invitee} exists.
 *
 * @param invitee the normalised (lower-case) username or email the inviter typed
 */
public record Invitation(
        long id,
        long organizationId,
        String organizationName,
        String invitee,
        OrgRole role,
        Status status,
        Instant createdAt,
        Instant expiresAt) {

    /** Where an invitation stands; {@code EXPIRED} is also reported for a pending row past its expiry. */
    public enum Status {
        PENDING,
        ACCEPTED,
        DECLINED,
        REVOKED,
        EXPIRED;

        public String dbValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status fromDb(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}
