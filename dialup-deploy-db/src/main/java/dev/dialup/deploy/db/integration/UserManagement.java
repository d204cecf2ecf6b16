package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.admin.OrganizationSummary;
import dev.dialup.deploy.db.admin.UserSummary;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.tenancy.User;

/**
 * User management for the admin panel (plan Stage 4). Every call takes the admin's scope and
 * is checked by the repositories behind it ({@code UserRepository}, {@code AdminPanelRepository}),
 * so the rules of docs/tenancy.md apply unchanged: lists are for system admins, and every
 * change writes one audit row. Every call decides on the admin's current user row (a demoted
 * or deactivated admin's scope is refused at once). Implementation: {@link UserManagementService}.
 */
public interface UserManagement {

    /** Users with their personal-site and organization counts, by id, keyset-paginated (null cursor = first page). */
    Page<UserSummary> listUsers(AccessScope admin, PageCursor after, int limit);

    /** Organizations with member counts and active/inactive site counts, by id, keyset-paginated. */
    Page<OrganizationSummary> listOrganizations(AccessScope admin, PageCursor after, int limit);

    User user(AccessScope admin, long userId);

    /**
     * Deactivates an account; its scope is refused from the next call on. Not your own account
     * ({@code AccessDeniedException}) and not the last active system admin ({@code ConflictException}).
     */
    User deactivate(AccessScope admin, long userId);

    /** Reactivates an account: system admins only. */
    User reactivate(AccessScope admin, long userId);

    /**
     * Grants or revokes system-admin rights. Revoking your own is an {@code AccessDeniedException}
     * (another admin must); revoking the last active system admin is a {@code ConflictException}.
     */
    User setSystemAdmin(AccessScope admin, long userId, boolean systemAdmin);

    /** Operator password reset, e.g. for the administrator created when a legacy database was adopted. */
    void resetPassword(AccessScope admin, long userId, String newPassword);
}
