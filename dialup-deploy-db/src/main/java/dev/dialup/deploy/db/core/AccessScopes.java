package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.NotFoundException;
import org.jooq.impl.DSL;

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
        AccessScope scope = AccessScope.user(userId);
        return db.read(scope, dsl -> {
            // By name, not through the generated classes: the core sits below the repositories.
            if (!dsl.fetchExists(
                    DSL.table(DSL.name("users")),
                    DSL.field(DSL.name("id"), Long.class).eq(userId))) {
                throw new NotFoundException("user", userId);
            }
            return scope;
        });
    }
}
