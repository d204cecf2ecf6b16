package dev.dialup.deploy.db.core;

/** Scopes tests need but services can never build: e.g. one for a user id that has no row. */
public final class TestScopes {
    private TestScopes() {}

    /** A user scope for any id, unchecked (services obtain scopes only through {@link AccessScopes}). */
    public static AccessScope user(long userId) {
        return AccessScope.user(userId);
    }
}
