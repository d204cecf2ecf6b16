package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;

/** Builds access scopes from the database: the only way to obtain a user's scope. */
public final class AccessScopes {
    private final DialupDatabase db;

    public AccessScopes(DialupDatabase db) {
        this.db = db;
    }

    /**
     * The scope of an authenticated user: just the id. It carries no permissions; every call
     * made with it decides on the user's current row and memberships (see {@link AccessScope}),
     * so a deactivated user's scope is refused everywhere and a scope never needs rebuilding.
     *
     * @throws NotFoundException if no such user exists
     */
    public AccessScope forUser(long userId) {
        return db.read(dsl -> {
            if (!dsl.fetchExists(USERS, USERS.ID.eq(userId))) {
                throw new NotFoundException("user", userId);
            }
            return AccessScope.user(userId);
        });
    }
}
