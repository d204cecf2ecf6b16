package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.NotFoundException;
import java.util.HashMap;
import java.util.Map;

/** Builds access scopes from the database: the only way to obtain a user's scope. */
public final class AccessScopes {
    private final DialupDatabase db;

    public AccessScopes(DialupDatabase db) {
        this.db = db;
    }

    /**
     * The scope of an authenticated user: active flag, admin flag, and roles in active
     * organizations only. A deactivated user gets a scope that grants nothing.
     *
     * @throws NotFoundException if no such user exists
     */
    public AccessScope forUser(long userId) {
        return db.read(dsl -> {
            var user = dsl.select(USERS.IS_ACTIVE, USERS.IS_ADMIN).from(USERS).where(USERS.ID.eq(userId)).fetchOne();
            if (user == null) {
                throw new NotFoundException("user", userId);
            }
            Map<Long, OrgRole> roles = new HashMap<>();
            dsl.select(ORGANIZATION_MEMBERS.ORGANIZATION_ID, ORGANIZATION_MEMBERS.ROLE)
                    .from(ORGANIZATION_MEMBERS)
                    .join(ORGANIZATIONS).on(ORGANIZATIONS.ID.eq(ORGANIZATION_MEMBERS.ORGANIZATION_ID))
                    .where(ORGANIZATION_MEMBERS.USER_ID.eq(userId))
                    .and(ORGANIZATIONS.IS_ACTIVE.isTrue())
                    .forEach(r -> roles.put(r.value1(), OrgRole.fromDb(r.value2())));
            return AccessScope.user(userId, Boolean.TRUE.equals(user.value1()), Boolean.TRUE.equals(user.value2()), roles);
        });
    }
}
