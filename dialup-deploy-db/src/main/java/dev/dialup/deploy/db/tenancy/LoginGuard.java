package dev.dialup.deploy.db.tenancy;

/**
 * The calling service's hook around {@link UserRepository#authenticate(AccessScope, String, String, String)}
 * for limits the library cannot keep itself — per client address, per network, per device.
 * The library throttles per account (docs/tenancy.md, "Login throttling"); import dev.dialup.deploy.db.core.AccessScope;
 * an address that
 * sprays many accounts is the service's to stop, e.g. with a token bucket keyed by address.
 *
 * <p>Both methods run on the caller's thread, outside any database transaction. Implementations
 * must be thread-safe and must not call back into the repository.
 */
public interface LoginGuard {
    /** No extra limits (the default). */
    LoginGuard NONE = new LoginGuard() {};

    /**
     * Called first. Returning false refuses the attempt: {@code authenticate} returns empty at
     * once, without reading the account, verifying a hash or counting a failure against the
     * account (so an address already blocked cannot lock its victims out).
     *
     * @param login the login as typed, stripped (username or email)
     * @param clientAddress whatever the service passed (may be null)
     */
    default boolean permit(String login, String clientAddress) {
        return true;
    }

    /** Called after every permitted attempt with its outcome (true: authenticated). */
    default void completed(String login, String clientAddress, boolean success) {}
}
